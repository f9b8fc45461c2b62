package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"stampclock/fleet"
	"stampclock/uplink/zeiterfassung/zeittest"
)

// Three built stampd processes on the real mosquitto: one keeps running
// with an entry its Zeiterfassung server cannot take, one is stopped with
// SIGTERM, one is killed with SIGKILL (the broker sends its Last Will).
// The built stampctl fleet, reading the broker from a terminal's config,
// lists each with the right state, reason and queue.
func TestMosquitto_Fleet_ThreeStampd(t *testing.T) {
	m := startMosquittoWithUser(t, "terminal", "mqtt-pass")
	envs := map[string]*env{}
	procs := map[string]*proc{}
	for _, id := range []string{"door-a", "door-b", "door-c"} {
		e := newEnv(t, 1)
		pw := filepath.Join(e.dir, "mqtt.secret")
		if err := os.WriteFile(pw, []byte("mqtt-pass"), 0o600); err != nil {
			t.Fatal(err)
		}
		e.appendConfig(fmt.Sprintf("[device]\nid = %q\n[mqtt]\nurls = [%q]\nusername = \"terminal\"\npassword_file = %q\ntopic_prefix = \"site/hq\"\nstatus_interval = \"2s\"\nkeepalive = \"2s\"\n", id, m.URL(), pw))
		envs[id] = e
	}
	envs["door-a"].zs.SetDown(zeittest.DownClose)
	for id, e := range envs {
		procs[id] = e.start()
	}
	if out, err := envs["door-a"].ctl("tap", "B0000000", "--at", "2026-06-01T07:00:00Z"); err != nil {
		t.Fatalf("tap: %v %s", err, out)
	}
	envs["door-a"].ctl("tap", "B0000000", "--at", "2026-06-01T15:00:00Z")

	look := func() fleet.View {
		t.Helper()
		cmd := exec.Command(filepath.Join(binDir, "stampctl"), "--json", "fleet", "--config", envs["door-a"].config, "--quiet", "300ms")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("stampctl fleet: %v %s", err, out)
		}
		var v fleet.View
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		return v
	}
	summary := func(v fleet.View) string {
		var s []string
		for _, term := range v.Terminals {
			s = append(s, term.DeviceID+"="+term.State+"/"+term.Reason)
		}
		return strings.Join(s, " ")
	}
	waitFor := func(want string, ok func(fleet.View) bool) fleet.View {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			v := look()
			if summary(v) == want && ok(v) {
				return v
			}
			if time.Now().After(deadline) {
				t.Fatalf("fleet %q (%+v), want %q", summary(v), v.Terminals, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitFor("door-a=online/ door-b=online/ door-c=online/", func(v fleet.View) bool {
		return v.Terminals[0].Pending >= 1 // the entry waiting for Zeiterfassung
	})
	stopped := time.Now()
	procs["door-b"].cmd.Process.Signal(syscall.SIGTERM)
	if err := procs["door-b"].wait(); err != nil {
		t.Fatalf("door-b exit: %v", err)
	}
	killed := time.Now()
	procs["door-c"].cmd.Process.Signal(syscall.SIGKILL)
	procs["door-c"].wait()
	v := waitFor("door-a=online/ door-b=offline/shutdown door-c=offline/connection_lost", func(fleet.View) bool { return true })
	a, b, c := v.Terminals[0], v.Terminals[1], v.Terminals[2]
	var zeit uint64
	for _, u := range a.Uplinks {
		if u.Name == "zeiterfassung" {
			zeit = u.Pending
		}
	}
	if zeit != 1 || a.Version == "" || a.Stale {
		t.Errorf("door-a %+v", a)
	}
	if b.Since.Before(stopped.Add(-time.Second)) || b.Since.After(time.Now()) {
		t.Errorf("door-b stopped at %s, fleet says since %s", stopped, b.Since)
	}
	// door-c went away at killed: after its last seen status, and by the
	// bound (status_interval 2s + 1.5 × keepalive 2s = 5s after it).
	if c.Since.After(killed) || c.GoneBy.Before(killed) || c.GoneBy.Sub(c.Since) != 5*time.Second || !c.Stale {
		t.Errorf("door-c killed at %s: since %s, gone by %s (%+v)", killed, c.Since, c.GoneBy, c)
	}
}
