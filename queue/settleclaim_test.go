package queue

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// txid is the store's last committed transaction.
func txid(t *testing.T, s *Store) int {
	t.Helper()
	var id int
	if err := s.db.View(func(tx *bolt.Tx) error {
		id = tx.ID()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

func uplinkState(t *testing.T, s *Store, uplink string, seq uint64) (entryState, bool) {
	t.Helper()
	var st entryState
	ok := false
	if err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(uplinkBucket(uplink)).Get(itob(seq)); v != nil {
			st, ok = decodeState(v), true
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return st, ok
}

// bbolt writes and fsyncs even a transaction that changed nothing; a
// runner looking at an empty queue after every tap must not cost a commit.
func TestClaim_NothingToClaim_CommitsNothing(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "u"})
	before := txid(t, s)
	claims, err := s.Claim("u", 10, t0)
	if err != nil || len(claims) != 0 {
		t.Fatalf("claims %v, err %v", claims, err)
	}
	if after := txid(t, s); after != before {
		t.Fatalf("transaction %d after an empty claim, want still %d", after, before)
	}
}

func TestSettle_AlreadySettled_CommitsNothing(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "u"})
	recs := appendEntries(t, s, 1)
	if _, err := s.Claim("u", 10, t0); err != nil {
		t.Fatal(err)
	}
	done := []Outcome{{Seq: recs[0].Seq, Result: Delivered}}
	if err := s.Settle("u", done, t0); err != nil {
		t.Fatal(err)
	}
	before := txid(t, s)
	if err := s.Settle("u", done, t0); err != nil {
		t.Fatal(err)
	}
	if after := txid(t, s); after != before {
		t.Fatalf("transaction %d after settling again, want still %d", after, before)
	}
}

func TestSettle_UnknownResult_WritesNothing(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "u"})
	recs := appendEntries(t, s, 2)
	if _, err := s.Claim("u", 10, t0); err != nil {
		t.Fatal(err)
	}
	err := s.Settle("u", []Outcome{{Seq: recs[0].Seq, Result: Delivered}, {Seq: recs[1].Seq, Result: Result(99)}}, t0)
	if err == nil {
		t.Fatal("an unknown result was accepted")
	}
	if st, ok := uplinkState(t, s, "u", recs[0].Seq); !ok || st.State != stateInflight {
		t.Fatalf("seq %d: %+v (queued %v), want still in flight", recs[0].Seq, st, ok)
	}
}

// The confirmations of one batch and the claim of the next share a commit.
func TestSettleAndClaim_OneCommit(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "u"})
	recs := appendEntries(t, s, 1)
	first, err := s.Claim("u", 10, t0)
	if err != nil || len(first) != 1 {
		t.Fatalf("claims %v, err %v", first, err)
	}
	recs = append(recs, appendEntries(t, s, 1)...)
	before := txid(t, s)
	next, settled, err := s.SettleAndClaim("u", []Outcome{{Seq: recs[0].Seq, Result: Delivered}}, nil, 10, t0)
	if err != nil || !settled || len(next) != 1 || next[0].Record.Seq != recs[1].Seq || next[0].Reconcile {
		t.Fatalf("claims %+v, settled %v, err %v; want seq %d claimed and the first settled", next, settled, err, recs[1].Seq)
	}
	if after := txid(t, s); after != before+1 {
		t.Fatalf("transaction %d, want one commit after %d", after, before)
	}
	if _, ok := uplinkState(t, s, "u", recs[0].Seq); ok {
		t.Fatalf("seq %d still queued after its confirmation was committed", recs[0].Seq)
	}
	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if u := st.Uplinks[0]; u.Delivered != 1 || u.Pending != 1 {
		t.Fatalf("stats %+v, want 1 delivered, 1 in flight", u)
	}
}

