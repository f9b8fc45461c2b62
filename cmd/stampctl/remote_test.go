package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"stampclock/device/control"
	"stampclock/device/ctlproto"
	"stampclock/device/remote"
	"stampclock/internal/mqttopts"
	"stampclock/queue"
	"stampclock/uplink/mqtt/mqtttest"
)

// terminal answers control commands with fixed state, the same through
// its control socket and its MQTT command topic, and records what ran.
type terminal struct {
	mu  sync.Mutex
	ran []string
}

func (d *terminal) handle(_ context.Context, cmd string, args json.RawMessage) (any, error) {
	d.mu.Lock()
	d.ran = append(d.ran, cmd+" "+string(args))
	d.mu.Unlock()
	at := time.Date(2026, 3, 2, 7, 59, 0, 0, time.UTC)
	switch cmd {
	case ctlproto.CmdStatus:
		var s ctlproto.Status
		s.Device, s.Version, s.Reader, s.Started = "door-a", "1.4.0", "sim", at
		s.Clock.Now, s.Clock.Synced, s.Clock.Timezone = at.Add(time.Hour), true, "Europe/Berlin"
		s.QueueDepth.Pending, s.QueueDepth.Dead = 3, 1
		return s, nil
	case ctlproto.CmdQueueList:
		return []queue.Item{
			{Record: queue.Record{Seq: 41, Kind: queue.KindEntry, Email: "anna@example.com", At: at.Add(8 * time.Hour), ClockSynced: true, Start: at, End: at.Add(8 * time.Hour)}, Uplink: "zeiterfassung", State: "pending", Attempts: 2, Msg: "503 from the server"},
		}, nil
	case ctlproto.CmdBadgesList:
		return []ctlproto.BadgeInfo{{UID: "04A1B2C3", Email: "anna@example.com", Name: "Anna", Source: "enrolled", Enrolled: at}}, nil
	case ctlproto.CmdQueueRetry:
		return ctlproto.RetryResult{Retried: 2}, nil
	case ctlproto.CmdReload:
		return nil, nil
	}
	return nil, fmt.Errorf("daytotal: no employee %q on this terminal", "bob@example.com")
}

func (d *terminal) runs() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.ran...)
}

// serveTerminal serves d on a control socket and, as door-a, on url's
// command topic (account user/pass) until the test ends; it returns the
// socket path once door-a answers over MQTT.
func serveTerminal(t *testing.T, d *terminal, url, user, pass string) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "stampd.sock")
	srv, err := control.Listen(sock, d.handle, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := remote.New(d.handle, remote.Options{DeviceID: "door-a", Allow: ctlproto.Admin, Account: mqttopts.Account{URLs: []string{url}, ClientID: "door-a-cmd",
		Username: user, Password: pass}, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); srv.Serve(ctx) }()
	go func() { defer wg.Done(); r.Run(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
	return sock
}

// waitServed polls with status until door-a's responder is subscribed.
func waitServed(t *testing.T, args ...string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, _, errs := runCtl(t, append(append([]string{"remote", "--timeout", "300ms"}, args...), "door-a", "status")...)
		if code == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("door-a never answered over MQTT: %s", errs)
		}
	}
}

