package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Two built stampd processes of one site on the real mosquitto, one
// Zeiterfassung account: a shift started at the front door and stopped
// at the warehouse is one entry, sent once, by the warehouse.
func TestMosquitto_SharedShifts_TwoStampd(t *testing.T) {
	m := startMosquittoWithUser(t, "terminal", "mqtt-pass")
	front, warehouse := newEnv(t, 1), newEnv(t, 1)
	// One time-tracking account for the site: the warehouse sends to
	// the front door's server.
	data, err := os.ReadFile(front.config)
	if err != nil {
		t.Fatal(err)
	}
	var url string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "url = ") {
			url = strings.TrimPrefix(l, "url = ")
		}
	}
	warehouse.setKey("url", url)
	for id, e := range map[string]*env{"front": front, "warehouse": warehouse} {
		pw := filepath.Join(e.dir, "mqtt.secret")
		if err := os.WriteFile(pw, []byte("mqtt-pass"), 0o600); err != nil {
			t.Fatal(err)
		}
		e.appendConfig(fmt.Sprintf("[device]\nid = %q\n[mqtt]\nurls = [%q]\nusername = \"terminal\"\npassword_file = %q\n"+
			"[site]\nname = \"hq\"\npoll = \"100ms\"\nshared_shifts = true\nsettle = \"0s\"\n", id, m.URL(), pw))
		e.start()
	}
	waitStatus := func(e *env, what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting: %s; status %+v", what, e.status().SiteTaps)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if out, err := front.ctl("tap", "B0000000", "--at", "2026-06-01T06:00:00Z"); err != nil || !strings.Contains(out, "start") {
		t.Fatalf("front door: %v %s", err, out)
	}
	waitStatus(warehouse, "the front door's tap at the warehouse", func() bool {
		st := warehouse.status().SiteTaps
		return st != nil && st.Peers == 1 && st.Behind == 0
	})
	if out, err := warehouse.ctl("tap", "B0000000", "--at", "2026-06-01T14:00:00Z"); err != nil || !strings.Contains(out, "stop") {
		t.Fatalf("warehouse: %v %s", err, out)
	}
	waitStatus(warehouse, "one entry at the server", func() bool {
		es := front.zs.Entries()
		return len(es) == 1 && warehouse.status().SiteShifts.Delivered == 1
	})
	if got, want := strings.Join(func() []string {
		var out []string
		for _, e := range front.zs.Entries() {
			out = append(out, e.UserEmail+" "+e.StartTime+" "+e.EndTime)
		}
		return out
	}(), "\n"), "e0@example.com 2026-06-01T08:00:00 2026-06-01T16:00:00"; got != want {
		t.Fatalf("server entries:\n%s\nwant:\n%s", got, want)
	}
	if n := front.status().SiteShifts.Delivered; n != 0 {
		t.Fatalf("the front door delivered %d", n)
	}
}
