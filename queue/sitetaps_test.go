package queue_test

import (
	"testing"
	"time"

	"stampclock/queue"
	"stampclock/queue/queuetest"
)

var tap0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func siteTap(origin string, seq uint64, min int, email string) queue.SiteTap {
	return queue.SiteTap{Origin: origin, Seq: seq, At: tap0.Add(time.Duration(min) * time.Minute), Email: email, UID: "04A1B2C3"}
}

func put(t *testing.T, s *queue.Store, taps ...queue.SiteTap) []queue.PutResult {
	t.Helper()
	var out []queue.PutResult
	if _, err := s.Update(func(tx *queue.Tx) error {
		out = out[:0]
		for _, st := range taps {
			res, err := tx.PutSiteTap(st)
			if err != nil {
				return err
			}
			out = append(out, res)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func origin(t *testing.T, s *queue.Store, name string) queue.SiteTapOrigin {
	t.Helper()
	var o queue.SiteTapOrigin
	if err := s.View(func(tx *queue.Tx) error {
		var err error
		o, err = tx.SiteTapOrigin(name)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestSiteTaps_Watermark_FollowsGapsAndFills(t *testing.T) {
	s := queuetest.Open(t, queue.Options{})
	put(t, s, siteTap("door-a", 1, 0, "anna@example.com"), siteTap("door-a", 2, 1, "anna@example.com"), siteTap("door-a", 5, 2, "bob@example.com"))
	if o := origin(t, s, "door-a"); o.Contiguous != 2 || o.Highest != 5 || o.Held != 3 {
		t.Fatalf("after 1, 2, 5: %+v; want contiguous 2, highest 5, held 3", o)
	}
	put(t, s, siteTap("door-a", 4, 3, "anna@example.com"), siteTap("door-a", 3, 4, "anna@example.com"))
	if o := origin(t, s, "door-a"); o.Contiguous != 5 || o.Highest != 5 || o.Held != 5 {
		t.Fatalf("after the gap filled: %+v; want contiguous 5", o)
	}
	if o := origin(t, s, "door-b"); o.Contiguous != 0 || o.Highest != 0 {
		t.Fatalf("an origin never seen: %+v", o)
	}
}

func TestSiteTaps_SameKeyOtherContent_ConflictKeepsHeld(t *testing.T) {
	s := queuetest.Open(t, queue.Options{})
	first := siteTap("door-a", 1, 0, "anna@example.com")
	other := siteTap("door-a", 1, 5, "bob@example.com")
	got := put(t, s, first, first, other)
	want := []queue.PutResult{queue.SiteTapStored, queue.SiteTapDuplicate, queue.SiteTapConflict}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("results %v; want %v", got, want)
		}
	}
	if err := s.View(func(tx *queue.Tx) error {
		held, ok, err := tx.SiteTap("door-a", 1)
		if err != nil || !ok || !held.Equal(first) {
			t.Errorf("held %+v (%v, %v); want the first", held, ok, err)
		}
		bobs, err := tx.SiteTapsOf("bob@example.com", tap0.Add(-time.Hour), tap0.Add(time.Hour))
		if len(bobs) != 0 {
			t.Errorf("the conflicting tap was indexed: %+v", bobs)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if o := origin(t, s, "door-a"); o.Conflicts != 1 || o.Held != 1 {
		t.Fatalf("origin %+v; want 1 conflict, 1 held", o)
	}
}

func TestSiteTaps_EmployeeWindow_OrderedAcrossOrigins(t *testing.T) {
	s := queuetest.Open(t, queue.Options{})
	put(t, s,
		siteTap("door-b", 1, 30, "anna@example.com"),
		siteTap("door-a", 1, 0, "anna@example.com"),
		siteTap("door-a", 2, 10, "bob@example.com"),
		siteTap("door-a", 3, 60, "anna@example.com"),
		siteTap("door-b", 2, 60, "anna@example.com"), // same time: origin orders
		siteTap("door-a", 4, 600, "Anna@Example.com"),
	)
	var window, back []string
	if err := s.View(func(tx *queue.Tx) error {
		taps, err := tx.SiteTapsOf("anna@example.com", tap0, tap0.Add(time.Hour))
		for _, st := range taps {
			window = append(window, st.Origin+":"+string(rune('0'+st.Seq)))
		}
		if err != nil {
			return err
		}
		emails, err := tx.SiteTapEmails()
		if fmtList(emails) != "[anna@example.com bob@example.com]" {
			t.Errorf("emails %v", emails)
		}
		if err != nil {
			return err
		}
		if taps, err := tx.SiteTapsOf("ANNA@example.com", tap0, tap0.Add(24*time.Hour)); err != nil || len(taps) != 5 {
			t.Errorf("anna's day, asked in capitals: %d taps (%v); want 5", len(taps), err)
		}
		if taps, err := tx.SiteTapsOf("anna@example.com", time.Time{}, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil || len(taps) != 5 {
			t.Errorf("anna's taps of all time: %d (%v); want 5", len(taps), err)
		}
		return tx.EachSiteTapBefore("anna@example.com", tap0.Add(time.Hour), func(st queue.SiteTap) bool {
			back = append(back, st.Origin+":"+string(rune('0'+st.Seq)))
			return len(back) < 3
		})
	}); err != nil {
		t.Fatal(err)
	}
	if want := "[door-a:1 door-b:1 door-a:3 door-b:2]"; fmtList(window) != want {
		t.Fatalf("anna's hour: %v; want %s", window, want)
	}
	if want := "[door-b:2 door-a:3 door-b:1]"; fmtList(back) != want {
		t.Fatalf("anna's taps back from the hour: %v; want %s", back, want)
	}
}

func fmtList(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}

func TestSiteTaps_AppendOwn_NumbersWithoutGaps(t *testing.T) {
	s := queuetest.Open(t, queue.Options{})
	var seqs []uint64
	for i := range 3 {
		if _, err := s.Update(func(tx *queue.Tx) error {
			st, err := tx.AppendSiteTap(queue.SiteTap{Origin: "door-a", At: tap0.Add(time.Duration(i) * time.Minute), Email: "anna@example.com", UID: "04A1B2C3"})
			seqs = append(seqs, st.Seq)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if seqs[0] != 1 || seqs[1] != 2 || seqs[2] != 3 {
		t.Fatalf("own seqs %v; want 1 2 3", seqs)
	}
	// A failed transaction does not use up a seq.
	if _, err := s.Update(func(tx *queue.Tx) error {
		if _, err := tx.AppendSiteTap(queue.SiteTap{Origin: "door-a", At: tap0, Email: "anna@example.com"}); err != nil {
			return err
		}
		return errRollback
	}); err == nil {
		t.Fatal("rollback not reported")
	}
	if o := origin(t, s, "door-a"); o.Highest != 3 || o.Contiguous != 3 {
		t.Fatalf("after a rollback: %+v", o)
	}
}

var errRollback = errorString("rolled back")

type errorString string

func (e errorString) Error() string { return string(e) }

func TestSiteTaps_Prune_OnlyOldPublishedBelowWatermarkAndReleased(t *testing.T) {
	s := queuetest.Open(t, queue.Options{})
	put(t, s,
		siteTap("door-a", 1, 0, "anna@example.com"),      // own, published: pruned
		siteTap("door-a", 2, 1, "anna@example.com"),      // own, not published: kept
		siteTap("door-b", 1, 2, "anna@example.com"),      // peer: pruned
		siteTap("door-b", 2, 3, "bob@example.com"),       // peer: kept by the pairing
		siteTap("door-b", 4, 4, "anna@example.com"),      // above door-b's watermark: kept
		siteTap("door-b", 5, 24*60, "anna@example.com"),  // young: kept
		siteTap("door-c", 1, 24*60, "carla@example.com"), // young: kept
	)
	if _, err := s.Update(func(tx *queue.Tx) error { return tx.MarkSiteTapsPublished("door-a", 1) }); err != nil {
		t.Fatal(err)
	}
	var asked int
	n, err := s.PruneSiteTaps(tap0.Add(time.Hour), "door-a", 100, func(_ *queue.Tx, st queue.SiteTap) (bool, error) {
		asked++
		return st.Email == "bob@example.com", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || asked != 3 {
		t.Fatalf("pruned %d, keep asked %d times; want 2 and 3", n, asked)
	}
	if err := s.View(func(tx *queue.Tx) error {
		for _, k := range []struct {
			origin string
			seq    uint64
			held   bool
		}{{"door-a", 1, false}, {"door-a", 2, true}, {"door-b", 1, false}, {"door-b", 2, true}, {"door-b", 4, true}, {"door-b", 5, true}, {"door-c", 1, true}} {
			if _, ok, err := tx.SiteTap(k.origin, k.seq); err != nil || ok != k.held {
				t.Errorf("%s:%d held %v (%v); want %v", k.origin, k.seq, ok, err, k.held)
			}
		}
		taps, err := tx.SiteTapsOf("anna@example.com", tap0.Add(-time.Hour), tap0.Add(48*time.Hour))
		if len(taps) != 3 {
			t.Errorf("anna's index after the prune: %+v; want door-a:2, door-b:4, door-b:5", taps)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// A pruned tap arriving again is a duplicate, not a new tap, and the
	// watermark stays.
	if got := put(t, s, siteTap("door-b", 1, 2, "anna@example.com")); got[0] != queue.SiteTapDuplicate {
		t.Fatalf("a pruned tap again: %v", got)
	}
	if o := origin(t, s, "door-b"); o.Contiguous != 2 || o.Held != 3 {
		t.Fatalf("door-b after the prune: %+v; want contiguous 2, held 3", o)
	}
}

func TestSiteTaps_Invalid_Refused(t *testing.T) {
	s := queuetest.Open(t, queue.Options{})
	for _, st := range []queue.SiteTap{
		{Origin: "", Seq: 1, At: tap0, Email: "a@example.com"},
		{Origin: "door-a", Seq: 0, At: tap0, Email: "a@example.com"},
		{Origin: "door-a", Seq: 1, At: tap0},
		{Origin: "door\x00a", Seq: 1, At: tap0, Email: "a@example.com"},
		{Origin: "door-a", Seq: 1, Email: "a@example.com"},
	} {
		if _, err := s.Update(func(tx *queue.Tx) error { _, err := tx.PutSiteTap(st); return err }); err == nil {
			t.Errorf("%+v stored", st)
		}
	}
}
