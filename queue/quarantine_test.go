package queue

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// damageRecord closes s, flips the ':' after "kind" of record seq into ';'
// directly in the file (bbolt keeps no checksum over leaf pages, so this is
// what a bad byte on flash looks like).
func damageRecord(t *testing.T, path string, seq uint64) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	good := []byte(fmt.Sprintf(`{"seq":%d,"kind":`, seq))
	// Copy-on-write leaves older copies in free pages: damage them all,
	// the live one among them.
	if !bytes.Contains(data, good) {
		t.Fatalf("record %d not found in the file", seq)
	}
	data = bytes.ReplaceAll(data, good, append(good[:len(good)-1:len(good)-1], ';'))
	if err := os.WriteFile(path, data, 0o640); err != nil {
		t.Fatal(err)
	}
}

// Issue 11, defect 3: one record that cannot be decoded must not block the
// others. It is quarantined: kept byte for byte, listed with its seq and
// the decode error, counted; everything else keeps flowing.
func TestClaim_UndecodableRecord_QuarantinedOthersFlow(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "rest"})
	path := s.Path()
	for i := 0; i < 5; i++ {
		// Trusted times, so that Prune may take the delivered ones.
		_, err := s.Update(func(tx *Tx) error {
			_, err := tx.Append(Record{Kind: KindEntry, At: t0.Add(time.Duration(i) * time.Minute), ClockSynced: true, StartSynced: true, Email: "a@x", Start: t0, End: t0.Add(time.Hour)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	damageRecord(t, path, 3)
	s2, err := Open(path, Options{Uplinks: []UplinkSpec{{Name: "rest"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { checkClosed(t, s2) })

	now := t0.Add(time.Hour)
	var delivered []uint64
	for i := 0; i < 3; i++ {
		claims, err := s2.Claim("rest", 10, now)
		if err != nil {
			t.Fatalf("claim %d: %v", i, err)
		}
		var outs []Outcome
		for _, c := range claims {
			delivered = append(delivered, c.Record.Seq)
			outs = append(outs, Outcome{Seq: c.Record.Seq, Result: Delivered})
		}
		if err := s2.Settle("rest", outs, now); err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(delivered) != "[1 2 4 5]" {
		t.Fatalf("delivered %v, want [1 2 4 5]", delivered)
	}
	us := stats(t, s2, "rest")
	if us.Pending != 0 || us.Quarantined != 1 || us.Delivered != 4 {
		t.Fatalf("stats = %+v, want 0 pending, 1 quarantined, 4 delivered", us)
	}
	st, _ := s2.Stats()
	if st.Quarantined != 1 {
		t.Fatalf("Stats.Quarantined = %d, want 1", st.Quarantined)
	}
	q, err := s2.Quarantined()
	if err != nil || len(q) != 1 || q[0].Seq != 3 || q[0].Error == "" || !bytes.HasPrefix(q[0].Raw, []byte(`{"seq":3,"kind";"entry"`)) {
		t.Fatalf("quarantined = %+v, %v", q, err)
	}
	items, err := s2.Queued("", "", 0, 100)
	if err != nil || len(items) != 1 || items[0].Record.Seq != 3 || items[0].State != "quarantined" || items[0].Msg == "" {
		t.Fatalf("queue list = %+v, %v", items, err)
	}
	recs, err := s2.Records(0, 100, nil)
	if err != nil || len(recs) != 4 {
		t.Fatalf("records = %d, %v; want the 4 readable ones", len(recs), err)
	}
	if n, err := s2.Prune(now.Add(365*24*time.Hour), 100); err != nil || n != 4 {
		t.Fatalf("prune = %d, %v; want the 4 delivered ones", n, err)
	}
	q, _ = s2.Quarantined()
	if len(q) != 1 || !bytes.HasPrefix(q[0].Raw, []byte(`{"seq":3,"kind";"entry"`)) {
		t.Fatalf("quarantined record gone after prune: %+v", q)
	}
}

// A scan quarantines undecodable records that no claim has reached yet
// (also those no uplink waits for), once.
func TestQuarantineScan_FindsEveryUndecodableRecordOnce(t *testing.T) {
	s := openTest(t)
	path := s.Path()
	appendEntries(t, s, 4)
	s.Close()
	damageRecord(t, path, 2)
	damageRecord(t, path, 4)
	if err := CheckFile(path, time.Second); err != nil {
		t.Fatalf("CheckFile = %v, want nil: the pages are sound", err)
	}
	if err := CheckRecords(path, time.Second); !errors.Is(err, ErrUndecodable) || !strings.Contains(err.Error(), "seqs [2 4]") {
		t.Fatalf("CheckRecords = %v, want ErrUndecodable naming seqs 2 and 4", err)
	}
	s2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { checkClosed(t, s2) })
	for i, want := range []int{2, 0} {
		// In chunks of 3: seqs 1-3, then 4.
		next, n1, err := s2.QuarantineScan(0, 3, t0)
		if err != nil || next != 3 {
			t.Fatalf("scan %d, first chunk: next %d, %v", i, next, err)
		}
		next, n2, err := s2.QuarantineScan(next, 3, t0)
		if err != nil || next != 0 || n1+n2 != want {
			t.Fatalf("scan %d = %d+%d, next %d, %v; want %d", i, n1, n2, next, err, want)
		}
	}
	q, _ := s2.Quarantined()
	if len(q) != 2 || q[0].Seq != 2 || q[1].Seq != 4 {
		t.Fatalf("quarantined = %+v", q)
	}
}
