package queue

import (
	"testing"
	"time"
)

// Issue 11 (weakness): with no uplink configured, records were pruned by
// their own time: punches stamped `--at` more than 30 days back vanished at
// the next start. Prune goes by delivery time and never takes what no
// uplink confirmed.
func TestPrune_ByDeliveryTime_NeverUnconfirmed(t *testing.T) {
	old := t0.Add(-60 * 24 * time.Hour)
	trusted := func(k Kind) Record { return Record{Kind: k, At: old, ClockSynced: true, StartSynced: true} }

	none := openTest(t)
	if _, err := none.Update(func(tx *Tx) error {
		_, err := tx.Append(trusted(KindPunch))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := none.Prune(t0, 100); err != nil || n != 0 {
		t.Fatalf("no uplink: pruned %d, %v; want 0", n, err)
	}

	s := openTest(t, UplinkSpec{Name: "rest"})
	if _, err := s.Update(func(tx *Tx) error {
		for i := 0; i < 2; i++ {
			if _, err := tx.Append(trusted(KindEntry)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s.Claim("rest", 2, t0)
	delivered := t0.Add(-10 * 24 * time.Hour)
	s.Settle("rest", []Outcome{{Seq: 1, Result: Delivered}}, delivered)
	cutoff := t0.Add(-30 * 24 * time.Hour) // 30 days retention
	if n, err := s.Prune(cutoff, 100); err != nil || n != 0 {
		t.Fatalf("delivered 10 days ago (stamped 60 days ago): pruned %d, %v; want 0", n, err)
	}
	if n, err := s.Prune(delivered.Add(time.Second), 100); err != nil || n != 1 {
		t.Fatalf("retention past the delivery: pruned %d, %v; want 1", n, err)
	}
	left, _ := s.Records(0, 10, nil)
	if len(left) != 1 || left[0].Seq != 2 {
		t.Fatalf("left = %+v, want seq 2 (in flight)", left)
	}
}
