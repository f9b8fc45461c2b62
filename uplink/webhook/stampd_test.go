package webhook_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"stampclock/device/clock"
	"stampclock/device/config"
	"stampclock/device/control"
	"stampclock/device/daemon"
	"stampclock/internal/waitfor"
	"stampclock/uplink/webhook/webhooktest"
)

// stampdConfig writes a stampd config whose only uplink is [webhook] at
// url, and returns its path and the control socket.
func stampdConfig(t *testing.T, webhookSection string) (path, socket string) {
	t.Helper()
	dir := t.TempDir()
	sockDir, err := os.MkdirTemp("", "wh") // socket paths are short
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	socket = filepath.Join(sockDir, "s.sock")
	secret := filepath.Join(dir, "webhook.secret")
	if err := os.WriteFile(secret, []byte(webhooktest.DefaultSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf(`
[device]
id = "term-1"
[store]
path = %q
[control]
socket = %q
[punch]
timezone = "Europe/Berlin"
[webhook]
secret_file = %q
%s
[[badge]]
uid = "04A1B2C3"
email = "maier@example.com"
`, filepath.Join(dir, "queue.db"), socket, secret, webhookSection)
	path = filepath.Join(dir, "stampd.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, socket
}

// runStampd runs the daemon on cfgPath until the test ends.
func runStampd(t *testing.T, cfgPath, socket string, cl clock.Clock) {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	d, err := daemon.New(cfg, daemon.Options{Clock: cl, MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("stampd did not stop within 5s")
		}
	})
	eventually(t, "control socket answers", func() bool {
		return control.Call(context.Background(), socket, "status", nil, nil) == nil
	})
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	waitfor.Until(t, 15*time.Second, what, ok)
}

func tap(t *testing.T, socket, uid, at string) {
	t.Helper()
	if err := control.Call(context.Background(), socket, "tap", map[string]string{"uid": uid, "at": at}, nil); err != nil {
		t.Fatalf("tap %s at %s: %v", uid, at, err)
	}
}

// uplinkState is the part of stampd's status this test reads.
type uplinkState struct {
	Uplinks []struct {
		Uplink    string `json:"uplink"`
		Delivered uint64 `json:"delivered_since_start"`
	} `json:"uplinks"`
}

func TestStampd_Webhook_TapsPostedOnceDespiteLostAnswer(t *testing.T) {
	cl := clock.NewFake(time.Date(2026, 3, 2, 17, 0, 0, 0, time.UTC))
	s, ts := webhooktest.Start(t, webhooktest.Options{Now: cl.Now})
	s.DropAfterStore(1) // the first record is stored, its answer lost
	path, socket := stampdConfig(t, fmt.Sprintf("url = %q\nallow_http = true\ntimeout = \"2s\"", ts.URL+webhooktest.Path))
	runStampd(t, path, socket, cl)

	tap(t, socket, "04A1B2C3", "2026-03-02T07:58:12+01:00")
	tap(t, socket, "04A1B2C3", "2026-03-02T16:45:30+01:00")
	want := []string{
		"term-1:1 punch maier@example.com start",
		"term-1:2 punch maier@example.com stop",
		"term-1:3 entry maier@example.com 2026-03-02T06:58:12Z-2026-03-02T15:45:30Z",
	}
	lines := func() []string {
		var out []string
		for _, r := range s.Records() {
			l := r.IdempotencyKey + " " + r.Kind + " " + r.Email
			if r.Kind == "entry" {
				l += " " + r.Start.Format(time.RFC3339) + "-" + r.End.Format(time.RFC3339)
			} else {
				l += " " + r.Action
			}
			out = append(out, l)
		}
		slices.Sort(out)
		return out
	}
	eventually(t, "three records stored", func() bool { return len(s.Records()) >= 3 })
	var st uplinkState
	eventually(t, "stampd counts three delivered to webhook", func() bool {
		if err := control.Call(context.Background(), socket, "status", nil, &st); err != nil {
			t.Fatal(err)
		}
		for _, u := range st.Uplinks {
			if u.Uplink == "webhook" && u.Delivered == 3 {
				return true
			}
		}
		return false
	})
	if got := lines(); !slices.Equal(got, want) {
		t.Fatalf("stored\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// stampd's start-up check GETs the URL (any answer proves it is
	// reachable); no POST may be refused.
	refused := slices.DeleteFunc(s.Rejected(), func(r string) bool { return r == "GET is not POST" })
	if s.Replays() != 1 || len(refused) != 0 {
		t.Fatalf("replays %d, refused %q; want the lost answer's record resent once with its key, no POST refused", s.Replays(), refused)
	}
}

func TestStampd_WebhookSection_UnknownKeyAndBadValueNamed(t *testing.T) {
	path, _ := stampdConfig(t, "url = \"https://h.example/in\"\nsignature = \"x\"")
	if _, err := config.Load(path); err == nil || !strings.Contains(err.Error(), "unknown key webhook.signature") {
		t.Fatalf("got %v; want the unknown key webhook.signature named", err)
	}
	path, _ = stampdConfig(t, "url = \"http://h.example/in\"")
	if _, err := config.Load(path); err == nil || !strings.Contains(err.Error(), "webhook.url:") || !strings.Contains(err.Error(), path) {
		t.Fatalf("got %v; want the file and webhook.url named", err)
	}
	path, _ = stampdConfig(t, "")
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cfg.EnabledUplinks()); n != 0 {
		t.Fatalf("%d uplinks enabled without webhook.url; want none", n)
	}
}
