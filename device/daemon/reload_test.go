package daemon

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"stampclock/device/control"
	"stampclock/device/ctlproto"
)

// A technician edits more than the badges and runs `stampctl reload`: the
// badges apply, the answer names the sections that wait for a restart
// (before, it said only "badges reloaded", as if the rest were applied);
// a broken file is refused naming the line, and the running config stays.
func TestDaemon_Reload_SaysWhatWaitsForRestart(t *testing.T) {
	h := newHarness(t)
	h.start(h.config(""))
	reload := func() (ctlproto.ReloadResult, error) {
		var res ctlproto.ReloadResult
		err := control.Call(context.Background(), h.socket, "reload", nil, &res)
		return res, err
	}
	if res, err := reload(); err != nil || res.Badges != 2 || len(res.Restart) != 0 {
		t.Fatalf("reload of the same file = %+v, %v; want 2 badges, nothing waiting", res, err)
	}

	h.config("[log]\nlevel = \"debug\"\n[[badge]]\nuid = \"0A0B0C0D\"\nemail = \"maier@example.com\"\n")
	res, err := reload()
	if err != nil || res.Badges != 3 || !slices.Equal(res.Restart, []string{"log"}) {
		t.Fatalf("reload = %+v, %v; want 3 badges and [log] waiting for a restart", res, err)
	}
	if r := h.tap("0A0B0C0D", "2026-06-01T07:05:00Z"); r.Result != "start_ok" {
		t.Fatalf("the new badge after reload: %s", r.Result)
	}

	path := h.d.cfg.Path
	if err := os.WriteFile(path, []byte("[device\nid = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := reload(); err == nil || !strings.Contains(err.Error(), path+": line ") {
		t.Fatalf("reload of a broken file: %v; want an error naming the file and line", err)
	}
	if r := h.tap("0A0B0C0D", "2026-06-01T16:05:00Z"); r.Result != "stop_ok" {
		t.Fatalf("badges after a failed reload: %s; want the running ones kept", r.Result)
	}
}
