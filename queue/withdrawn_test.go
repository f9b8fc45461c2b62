package queue

import (
	"testing"
	"time"
)

// An entry a retraction withdrew before it was sent is settled as
// withdrawn: never claimed again, listed with the reason, counted, and
// pruned with the retraction's note once every uplink is done with it.
func TestWithdrawn_ListedCountedNeverClaimed_PrunedLater(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "zeit", Kinds: []Kind{KindEntry, KindRetract}}, UplinkSpec{Name: "mqtt"})
	start := t0.Add(-8 * time.Hour)
	var entry, retract Record
	if _, err := s.Update(func(tx *Tx) error {
		var err error
		if entry, err = tx.Append(Record{Kind: KindEntry, At: t0, ClockSynced: true, StartSynced: true,
			Email: "anna@example.com", Start: start, End: t0, SiteEntry: "a:1-b:1"}); err != nil {
			return err
		}
		retract, err = tx.Append(Record{Kind: KindRetract, At: t0, ClockSynced: true, Email: "anna@example.com",
			Start: start, End: t0, Retracts: entry.Seq, SiteEntry: "a:1-b:1"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if by, err := s.Retraction(entry.Seq); err != nil || by != retract.Seq {
		t.Fatalf("Retraction(%d) = %d, %v; want %d", entry.Seq, by, err, retract.Seq)
	}
	if by, err := s.Retraction(retract.Seq); err != nil || by != 0 {
		t.Fatalf("Retraction(%d) = %d, %v; want 0", retract.Seq, by, err)
	}
	claims, err := s.Claim("zeit", 10, t0)
	if err != nil || len(claims) != 2 {
		t.Fatalf("claim: %d, %v", len(claims), err)
	}
	const why = "withdrawn by retraction seq 2 before it was sent"
	if err := s.Settle("zeit", []Outcome{{Seq: entry.Seq, Result: Withdrawn, Msg: why}, {Seq: retract.Seq, Result: Delivered}}, t0); err != nil {
		t.Fatal(err)
	}
	if again, err := s.Claim("zeit", 10, t0); err != nil || len(again) != 0 {
		t.Fatalf("claimed again after withdrawn: %+v, %v", again, err)
	}
	items, err := s.Queued("zeit", "withdrawn", 0, 10)
	if err != nil || len(items) != 1 || items[0].Record.Seq != entry.Seq || items[0].Msg != why {
		t.Fatalf("queue list withdrawn: %+v, %v", items, err)
	}
	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if u := st.Uplinks[0]; u.Withdrawn != 1 || u.Pending != 0 || u.Delivered != 1 {
		t.Fatalf("zeit stats %+v; want withdrawn 1, pending 0, delivered 1", u)
	}
	// The MQTT uplink has not confirmed it yet: kept.
	if n, err := s.Prune(t0.Add(time.Hour), 100); err != nil || n != 0 {
		t.Fatalf("pruned %d, %v while mqtt still waits", n, err)
	}
	s.Claim("mqtt", 10, t0)
	if err := s.Settle("mqtt", []Outcome{{Seq: entry.Seq, Result: Delivered}, {Seq: retract.Seq, Result: Delivered}}, t0); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Prune(t0.Add(time.Hour), 100); err != nil || n != 2 {
		t.Fatalf("pruned %d, %v; want the entry and its retraction", n, err)
	}
	if items, err := s.Queued("", "", 0, 10); err != nil || len(items) != 0 {
		t.Fatalf("rows left after the prune: %+v, %v", items, err)
	}
	if by, err := s.Retraction(entry.Seq); err != nil || by != 0 {
		t.Fatalf("retraction note left after the prune: %d, %v", by, err)
	}
}