// With nothing to claim nothing is written: the confirmations stay the
// caller's, their records in flight, so a crash now makes the next claim
// reconcile them.
func TestSettleAndClaim_NothingToClaim_KeepsRecordsInFlight(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "u"})
	recs := appendEntries(t, s, 1)
	if _, err := s.Claim("u", 10, t0); err != nil {
		t.Fatal(err)
	}
	before := txid(t, s)
	claims, settled, err := s.SettleAndClaim("u", []Outcome{{Seq: recs[0].Seq, Result: Delivered}}, nil, 10, t0)
	if err != nil || settled || len(claims) != 0 {
		t.Fatalf("claims %+v, settled %v, err %v; want nothing claimed or settled", claims, settled, err)
	}
	if after := txid(t, s); after != before {
		t.Fatalf("transaction %d, want still %d", after, before)
	}
	if st, ok := uplinkState(t, s, "u", recs[0].Seq); !ok || st.State != stateInflight {
		t.Fatalf("seq %d: %+v (queued %v), want in flight", recs[0].Seq, st, ok)
	}
	// A crash here: the store reopens with the record in flight.
	path := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(path, Options{Uplinks: []UplinkSpec{{Name: "u"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { checkClosed(t, s2) })
	again, err := s2.Claim("u", 10, t0)
	if err != nil || len(again) != 1 || !again[0].Reconcile {
		t.Fatalf("claims after the crash %+v, err %v; want seq %d to reconcile", again, err, recs[0].Seq)
	}
}

func appendOne(t *testing.T, s *Store) uint64 {
	t.Helper()
	recs, err := s.Update(func(tx *Tx) error {
		_, err := tx.Append(Record{Kind: KindEntry, At: t0, Email: "a@x", Start: t0, End: t0.Add(time.Hour)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs[0].Seq
}

// Once a claim found nothing left, a record appended is claimed by the
// commit that appends it: the next claim hands it out without a commit
// and without Reconcile.
func TestHandoff_AppendAfterCaughtUp_ClaimedWithoutCommit(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "u"})
	if _, err := s.Claim("u", 10, t0); err != nil {
		t.Fatal(err)
	}
	seq := appendOne(t, s)
	if st, _ := uplinkState(t, s, "u", seq); st.State != stateInflight || st.Uncertain {
		t.Fatalf("appended after the runner caught up: %+v, want in flight", st)
	}
	before := txid(t, s)
	claims, committed, err := s.SettleAndClaim("u", nil, nil, 10, t0)
	if err != nil || committed || len(claims) != 1 || claims[0].Record.Seq != seq || claims[0].Reconcile {
		t.Fatalf("claims %+v, committed %v, err %v; want seq %d handed out without a commit", claims, committed, err, seq)
	}
	if after := txid(t, s); after != before {
		t.Fatalf("transaction %d, want still %d", after, before)
	}
	if err := s.Settle("u", []Outcome{{Seq: seq, Result: Delivered}}, t0); err != nil {
		t.Fatal(err)
	}
	if _, ok := uplinkState(t, s, "u", seq); ok {
		t.Fatal("still queued after its confirmation was settled")
	}
}

// Records kept back by a failing receiver are plain pending: a crash during
// an outage must not turn a backlog into records to reconcile.
func TestHandoff_FailedDeliveryEndsIt(t *testing.T) {
	for _, res := range []Result{NotSent, RetryLater, MaybeSent} {
		s := openTest(t, UplinkSpec{Name: "u"})
		if _, err := s.Claim("u", 10, t0); err != nil {
			t.Fatal(err)
		}
		seq := appendOne(t, s)
		if _, err := s.Claim("u", 10, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.Settle("u", []Outcome{{Seq: seq, Result: res, Msg: "down"}}, t0); err != nil {
			t.Fatal(err)
		}
		next := appendOne(t, s)
		if st, _ := uplinkState(t, s, "u", next); st.State != statePending {
			t.Fatalf("result %d: appended after a failed delivery: %+v, want pending", res, st)
		}
	}
}

// A store closed with records claimed by their append but not sent puts
// them back to pending: the next start sends them without reconciling.
func TestHandoff_CloseReturnsUnsentToPending(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "u"})
	if _, err := s.Claim("u", 10, t0); err != nil {
		t.Fatal(err)
	}
	seq := appendOne(t, s)
	path := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(path, Options{Uplinks: []UplinkSpec{{Name: "u"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { checkClosed(t, s2) })
	if st, _ := uplinkState(t, s2, "u", seq); st.State != statePending {
		t.Fatalf("after a clean close: %+v, want pending", st)
	}
	claims, err := s2.Claim("u", 10, t0)
	if err != nil || len(claims) != 1 || claims[0].Reconcile {
		t.Fatalf("claims %+v, err %v; want seq %d without Reconcile", claims, err, seq)
	}
}

// A crash forgets which records were claimed by their append and not yet
// sent: they are in flight on the disk, and the next start reconciles them.
func TestHandoff_CrashReconciles(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "u"})
	if _, err := s.Claim("u", 10, t0); err != nil {
		t.Fatal(err)
	}
	seq := appendOne(t, s)
	s2 := openCrashImage(t, s, Options{Uplinks: []UplinkSpec{{Name: "u"}}})
	claims, err := s2.Claim("u", 10, t0)
	if err != nil || len(claims) != 1 || claims[0].Record.Seq != seq || !claims[0].Reconcile {
		t.Fatalf("claims after the crash %+v, err %v; want seq %d to reconcile", claims, err, seq)
	}
}

// An outcome that puts its record back to pending is settled before the
// claim, which takes the record again in the same commit.
func TestSettleAndClaim_RetryLater_ClaimedAgain(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "u"})
	recs := appendEntries(t, s, 1)
	if _, err := s.Claim("u", 10, t0); err != nil {
		t.Fatal(err)
	}
	claims, settled, err := s.SettleAndClaim("u", []Outcome{{Seq: recs[0].Seq, Result: RetryLater, Msg: "503"}}, nil, 10, t0)
	if err != nil || !settled || len(claims) != 1 || claims[0].Record.Seq != recs[0].Seq || claims[0].Attempts != 1 || claims[0].Reconcile {
		t.Fatalf("claims %+v, settled %v, err %v; want seq %d again after one attempt", claims, settled, err, recs[0].Seq)
	}
}

// A runner claims its next batch while one is being sent: the records it
// names busy are passed over, not taken for a crash's leftovers; a crash
// with both batches in flight reconciles every one of them.
func TestSettleAndClaim_Busy_NextBatchWhileOneIsSent_CrashReconcilesBoth(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "u"})
	recs := appendEntries(t, s, 6)
	first, err := s.Claim("u", 3, t0)
	if err != nil || len(first) != 3 {
		t.Fatalf("claims %v, err %v", first, err)
	}
	busy := []uint64{first[0].Record.Seq, first[1].Record.Seq, first[2].Record.Seq}
	next, settled, err := s.SettleAndClaim("u", nil, busy, 3, t0)
	if err != nil || !settled || len(next) != 3 {
		t.Fatalf("claims %+v, settled %v, err %v; want 3 claimed in a commit", next, settled, err)
	}
	for i, c := range next {
		if c.Record.Seq != recs[3+i].Seq || c.Reconcile {
			t.Fatalf("claim %d: seq %d reconcile %v, want seq %d, not to reconcile", i, c.Record.Seq, c.Reconcile, recs[3+i].Seq)
		}
	}
	// The busy ones are still in flight and, not named busy, are what a
	// crash left: claimed again to reconcile.
	for _, q := range busy {
		if st, ok := uplinkState(t, s, "u", q); !ok || st.State != stateInflight {
			t.Fatalf("seq %d: %+v (queued %v), want in flight", q, st, ok)
		}
	}
	s2 := openCrashImage(t, s, Options{Uplinks: []UplinkSpec{{Name: "u"}}})
	again, err := s2.Claim("u", 10, t0)
	if err != nil || len(again) != 6 {
		t.Fatalf("claims after the crash %+v, err %v; want all 6", again, err)
	}
	for i, c := range again {
		if c.Record.Seq != recs[i].Seq || !c.Reconcile {
			t.Fatalf("claim %d after the crash: seq %d reconcile %v, want seq %d to reconcile", i, c.Record.Seq, c.Reconcile, recs[i].Seq)
		}
	}
}

// openCrashImage opens, with opts, a copy of s's file as it is on disk now
// (what a power cut at this moment leaves), s staying open.
func openCrashImage(t *testing.T, s *Store, opts Options) *Store {
	t.Helper()
	data, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	crashed := filepath.Join(t.TempDir(), "q.db")
	if err := os.WriteFile(crashed, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(crashed, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { checkClosed(t, s2) })
	return s2
}
