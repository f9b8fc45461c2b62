package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stampclock/device/clock"
	"stampclock/device/daemon"
	"stampclock/queue"
	"stampclock/uplink/zeiterfassung/zeittest"
)

// The page in front of a real daemon whose first boot's clock never
// synchronised: two shifts held, one corrected and delivered, one
// discarded with its reason — through the daemon's own handlers.
func TestDaemon_HeldForUnsyncedClock_CorrectAndDiscardFromPage(t *testing.T) {
	const maier, huber = "maier@example.com", "huber@example.com"
	zs, zts := zeittest.Start(t, zeittest.Options{Users: []string{maier, huber}})
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte(zeittest.DefaultPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Time{})
	clk.Reboot("boot-7", time.Date(2019, 1, 1, 0, 0, 30, 0, time.UTC)) // no RTC, no NTP
	d, dir := runDaemon(t, fmt.Sprintf("[punch]\ntimezone = \"Europe/Berlin\"\n"+
		"[zeiterfassung]\nurl = %q\nallow_http = true\nemail = %q\npassword_file = %q\ntimetype_id = \"arbeitszeit\"\ntimeout = \"2s\"\n"+
		"[[badge]]\nuid = \"04A1B2C3\"\nemail = %q\n[[badge]]\nuid = \"0455667788AABB\"\nemail = %q\n",
		zts.URL, zeittest.DefaultEmail, pw, maier, huber),
		daemon.Options{Clock: clk, ClockPoll: 10 * time.Millisecond, MinBackoff: 10 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	handle := func(cmd string, args, out any) {
		t.Helper()
		raw, _ := json.Marshal(args)
		v, err := d.Handle(context.Background(), cmd, raw)
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		b, _ := json.Marshal(v)
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatal(err)
		}
	}
	eventually := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting: %s", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	tapAll := func() {
		for _, uid := range []string{"04A1B2C3", "0455667788AABB"} {
			var r map[string]any
			handle("tap", map[string]string{"uid": uid}, &r)
		}
	}
	tapAll()
	clk.Advance(8*time.Hour + 30*time.Minute)
	tapAll()
	var held []queue.Item
	eventually("both entries held", func() bool {
		held = nil
		handle("queue.list", daemon.ListArgs{State: "held"}, &held)
		return len(held) == 2
	})
	seqOf := map[string]uint64{}
	for _, it := range held {
		seqOf[it.Record.Email] = it.Record.Seq
	}
	clk.Reboot("boot-8", time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC))
	clk.SetSynced(true)

	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	c := servePage(t, dir, Options{Handle: d.Handle, Location: berlin})
	csrf := c.login("admin", adminPW)

	page := c.get("/queue").body
	for _, email := range []string{maier, huber} {
		if !strings.Contains(page, fmt.Sprintf(`action="/queue/correct" class="stack"><input type="hidden" name="csrf" value="%s"><input type="hidden" name="seq" value="%d">`, csrf, seqOf[email])) {
			t.Fatalf("no correct form for %s's held entry:\n%s", email, page)
		}
	}

	// A release cannot help (they would be held again); a correction
	// without a reason is refused on the page.
	c.post("/queue/correct", url.Values{"csrf": {csrf}, "seq": {fmt.Sprint(seqOf[maier])}, "at": {"2026-03-02T17:00"}})
	if page := c.get("/queue").body; !strings.Contains(page, "a reason is required") {
		t.Fatalf("no message for a missing reason:\n%s", page)
	}

	// Huber's shift was entered by hand: discarded, kept as a dead letter.
	c.post("/queue/discard", url.Values{"csrf": {csrf}, "seq": {fmt.Sprint(seqOf[huber])}, "uplink": {"zeiterfassung"}, "reason": {"entered by hand in Zeiterfassung"}})
	if page := c.get("/queue").body; !strings.Contains(page, "1 held records discarded") {
		t.Fatalf("discard not confirmed:\n%s", page)
	}
	var dead []queue.Item
	handle("queue.list", daemon.ListArgs{State: "dead"}, &dead)
	if len(dead) != 1 || dead[0].Record.Seq != seqOf[huber] || !strings.Contains(dead[0].Msg, "entered by hand") {
		t.Fatalf("dead = %+v, want huber's entry with the reason", dead)
	}

	// Maier's stop was at 17:00 Berlin time: the page's date-time field.
	c.post("/queue/correct", url.Values{"csrf": {csrf}, "seq": {fmt.Sprint(seqOf[maier])}, "at": {"2026-03-02T17:00"}, "reason": {"stop confirmed by the foreman"}})
	if page := c.get("/queue").body; !strings.Contains(page, "boot boot-7:") || !strings.Contains(page, "records corrected; they are sent now") {
		t.Fatalf("correction not confirmed:\n%s", page)
	}
	eventually("corrected entry delivered", func() bool { return len(zs.Entries()) == 1 })
	e := zs.Entries()[0]
	if got := e.UserEmail + " " + e.StartTime + " " + e.EndTime; got != maier+" 2026-03-02T08:30:00 2026-03-02T17:00:00" {
		t.Errorf("delivered %q, want maier's 08:30-17:00", got)
	}
}
