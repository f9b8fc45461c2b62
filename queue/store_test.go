package queue

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// openTest opens a store in a temp dir and checks its consistency when the
// test ends.
func openTest(t *testing.T, uplinks ...UplinkSpec) *Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "q.db")
	s, err := Open(path, Options{Uplinks: uplinks})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { checkClosed(t, s) })
	return s
}

func checkClosed(t *testing.T, s *Store) {
	t.Helper()
	_ = s.Close()
	db, err := bolt.Open(s.Path(), 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("reopen for check: %v", err)
	}
	defer db.Close()
	if err := db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	}); err != nil {
		t.Errorf("store inconsistent: %v", err)
	}
}

func appendEntries(t *testing.T, s *Store, n int) []Record {
	t.Helper()
	var out []Record
	for i := 0; i < n; i++ {
		recs, err := s.Update(func(tx *Tx) error {
			_, err := tx.Append(Record{Kind: KindEntry, At: t0.Add(time.Duration(i) * time.Minute), Email: "a@x", Start: t0, End: t0.Add(time.Hour)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, recs...)
	}
	return out
}

func stats(t *testing.T, s *Store, uplink string) UplinkStats {
	t.Helper()
	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range st.Uplinks {
		if u.Name == uplink {
			return u
		}
	}
	t.Fatalf("no uplink %s in stats", uplink)
	return UplinkStats{}
}

func TestAppend_AssignsIncreasingSeqAndQueuesForMatchingUplinks(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "rest", Kinds: []Kind{KindEntry}}, UplinkSpec{Name: "mqtt"})
	recs, err := s.Update(func(tx *Tx) error {
		if _, err := tx.Append(Record{Kind: KindPunch, At: t0, Action: ActionStart}); err != nil {
			return err
		}
		_, err := tx.Append(Record{Kind: KindEntry, At: t0, Start: t0, End: t0.Add(time.Hour)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Seq != 1 || recs[1].Seq != 2 {
		t.Fatalf("got %+v, want seqs 1 and 2", recs)
	}
	if got := stats(t, s, "rest").Pending; got != 1 {
		t.Errorf("rest pending = %d, want 1 (entries only)", got)
	}
	if got := stats(t, s, "mqtt").Pending; got != 2 {
		t.Errorf("mqtt pending = %d, want 2 (all kinds)", got)
	}
}

func TestUpdate_ErrorCommitsNothing(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "rest"})
	boom := errors.New("boom")
	_, err := s.Update(func(tx *Tx) error {
		if _, err := tx.Append(Record{Kind: KindEntry, At: t0}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	st, _ := s.Stats()
	if st.Records != 0 || st.Uplinks[0].Pending != 0 {
		t.Fatalf("stats after failed update = %+v, want empty", st)
	}
}

func TestClaimSettle_DeliveredLeavesQueue(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "rest"})
	appendEntries(t, s, 3)
	cl, err := s.Claim("rest", 2, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(cl) != 2 || cl[0].Record.Seq != 1 || cl[1].Record.Seq != 2 || cl[0].Reconcile {
		t.Fatalf("claims = %+v", cl)
	}
	if err := s.Settle("rest", []Outcome{{Seq: 1, Result: Delivered}, {Seq: 2, Result: NotSent}}, t0); err != nil {
		t.Fatal(err)
	}
	u := stats(t, s, "rest")
	if u.Pending != 2 || u.Delivered != 1 || !u.LastDelivery.Equal(t0) {
		t.Fatalf("stats = %+v, want 2 pending, 1 delivered", u)
	}
	cl, _ = s.Claim("rest", 10, t0)
	if len(cl) != 2 || cl[0].Record.Seq != 2 || cl[0].Reconcile || cl[0].Attempts != 0 {
		t.Fatalf("claims after settle = %+v, want seq 2 first, not reconciling", cl)
	}
}

func TestClaim_DeadLetterDoesNotBlock_AndRetryResends(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "rest"})
	appendEntries(t, s, 2)
	s.Claim("rest", 1, t0)
	if err := s.Settle("rest", []Outcome{{Seq: 1, Result: Rejected, Msg: "timetypeid unknown"}}, t0); err != nil {
		t.Fatal(err)
	}
	cl, _ := s.Claim("rest", 10, t0)
	if len(cl) != 1 || cl[0].Record.Seq != 2 {
		t.Fatalf("claims = %+v, want only seq 2", cl)
	}
	dead, err := s.Queued("rest", "dead", 0, 10)
	if err != nil || len(dead) != 1 || dead[0].Msg != "timetypeid unknown" || dead[0].Record.Seq != 1 {
		t.Fatalf("dead = %+v, %v", dead, err)
	}
	u := stats(t, s, "rest")
	if u.Dead != 1 || u.Pending != 1 || u.LastError != "timetypeid unknown" {
		t.Fatalf("stats = %+v", u)
	}
	if _, err := s.RetryDead("rest", []uint64{2}, t0); !errors.Is(err, ErrNotDead) {
		t.Fatalf("retry of a live record: err = %v, want ErrNotDead", err)
	}
	n, err := s.RetryDead("rest", nil, t0)
	if err != nil || n != 1 {
		t.Fatalf("retry = %d, %v", n, err)
	}
	s.Settle("rest", []Outcome{{Seq: 2, Result: NotSent}}, t0)
	cl, _ = s.Claim("rest", 10, t0)
	if len(cl) != 2 || cl[0].Record.Seq != 1 {
		t.Fatalf("claims after retry = %+v, want seq 1 then 2", cl)
	}
	if u := stats(t, s, "rest"); u.Dead != 0 || u.Pending != 2 {
		t.Fatalf("stats after retry = %+v", u)
	}
}

func TestClaim_InFlightAtCrashIsReconciled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	opts := Options{Uplinks: []UplinkSpec{{Name: "rest"}}}
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	appendEntries(t, s, 2)
	if _, err := s.Claim("rest", 1, t0); err != nil {
		t.Fatal(err)
	}
	s.Close() // "crash": never settled
	s, err = Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { checkClosed(t, s) })
	cl, _ := s.Claim("rest", 10, t0)
	if len(cl) != 2 || !cl[0].Reconcile || cl[1].Reconcile {
		t.Fatalf("claims = %+v, want seq 1 reconciling, seq 2 not", cl)
	}
}

func TestSettle_MaybeSentReconcilesUntilDelivered(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "rest"})
	appendEntries(t, s, 1)
	s.Claim("rest", 1, t0)
	s.Settle("rest", []Outcome{{Seq: 1, Result: MaybeSent, Msg: "timeout"}}, t0)
	cl, _ := s.Claim("rest", 1, t0)
	if !cl[0].Reconcile || cl[0].Attempts != 1 {
		t.Fatalf("claim = %+v, want reconcile after 1 attempt", cl[0])
	}
	// A certain failure while reconciling keeps the doubt.
	s.Settle("rest", []Outcome{{Seq: 1, Result: RetryLater, Msg: "refused"}}, t0)
	cl, _ = s.Claim("rest", 1, t0)
	if !cl[0].Reconcile || cl[0].Attempts != 2 {
		t.Fatalf("claim = %+v, want still reconciling after 2 attempts", cl[0])
	}
}

