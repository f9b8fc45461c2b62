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

// An entry held (its clock was not trusted) when a retraction withdrew it:
// the retraction finds nothing on the server and is done; the entry,
// released by the operator, is settled as withdrawn, never sent: listed,
// counted, and the release says so.
func TestDaemon_HeldEntryRetracted_ReleasedButNeverSent(t *testing.T) {
	h := newHarness(t)
	clk := clock.NewFake(time.Time{})
	clk.Reboot("boot-3", time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)) // not synchronised
	h.startWith(h.config(""), Options{Clock: clk, ClockPoll: 10 * time.Millisecond})
	if r := h.tap("04A1B2C3", ""); r.Result != "start_ok" {
		t.Fatalf("start: %+v", r)
	}
	clk.Advance(8 * time.Hour)
	if r := h.tap("04A1B2C3", ""); r.Result != "stop_ok" {
		t.Fatalf("stop: %+v", r)
	}
	h.eventually("the entry held", func() bool { return h.status().QueueDepth.Held == 1 })
	entry := heldEntry(t, h, maier).Record

	// A late tap of the site made the entry wrong: withdrawn.
	if _, err := h.d.store.Update(func(tx *queue.Tx) error {
		_, err := tx.Append(queue.Record{Kind: queue.KindRetract, At: clk.Now(), ClockSynced: true, Email: entry.Email,
			Start: entry.Start, End: entry.End, Retracts: entry.Seq, Detail: "test: withdrawn"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	h.d.wake()
	h.eventually("the retraction done", func() bool {
		for _, u := range h.status().Queue.Uplinks {
			if u.Name == "zeiterfassung" {
				return u.Pending == 0 && u.Delivered == 1
			}
		}
		return false
	})

	var rel ReleaseResult
	if err := control.Call(context.Background(), h.socket, "queue.release", ReleaseArgs{}, &rel); err != nil {
		t.Fatal(err)
	}
	if rel.Released != 1 || len(rel.Withdrawn) != 1 || rel.Withdrawn[0] != entry.Seq || len(rel.ClockHeld) != 0 {
		t.Fatalf("release = %+v; want seq %d released and named as withdrawn", rel, entry.Seq)
	}
	var withdrawn []queue.Item
	h.eventually("the entry settled as withdrawn", func() bool {
		withdrawn = nil
		err := control.Call(context.Background(), h.socket, "queue.list", ListArgs{State: "withdrawn"}, &withdrawn)
		return err == nil && len(withdrawn) == 1
	})
	if it := withdrawn[0]; it.Record.Seq != entry.Seq || !strings.Contains(it.Msg, "retraction seq") {
		t.Fatalf("listed %+v; want seq %d with the retraction named", it, entry.Seq)
	}
	for _, u := range h.status().Queue.Uplinks {
		if u.Name == "zeiterfassung" && (u.Withdrawn != 1 || u.Held != 0 || u.Pending != 0 || u.Delivered != 1) {
			t.Fatalf("zeiterfassung %+v; want withdrawn 1, delivered 1 (the retraction)", u)
		}
	}
	if got := h.zs.Entries(); len(got) != 0 {
		t.Fatalf("server holds %v; want nothing", entryLines(got))
	}
}
