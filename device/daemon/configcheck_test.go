package daemon

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"stampclock/device/config"
	"stampclock/device/control"
)

func TestDaemon_WrongTimeTypeId_ConfigProblemInStatusUntilFixed(t *testing.T) {
	h := newHarness(t)
	good := h.config("")
	text, err := os.ReadFile(good.Path)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(text), `timetype_id = "arbeitszeit"`, `timetype_id = "arbeitszeitt"`, 1)
	if err := os.WriteFile(good.Path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(good.Path)
	if err != nil {
		t.Fatal(err)
	}
	h.start(cfg)
	// Taps are not held up by the check.
	if res := h.tap("04A1B2C3", "2026-06-01T07:00:00Z"); res.Result != "start_ok" {
		t.Fatalf("tap: %+v", res)
	}
	h.eventually("a config problem naming the time type", func() bool {
		ps := h.status().ConfigProblems
		return len(ps) == 1 && ps[0].Check == "time type" && strings.Contains(ps[0].Problem, `"arbeitszeitt"`) && strings.Contains(ps[0].Problem, "arbeitszeit")
	})
}

func TestDaemon_ReloadedBadgeForUnknownEmail_ConfigProblemUntilFixed(t *testing.T) {
	h := newHarness(t)
	cfg := h.config("")
	text, err := os.ReadFile(cfg.Path)
	if err != nil {
		t.Fatal(err)
	}
	h.start(cfg)
	reload := func(extra string) {
		t.Helper()
		if err := os.WriteFile(cfg.Path, append(slices.Clone(text), extra...), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := control.Call(context.Background(), h.socket, "reload", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	reload("[[badge]]\nuid = \"0A0B0C0D\"\nemail = \"mayer@example.com\"\n")
	h.eventually("a config problem naming the unknown email", func() bool {
		ps := h.status().ConfigProblems
		return len(ps) == 1 && ps[0].Check == "users" && strings.Contains(ps[0].Problem, "mayer@example.com")
	})
	reload("")
	h.eventually("the problem cleared after the fixed config was reloaded", func() bool { return len(h.status().ConfigProblems) == 0 })
}