func TestPrune_KeepsPendingDeadAndAnomalies(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "rest", Kinds: []Kind{KindEntry}})
	_, err := s.Update(func(tx *Tx) error {
		for _, r := range []Record{
			{Kind: KindPunch, At: t0, ClockSynced: true},                                // 1: no uplink needs it
			{Kind: KindEntry, At: t0, ClockSynced: true, StartSynced: true},             // 2: delivered below
			{Kind: KindEntry, At: t0, ClockSynced: true, StartSynced: true},             // 3: pending
			{Kind: KindEvent, At: t0, ClockSynced: true, Event: EventMissingStop},       // 4: anomaly
			{Kind: KindPunch, At: t0.Add(48 * time.Hour), ClockSynced: true},            // 5: too young
			{Kind: KindEvent, At: t0.Add(-time.Hour), ClockSynced: true, Event: "info"}, // 6: after a young one: kept this round
		} {
			if _, err := tx.Append(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Claim("rest", 1, t0)
	s.Settle("rest", []Outcome{{Seq: 2, Result: Delivered}}, t0)
	// Only the delivered entry goes: the punch no uplink takes was never
	// confirmed, so it stays (issue 11).
	n, err := s.Prune(t0.Add(24*time.Hour), 100)
	if err != nil || n != 1 {
		t.Fatalf("prune = %d, %v; want 1", n, err)
	}
	left, _ := s.Records(0, 100, nil)
	var seqs []uint64
	for _, r := range left {
		seqs = append(seqs, r.Seq)
	}
	if fmt.Sprint(seqs) != "[1 3 4 5 6]" {
		t.Fatalf("left = %v, want [1 3 4 5 6]", seqs)
	}
	if st, _ := s.Stats(); st.Records != 5 || len(st.Anomalies) != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestOpen_SecondInstanceFailsFast(t *testing.T) {
	s := openTest(t)
	start := time.Now()
	_, err := Open(s.Path(), Options{Timeout: 100 * time.Millisecond})
	if err == nil {
		t.Fatal("second open succeeded")
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("second open hung")
	}
}

func TestOpen_RejectsBadUplinkName(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "q.db"), Options{Uplinks: []UplinkSpec{{Name: "a b"}}})
	if err == nil {
		t.Fatal("want error for uplink name with a space")
	}
}

func TestBadges_EnrolForgetsUnknown(t *testing.T) {
	s := openTest(t)
	_, err := s.Update(func(tx *Tx) error {
		if err := tx.NoteUnknown("04A1", t0, false); err != nil {
			return err
		}
		return tx.NoteUnknown("04A1", t0.Add(time.Minute), false)
	})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := s.Stats()
	if len(st.Unknown) != 1 || st.Unknown[0].Count != 2 {
		t.Fatalf("unknown = %+v", st.Unknown)
	}
	s.Update(func(tx *Tx) error { return tx.PutBadge(Badge{UID: "04A1", Email: "a@x"}) })
	st, _ = s.Stats()
	bs, _ := s.Badges()
	if len(st.Unknown) != 0 || len(bs) != 1 || bs[0].Email != "a@x" {
		t.Fatalf("after enrol: unknown=%+v badges=%+v", st.Unknown, bs)
	}
}

func TestQueued_FiltersByState(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "rest"}, UplinkSpec{Name: "mqtt"})
	appendEntries(t, s, 3)
	s.Claim("rest", 1, t0)
	s.Settle("rest", []Outcome{{Seq: 1, Result: Rejected, Msg: "bad"}}, t0)
	all, _ := s.Queued("", "", 0, 100)
	pend, _ := s.Queued("rest", "pending", 0, 100)
	dead, _ := s.Queued("rest", "dead", 0, 100)
	after, _ := s.Queued("mqtt", "", 2, 100)
	if len(all) != 6 || len(pend) != 2 || len(dead) != 1 || dead[0].Msg != "bad" || len(after) != 1 || after[0].Record.Seq != 3 {
		t.Fatalf("all=%d pending=%d dead=%+v after=%+v", len(all), len(pend), dead, after)
	}
	if _, err := s.Queued("nope", "", 0, 1); !errors.Is(err, ErrUnknownUplink) {
		t.Fatalf("unknown uplink: %v", err)
	}
}

