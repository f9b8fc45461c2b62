package sitetaps

import (
	"testing"
	"time"

	"stampclock/device/punch"
	"stampclock/queue"
	"stampclock/queue/queuetest"
)

// TestDone_PrunesOnlyWholeOldSegmentsThisTerminalDeliveredNothingIn: the
// taps of days 1 and 2 are old; day 1's entry stopped at door-b, day 2's
// at door-a (this terminal, delivered); day 40 is young.
func TestDone_PrunesOnlyWholeOldSegmentsThisTerminalDeliveredNothingIn(t *testing.T) {
	d0 := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	taps := []queue.SiteTap{
		{Origin: "door-a", Seq: 1, At: d0},                          // day 1 start
		{Origin: "door-b", Seq: 1, At: d0.Add(8 * time.Hour)},       // day 1 stop at B
		{Origin: "door-b", Seq: 2, At: d0.Add(24 * time.Hour)},      // day 2 start
		{Origin: "door-a", Seq: 2, At: d0.Add(32 * time.Hour)},      // day 2 stop here
		{Origin: "door-b", Seq: 3, At: d0.Add(40 * 24 * time.Hour)}, // young
	}
	fill := func() *queue.Store {
		s := queuetest.Open(t, queue.Options{})
		if _, err := s.Update(func(tx *queue.Tx) error {
			for _, st := range taps {
				st.Email, st.UID = "anna@example.com", "04A1B2C3"
				if _, err := tx.PutSiteTap(st); err != nil {
					return err
				}
			}
			return tx.MarkSiteTapsPublished("door-a", 2)
		}); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := d0.Add(35 * 24 * time.Hour)
	prune := func(s *queue.Store, self string) int {
		t.Helper()
		done := Done(self, punch.DefaultRules, before)
		n, err := s.PruneSiteTaps(before, self, 100, func(tx *queue.Tx, st queue.SiteTap) (bool, error) {
			ok, err := done(tx, st)
			return !ok, err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	s := fill()
	// Day 2's entry is door-a's to deliver and not delivered yet: no
	// segment before it may go either, the last reset point being day 40.
	if n := prune(s, "door-a"); n != 0 {
		t.Fatalf("pruned %d taps while door-a's entry is undelivered", n)
	}
	// Delivered: the ledger holds it, so its taps stay (the Settler would
	// retract an entry whose taps are gone).
	if _, err := s.Update(func(tx *queue.Tx) error {
		return tx.PutSiteEntry(queue.SiteEntry{ID: "door-b:2-door-a:2", Email: "anna@example.com", Kind: queue.KindEntry, Seq: 9,
			State: queue.SiteDelivered, Start: d0.Add(24 * time.Hour), End: d0.Add(32 * time.Hour)})
	}); err != nil {
		t.Fatal(err)
	}
	if n := prune(s, "door-a"); n != 0 {
		t.Fatalf("pruned %d taps of a delivered entry's segment", n)
	}
	// At door-c, which delivered nothing, the old days go and the young
	// tap stays.
	c := fill()
	if n := prune(c, "door-c"); n != 4 {
		t.Fatalf("door-c pruned %d; want the 4 old taps", n)
	}
	if err := c.View(func(tx *queue.Tx) error {
		left, err := tx.SiteTapsOf("anna@example.com", d0, d0.Add(50*24*time.Hour))
		if len(left) != 1 || left[0].Seq != 3 {
			t.Errorf("left %+v; want the young tap", left)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
