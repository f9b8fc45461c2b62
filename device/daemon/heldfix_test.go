package daemon

import (
	"context"
	"strings"
	"testing"
	"time"

	"stampclock/device/clock"
	"stampclock/device/control"
	"stampclock/queue"
)

// heldEntry returns the held entry of email.
func heldEntry(t *testing.T, h *harness, email string) queue.Item {
	t.Helper()
	var held []queue.Item
	if err := control.Call(context.Background(), h.socket, "queue.list", ListArgs{State: "held"}, &held); err != nil {
		t.Fatal(err)
	}
	for _, it := range held {
		if it.Record.Email == email && it.Record.Kind == queue.KindEntry {
			return it
		}
	}
	t.Fatalf("no held entry of %s in %+v", email, held)
	return queue.Item{}
}

func TestDaemon_BootNeverSynced_ReleaseRefusesCorrectAndDiscardAudited(t *testing.T) {
	h := newHarness(t)
	clk := clock.NewFake(time.Time{})
	clk.Reboot("boot-7", time.Date(2019, 1, 1, 0, 0, 30, 0, time.UTC)) // no RTC, no NTP in this boot
	h.startWith(h.config(""), Options{Clock: clk, ClockPoll: 10 * time.Millisecond})
	for _, uid := range []string{"04A1B2C3", "0455667788AABB"} {
		if r := h.tap(uid, ""); r.Result != "start_ok" {
			t.Fatalf("start %s: %+v", uid, r)
		}
	}
	clk.Advance(8*time.Hour + 30*time.Minute)
	for _, uid := range []string{"04A1B2C3", "0455667788AABB"} {
		if r := h.tap(uid, ""); r.Result != "stop_ok" {
			t.Fatalf("stop %s: %+v", uid, r)
		}
	}
	h.eventually("both entries held", func() bool { return h.status().QueueDepth.Held == 2 })
	// The next boot has NTP; boot-7's times stay unknown.
	clk.Reboot("boot-8", time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC))
	clk.SetSynced(true)
	maierSeq := heldEntry(t, h, maier).Record.Seq

	// A release would only hold them again: it says so and leaves them.
	var rel ReleaseResult
	if err := control.Call(context.Background(), h.socket, "queue.release", ReleaseArgs{}, &rel); err != nil {
		t.Fatal(err)
	}
	if rel.Released != 0 || len(rel.ClockHeld) != 2 {
		t.Fatalf("release = %+v, want nothing released and both named as clock-held", rel)
	}

	// Maier's stop is known to have been at 2026-03-02 17:00 Berlin.
	var cr CorrectResult
	err := control.Call(context.Background(), h.socket, "queue.correct", CorrectArgs{Seq: maierSeq, At: "2026-03-02T17:00:00+01:00"}, &cr)
	if err == nil || !strings.Contains(err.Error(), "--reason") {
		t.Fatalf("correct without a reason: %v", err)
	}
	if err := control.Call(context.Background(), h.socket, "queue.correct", CorrectArgs{Seq: maierSeq, At: "2026-03-02T17:00:00+01:00", Reason: "Maier's stop at 17:00 confirmed by the foreman"}, &cr); err != nil {
		t.Fatal(err)
	}
	if cr.Boot != "boot-7" || cr.Corrected == 0 {
		t.Fatalf("correct = %+v", cr)
	}
	h.eventually("corrected entries delivered", func() bool { return len(h.zs.Entries()) == 2 })
	got := strings.Join(entryLines(h.zs.Entries()), "\n")
	// The whole boot moved: both shifts 08:30-17:00 Berlin.
	for _, want := range []string{maier + " 2026-03-02T08:30:00 2026-03-02T17:00:00", huber + " 2026-03-02T08:30:00 2026-03-02T17:00:00"} {
		if !strings.Contains(got, want) {
			t.Fatalf("server entries:\n%s\nwant %q", got, want)
		}
	}

	// Audited: the correction is a record with how and why.
	var page ExportPage
	if err := control.Call(context.Background(), h.socket, "queue.export", ExportArgs{Kind: "event"}, &page); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range page.Records {
		if r.Event == queue.EventClockCorrected && strings.Contains(r.Detail, "boot-7") && strings.Contains(r.Detail, "foreman") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no clock_corrected event with the reason in %+v", page.Records)
	}
}

func TestDaemon_HeldDiscarded_KeptAsDeadLetterWithReason(t *testing.T) {
	h := newHarness(t)
	clk := clock.NewFake(time.Time{})
	clk.Reboot("boot-7", time.Date(2019, 1, 1, 0, 0, 30, 0, time.UTC))
	h.startWith(h.config(""), Options{Clock: clk, ClockPoll: 10 * time.Millisecond})
	h.tap("04A1B2C3", "")
	clk.Advance(8 * time.Hour)
	h.tap("04A1B2C3", "")
	h.eventually("entry held", func() bool { return h.status().QueueDepth.Held == 1 })
	seq := heldEntry(t, h, maier).Record.Seq
	var dr DiscardResult
	if err := control.Call(context.Background(), h.socket, "queue.discard", DiscardArgs{Seqs: []uint64{seq}}, &dr); err == nil {
		t.Fatal("discard without a reason accepted")
	}
	if err := control.Call(context.Background(), h.socket, "queue.discard", DiscardArgs{Seqs: []uint64{seq}, Reason: "entered by hand in Zeiterfassung"}, &dr); err != nil || dr.Discarded != 1 {
		t.Fatalf("discard: %+v, %v", dr, err)
	}
	var dead []queue.Item
	control.Call(context.Background(), h.socket, "queue.list", ListArgs{State: "dead"}, &dead)
	if len(dead) != 1 || dead[0].Record.Seq != seq || !strings.Contains(dead[0].Msg, "entered by hand") {
		t.Fatalf("dead = %+v, want the entry kept with the reason", dead)
	}
	if st := h.status(); st.QueueDepth.Held != 0 || len(h.zs.Entries()) != 0 {
		t.Fatalf("after discard: held %d, server %d entries", st.QueueDepth.Held, len(h.zs.Entries()))
	}
	var page ExportPage
	control.Call(context.Background(), h.socket, "queue.export", ExportArgs{Kind: "event"}, &page)
	audited := false
	for _, r := range page.Records {
		audited = audited || (r.Event == queue.EventHeldDiscarded && strings.Contains(r.Detail, "entered by hand"))
	}
	if !audited {
		t.Fatalf("no held_discarded event: %+v", page.Records)
	}
}