func TestCorrectBoot_FixesUntrustedTimesAndReleasesHeld(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "rest", Kinds: []Kind{KindEntry}})
	stale := time.Date(2019, 6, 1, 0, 10, 0, 0, time.UTC) // what a board without RTC believes
	_, err := s.Update(func(tx *Tx) error {
		// Shift from mono 10m to mono 8h10m in boot b1, clock not synced;
		// an untrusted entry of an older boot b0 that never synchronised.
		if _, err := tx.Append(Record{Kind: KindEntry, At: stale.Add(8 * time.Hour), Boot: "b1", Mono: 8*time.Hour + 10*time.Minute,
			Start: stale, StartBoot: "b1", StartMono: 10 * time.Minute, Email: "a@x"}); err != nil {
			return err
		}
		if _, err := tx.Append(Record{Kind: KindEntry, At: stale, Boot: "b0", Mono: time.Hour, Start: stale, StartBoot: "b0", StartMono: time.Minute, Email: "a@x"}); err != nil {
			return err
		}
		return tx.PutEmployee(Employee{Email: "b@x", Open: true, Start: stale, StartBoot: "b1", StartMono: 9 * time.Hour, LastTap: stale, LastBoot: "b1", LastMono: 9 * time.Hour})
	})
	if err != nil {
		t.Fatal(err)
	}
	cl, _ := s.Claim("rest", 10, t0)
	if len(cl) != 2 {
		t.Fatalf("claims = %d", len(cl))
	}
	s.Settle("rest", []Outcome{{Seq: 1, Result: Held, Msg: "clock not synchronised"}, {Seq: 2, Result: Held, Msg: "clock not synchronised"}}, t0)
	if cl, _ := s.Claim("rest", 10, t0); len(cl) != 0 {
		t.Fatalf("held records claimed: %+v", cl)
	}
	if u := stats(t, s, "rest"); u.Held != 2 || u.Pending != 0 {
		t.Fatalf("stats = %+v", u)
	}
	// The clock synchronises at 10h after boot b1: real time 2026-03-02 18:00 UTC.
	synced := time.Date(2026, 3, 2, 18, 0, 0, 0, time.UTC)
	n, err := s.CorrectBoot("b1", synced, 10*time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("corrected %d, %v; want 1", n, err)
	}
	r, _ := s.Record(1)
	wantStart := synced.Add(-10*time.Hour + 10*time.Minute)
	if !r.Start.Equal(wantStart) || !r.End.Equal(wantStart.Add(8*time.Hour)) || !r.Trusted() || !r.Corrected {
		t.Fatalf("corrected entry = %+v; want start %v", r, wantStart)
	}
	u := stats(t, s, "rest")
	if u.Held != 1 || u.Pending != 1 {
		t.Fatalf("after correction: %+v; want the b1 entry pending, the b0 one still held", u)
	}
	st, _ := s.Stats()
	if st.Untrusted != 1 || len(st.OpenShifts) != 1 || !st.OpenShifts[0].Start.Equal(synced.Add(-time.Hour)) || !st.OpenShifts[0].StartSynced {
		t.Fatalf("stats = %+v", st)
	}
	cl, _ = s.Claim("rest", 10, t0)
	if len(cl) != 1 || cl[0].Record.Seq != 1 {
		t.Fatalf("claims after correction = %+v", cl)
	}
	if n, err := s.Release("rest", []uint64{1}, t0); err == nil {
		t.Fatalf("released a record that is not held: %d", n)
	}
	if n, err := s.Release("rest", nil, t0); err != nil || n != 1 {
		t.Fatalf("operator release = %d, %v", n, err)
	}
}

func TestReverse_NewestFirstStopsEarly(t *testing.T) {
	s := openTest(t)
	appendEntries(t, s, 5)
	var seqs []uint64
	if err := s.Reverse(func(r Record) bool { seqs = append(seqs, r.Seq); return len(seqs) < 3 }); err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 3 || seqs[0] != 5 || seqs[2] != 3 {
		t.Fatalf("seqs = %v, want [5 4 3]", seqs)
	}
}
