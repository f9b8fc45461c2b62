package queue

import (
	"testing"
	"time"
)

// A delivery's receipt is kept per uplink with the commit that settles it,
// read back by Receipt, and goes when the record is pruned.
func TestReceipt_KeptWithTheDelivery_GoneWithTheRecord(t *testing.T) {
	old := t0.Add(-60 * 24 * time.Hour)
	s := openTest(t, UplinkSpec{Name: "rest"}, UplinkSpec{Name: "mqtt"})
	if _, err := s.Update(func(tx *Tx) error {
		for range 2 {
			if _, err := tx.Append(Record{Kind: KindEntry, At: old, ClockSynced: true, StartSynced: true, SiteEntry: "a:1-a:2"}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Receipt("rest", 1); err != nil || got != "" {
		t.Fatalf("before any delivery: %q, %v", got, err)
	}
	for _, u := range []string{"rest", "mqtt"} {
		if _, err := s.Claim(u, 2, t0); err != nil {
			t.Fatal(err)
		}
	}
	delivered := t0.Add(-40 * 24 * time.Hour)
	if err := s.Settle("rest", []Outcome{{Seq: 1, Result: Delivered, Receipt: `[["id-1"]]`}, {Seq: 2, Result: RetryLater, Receipt: "not kept"}}, delivered); err != nil {
		t.Fatal(err)
	}
	if err := s.Settle("mqtt", []Outcome{{Seq: 1, Result: Delivered}, {Seq: 2, Result: Delivered}}, delivered); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		uplink string
		seq    uint64
		want   string
	}{{"rest", 1, `[["id-1"]]`}, {"mqtt", 1, ""}, {"rest", 2, ""}} {
		if got, err := s.Receipt(c.uplink, c.seq); err != nil || got != c.want {
			t.Errorf("receipt of %d for %s = %q, %v; want %q", c.seq, c.uplink, got, err, c.want)
		}
	}
	if n, err := s.Prune(t0.Add(-30*24*time.Hour), 100); err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want record 1 (record 2 is not delivered to rest)", n, err)
	}
	if got, err := s.Receipt("rest", 1); err != nil || got != "" {
		t.Fatalf("after pruning record 1: %q, %v", got, err)
	}
}

// NeverSent is true only while a record is certainly not on the receiver.
func TestNeverSent_ByDeliveryState(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "rest"})
	if _, err := s.Update(func(tx *Tx) error {
		for range 4 {
			if _, err := tx.Append(Record{Kind: KindEntry, At: t0, ClockSynced: true, StartSynced: true}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	never := func(seq uint64) bool {
		t.Helper()
		n, err := s.NeverSent("rest", seq)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if !never(1) {
		t.Fatal("a pending record: may have been sent")
	}
	if _, err := s.Claim("rest", 4, t0); err != nil {
		t.Fatal(err)
	}
	if never(1) {
		t.Fatal("a record in flight: never sent")
	}
	if err := s.Settle("rest", []Outcome{{Seq: 1, Result: Withdrawn}, {Seq: 2, Result: Delivered}, {Seq: 3, Result: MaybeSent}, {Seq: 4, Result: RetryLater}}, t0); err != nil {
		t.Fatal(err)
	}
	for seq, want := range map[uint64]bool{1: true, 2: false, 3: false, 4: true} {
		if got := never(seq); got != want {
			t.Errorf("record %d: NeverSent = %v, want %v", seq, got, want)
		}
	}
	if _, err := s.NeverSent("nope", 1); err == nil {
		t.Error("an unknown uplink: no error")
	}
}