// The remote command prints exactly what the local one prints, for
// tables, JSON and errors, and the terminal runs the same arguments.
func TestRemote_PrintsLikeTheLocalCommand(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	d := &terminal{}
	sock := serveTerminal(t, d, b.URL(), "", "")
	waitServed(t, "--broker", b.URL())
	for _, cmd := range [][]string{
		{"status"},
		{"status", "--json"},
		{"queue", "list", "--state", "pending", "--from", "2026-03-02"},
		{"badges", "list"},
		{"queue", "retry", "--uplink", "zeiterfassung", "7", "9"},
		{"reload"},
	} {
		before := len(d.runs())
		lcode, lout, lerr := runCtl(t, append([]string{"--socket", sock}, cmd...)...)
		local := d.runs()[before:]
		before = len(d.runs())
		rcode, rout, rerr := runCtl(t, append([]string{"remote", "--broker", b.URL(), "door-a"}, cmd...)...)
		remoted := d.runs()[before:]
		if lcode != 0 || rcode != 0 || rout != lout || rerr != lerr {
			t.Errorf("%v: local exit %d %q %q; remote exit %d %q %q", cmd, lcode, lout, lerr, rcode, rout, rerr)
		}
		if strings.Join(local, "\n") != strings.Join(remoted, "\n") {
			t.Errorf("%v: the terminal ran %q locally and %q remotely", cmd, local, remoted)
		}
	}
	// The terminal's error comes back with the device named.
	code, out, errs := runCtl(t, "remote", "--broker", b.URL(), "door-a", "daytotal", "bob@example.com")
	if code != 1 || out != "" || errs != "stampctl: door-a: daytotal: no employee \"bob@example.com\" on this terminal\n" {
		t.Errorf("daytotal error: exit %d, %q, %q", code, out, errs)
	}
}

// A terminal that does not answer: the command fails with the timeout and
// says its outcome is unknown.
func TestRemote_NoAnswer_SaysOutcomeUnknown(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	start := time.Now()
	code, out, errs := runCtl(t, "remote", "--broker", b.URL(), "--timeout", "300ms", "door-z", "queue", "retry")
	if code != 1 || out != "" || !strings.Contains(errs, "no answer from door-z within 300ms: the outcome of queue.retry is UNKNOWN") {
		t.Fatalf("exit %d, %q, %q", code, out, errs)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %s for a 300ms timeout", d)
	}
}

func TestRemote_UsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"remote"}, "remote: want DEVICE COMMAND [ARGS]"},
		{[]string{"remote", "door-a"}, "remote: want DEVICE COMMAND [ARGS]"},
		{[]string{"remote", "--broker", "tcp://127.0.0.1:1", "door-a", "tap", "04A1"}, `remote: "tap" does not run over MQTT`},
		{[]string{"remote", "--broker", "tcp://127.0.0.1:1", "door-a", "init"}, `remote: "init" does not run over MQTT`},
		{[]string{"remote", "--broker", "tcp://127.0.0.1:1", "--timeout", "0s", "door-a", "status"}, "remote: --timeout 0s"},
		{[]string{"remote", "--bogus", "door-a", "status"}, "remote: flag provided but not defined: -bogus"},
	} {
		code, out, errs := runCtl(t, tc.args...)
		if code != 2 || out != "" || !strings.HasPrefix(errs, "stampctl: "+tc.want) || !strings.HasSuffix(errs, "see: stampctl help remote\n") {
			t.Errorf("%v: exit %d, %q, %q; want 2 and %q", tc.args, code, out, errs, tc.want)
		}
	}
	// A command's own usage error is the local one's, before any connect.
	code, _, errs := runCtl(t, "remote", "--broker", "tcp://127.0.0.1:1", "door-a", "daytotal")
	if code != 2 || !strings.Contains(errs, "daytotal: want exactly one EMAIL") {
		t.Errorf("daytotal without EMAIL: exit %d, %q", code, errs)
	}
}

// The broker account's password comes from the config or a file and is
// never printed, also not when the broker refuses it.
func TestRemote_PasswordNeverPrinted(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{Users: map[string]string{"office": "right-secret-pw"}})
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("wrong-secret-pw\n"), 0o600)
	code, out, errs := runCtl(t, "remote", "--broker", b.URL(), "--username", "office", "--password-file", pw, "--timeout", "2s", "door-a", "status")
	if code != 1 || out != "" || strings.Contains(errs, "secret") || !strings.Contains(errs, `as "office"`) {
		t.Errorf("refused login: exit %d, %q, %q", code, out, errs)
	}
	// Broker and account from the config file.
	d := &terminal{}
	serveTerminal(t, d, b.URL(), "office", "right-secret-pw")
	cfg := filepath.Join(dir, "stampd.toml")
	os.WriteFile(filepath.Join(dir, "office.pw"), []byte("right-secret-pw\n"), 0o600)
	os.WriteFile(cfg, []byte(fmt.Sprintf(`[device]
id = "office-pc"
[store]
path = %q
[mqtt]
urls = [%q]
username = "office"
password_file = %q
`, filepath.Join(dir, "q.db"), b.URL(), filepath.Join(dir, "office.pw"))), 0o600)
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, out, errs = runCtl(t, "remote", "--config", cfg, "--timeout", "300ms", "door-a", "status", "--json")
		if code == 0 || time.Now().After(deadline) {
			break
		}
	}
	if code != 0 || !strings.Contains(out, `"device": "door-a"`) || strings.Contains(out+errs, "secret") {
		t.Errorf("with --config: exit %d, %q, %q", code, out, errs)
	}
}

// TestRemote_MosquittoACL runs the README's ACL on the real mosquitto: the
// office account's command is answered; a terminal's account can neither
// send to another terminal nor read its answers.
func TestRemote_MosquittoACL(t *testing.T) {
	bin, err := exec.LookPath("mosquitto")
	if err == nil {
		_, err = exec.LookPath("mosquitto_passwd")
	}
	if err != nil {
		msg := fmt.Sprintf("mosquitto not installed (apt-get install mosquitto): %v", err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	pwfile, aclfile := filepath.Join(dir, "passwd"), filepath.Join(dir, "acl")
	users := map[string]string{"door-a": "pw-a", "door-b": "pw-b", "office": "pw-office"}
	for u, p := range users {
		args := []string{"-b", pwfile, u, p}
		if _, err := os.Stat(pwfile); err != nil {
			args = append([]string{"-c"}, args...)
		}
		if out, err := exec.Command("mosquitto_passwd", args...).CombinedOutput(); err != nil {
			t.Fatalf("mosquitto_passwd %s: %v\n%s", u, err, out)
		}
	}
	if err := os.WriteFile(aclfile, []byte(remote.ACLExample), 0o600); err != nil {
		t.Fatal(err)
	}
	m := mqtttest.StartMosquitto(t, bin, dir, fmt.Sprintf("allow_anonymous false\npassword_file %s\nacl_file %s\n", pwfile, aclfile))
	d := &terminal{}
	serveTerminal(t, d, m.URL(), "door-a", users["door-a"])
	for u, p := range users {
		os.WriteFile(filepath.Join(dir, u+".pw"), []byte(p), 0o600)
	}
	office := []string{"--broker", m.URL(), "--username", "office", "--password-file", filepath.Join(dir, "office.pw")}
	waitServed(t, office...)
	code, out, errs := runCtl(t, append(append([]string{"remote"}, office...), "door-a", "queue", "retry")...)
	if code != 0 || out != "2 dead letters queued again\n" {
		t.Fatalf("office's queue retry: exit %d, %q, %q", code, out, errs)
	}
	before := len(d.runs())
	code, out, errs = runCtl(t, "remote", "--broker", m.URL(), "--username", "door-b", "--password-file", filepath.Join(dir, "door-b.pw"),
		"--timeout", "1s", "door-a", "queue", "retry")
	if code != 1 || out != "" || !(strings.Contains(errs, "refused by the broker") || strings.Contains(errs, "no answer from door-a")) {
		t.Fatalf("door-b's queue retry: exit %d, %q, %q", code, out, errs)
	}
	// door-a handles requests in order: once the office's next answer is
	// in, door-b's request would have run before it.
	code, _, errs = runCtl(t, append(append([]string{"remote"}, office...), "door-a", "reload")...)
	if code != 0 {
		t.Fatalf("office's reload: %s", errs)
	}
	if got := d.runs()[before:]; len(got) != 1 || !strings.HasPrefix(got[0], "reload") {
		t.Fatalf("door-a ran %q; door-b's request must not reach it", got)
	}
}
