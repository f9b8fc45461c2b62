package uplink

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"stampclock/internal/waitfor"
	"stampclock/queue"
	"stampclock/queue/queuetest"
)

// commitCounter passes a runner's queue calls to a store and counts those
// that committed.
type commitCounter struct {
	*queue.Store
	mu      sync.Mutex
	commits int
}

func (c *commitCounter) SettleAndClaim(uplink string, outcomes []queue.Outcome, busy []uint64, n int, now time.Time) ([]queue.Claim, bool, error) {
	claims, settled, err := c.Store.SettleAndClaim(uplink, outcomes, busy, n, now)
	if err == nil && settled { // settled: it committed
		c.add()
	}
	return claims, settled, err
}

func (c *commitCounter) Settle(uplink string, outcomes []queue.Outcome, now time.Time) error {
	err := c.Store.Settle(uplink, outcomes, now)
	if err == nil {
		c.add()
	}
	return err
}

func (c *commitCounter) add() {
	c.mu.Lock()
	c.commits++
	c.mu.Unlock()
}

func (c *commitCounter) Commits() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.commits
}

// receiver is a Sender standing for a server that stores each record once
// and, when asked to reconcile, looks for it before storing.
type receiver struct {
	mu     sync.Mutex
	stored map[uint64]int
	calls  []call
}

func newReceiver() *receiver { return &receiver{stored: map[uint64]int{}} }

func (r *receiver) Send(_ context.Context, rec queue.Record, reconcile bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, call{rec.Seq, reconcile})
	if reconcile && r.stored[rec.Seq] > 0 {
		return nil
	}
	r.stored[rec.Seq]++
	return nil
}

func (r *receiver) snapshot() (map[uint64]int, []call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := map[uint64]int{}
	for k, v := range r.stored {
		m[k] = v
	}
	return m, append([]call(nil), r.calls...)
}

func appendEntry(t *testing.T, s *queue.Store, at int64) {
	t.Helper()
	if _, err := s.Update(func(tx *queue.Tx) error {
		_, err := tx.Append(queue.Record{Kind: queue.KindEntry, At: time.Unix(1_800_000_000+at, 0)})
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// lingering waits until the runner asks for its settle delay: it has
// sent what it claimed and holds the confirmations.
func lingering(t *testing.T, ft *fakeTimers, delay time.Duration) {
	t.Helper()
	select {
	case d := <-ft.asked:
		if d != delay {
			t.Fatalf("runner waits %v, want the settle delay %v", d, delay)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("runner did not wait for more records")
	}
}

func startDelayed(t *testing.T, q Queue, snd Sender, settled func([]queue.Outcome)) (*Runner, *fakeTimers, context.CancelFunc, chan struct{}) {
	t.Helper()
	ft := newFakeTimers()
	r := NewRunner("rest", q, snd, Options{SettleDelay: time.Minute, Idle: time.Hour, After: ft.After, Settled: settled})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return r, ft, cancel, done
}

// Records tapped in a row once the runner has caught up cost no delivery
// commit of their own: each is claimed by the commit that appends it, and
// their confirmations are committed together when the delay ends.
func TestRun_SettleDelay_TapsInARowCostNoDeliveryCommit(t *testing.T) {
	s := queuetest.Open(t, queue.Options{Uplinks: []queue.UplinkSpec{{Name: "rest"}}})
	q := &commitCounter{Store: s}
	rcv := newReceiver()
	appendEntry(t, s, 0)
	r, ft, _, _ := startDelayed(t, q, rcv, nil)
	lingering(t, ft, time.Minute)
	if p, _, done := pending(t, s); p != 1 || done != 0 {
		t.Fatalf("while the confirmation is held: pending %d, delivered %d; want the record still in flight", p, done)
	}
	for i := int64(1); i <= 3; i++ {
		appendEntry(t, s, i)
		r.Wake()
		lingering(t, ft, time.Minute)
		if p, _, done := pending(t, s); p != uint64(i)+1 || done != 0 {
			t.Fatalf("after record %d: pending %d, delivered %d; want %d in flight", i+1, p, done, i+1)
		}
	}
	if n := q.Commits(); n != 1 {
		t.Fatalf("%d delivery commits for 4 records, want 1: the claim of the one queued before the runner started", n)
	}
	ft.fire <- time.Now()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p, _, done := pending(t, s)
		if p == 0 && done == 4 && q.Commits() == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the delay: pending %d, delivered %d, %d delivery commits; want 0, 4 and 2 (one claim, one settle of all four)", p, done, q.Commits())
		}
		time.Sleep(5 * time.Millisecond)
	}
	stored, calls := rcv.snapshot()
	if len(stored) != 4 || len(calls) != 4 {
		t.Fatalf("stored %v after calls %+v", stored, calls)
	}
	for _, c := range calls {
		if c.reconcile {
			t.Fatalf("calls %+v: a record claimed by its append was reconciled", calls)
		}
	}
}

// When no record comes within the delay, the confirmations are committed
// on their own, counted and reported.
func TestRun_SettleDelay_SettledWhenTheDelayEnds(t *testing.T) {
	s := queuetest.Open(t, queue.Options{Uplinks: []queue.UplinkSpec{{Name: "rest"}}})
	appendEntry(t, s, 0)
	reported := make(chan []queue.Outcome, 1)
	r, ft, _, _ := startDelayed(t, s, newReceiver(), func(o []queue.Outcome) { reported <- o })
	lingering(t, ft, time.Minute)
	if st := r.Status(); st.Delivered != 0 {
		t.Fatalf("status before the commit: %+v", st)
	}
	ft.fire <- time.Now()
	select {
	case o := <-reported:
		if len(o) != 1 || o[0].Result != queue.Delivered {
			t.Fatalf("reported %+v", o)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("confirmation not settled when the delay ended")
	}
	if p, _, done := pending(t, s); p != 0 || done != 1 {
		t.Fatalf("pending %d, delivered %d after the delay", p, done)
	}
	if st := r.Status(); st.Delivered != 1 {
		t.Fatalf("status %+v, want 1 delivered", st)
	}
}

// Taps that never let the runner wait a whole delay do not keep
// confirmations uncommitted longer: once they are SettleDelay old, the
// next claim commits them.
func TestRun_SettleDelay_HeldNoLongerThanTheDelayUnderSteadyTaps(t *testing.T) {
	s := queuetest.Open(t, queue.Options{Uplinks: []queue.UplinkSpec{{Name: "rest"}}})
	appendEntry(t, s, 0)
	var mu sync.Mutex
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	ft := newFakeTimers()
	r := NewRunner("rest", s, newReceiver(), Options{SettleDelay: time.Minute, Idle: time.Hour, After: ft.After, Now: clock})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	lingering(t, ft, time.Minute)
	appendEntry(t, s, 1)
	r.Wake()
	lingering(t, ft, time.Minute)
	if p, _, n := pending(t, s); p != 2 || n != 0 {
		t.Fatalf("two confirmations held: pending %d, delivered %d", p, n)
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	appendEntry(t, s, 2)
	r.Wake()
	lingering(t, ft, time.Minute)
	if p, _, n := pending(t, s); p != 1 || n != 2 {
		t.Fatalf("after a minute of taps: pending %d, delivered %d; want the two old confirmations committed, the new one held", p, n)
	}
}

// A failed batch commits the confirmations held from before with its own
// outcomes: a backoff may last minutes.
func TestRun_SettleDelay_FailureSettlesHeldConfirmations(t *testing.T) {
	s := queuetest.Open(t, queue.Options{Uplinks: []queue.UplinkSpec{{Name: "rest"}}})
	appendEntry(t, s, 0)
	snd := &scripted{answers: []error{nil, &Error{Class: Retry, Msg: "connection refused"}}}
	r, ft, _, _ := startDelayed(t, s, snd, nil)
	lingering(t, ft, time.Minute)
	appendEntry(t, s, 1)
	r.Wake()
	select {
	case d := <-ft.asked:
		if d == time.Minute {
			t.Fatal("runner lingers after a failed send, want a backoff")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("runner did not back off")
	}
	if p, _, done := pending(t, s); p != 1 || done != 1 {
		t.Fatalf("during the backoff: pending %d, delivered %d; want the first delivered, the second pending", p, done)
	}
	if st := r.Status(); st.State != "backoff" || st.Delivered != 1 {
		t.Fatalf("status %+v", st)
	}
}

// A runner that stops commits the confirmations it holds.
func TestRun_SettleDelay_StopSettles(t *testing.T) {
	s := queuetest.Open(t, queue.Options{Uplinks: []queue.UplinkSpec{{Name: "rest"}}})
	appendEntry(t, s, 0)
	_, ft, cancel, done := startDelayed(t, s, newReceiver(), nil)
	lingering(t, ft, time.Minute)
	cancel()
	<-done
	if p, _, n := pending(t, s); p != 0 || n != 1 {
		t.Fatalf("pending %d, delivered %d after stopping", p, n)
	}
}

// A crash after the receiver confirmed a record but before the
// confirmation was committed leaves the record in flight: the next start
// reconciles it and finds it at the receiver. It is never sent twice, and
// it leaves the queue only once it is found there.
func TestRun_SettleDelay_CrashBeforeSettle_ReconciledNotDuplicated(t *testing.T) {
	opts := queue.Options{Uplinks: []queue.UplinkSpec{{Name: "rest"}}}
	s := queuetest.Open(t, opts)
	appendEntry(t, s, 0)
	appendEntry(t, s, 1)
	rcv := newReceiver()
	_, ft, _, _ := startDelayed(t, s, rcv, nil)
	lingering(t, ft, time.Minute)
	crashed := queuetest.OpenPath(t, crashImage(t, s), opts)
	if p, _, done := pending(t, crashed); p != 2 || done != 0 {
		t.Fatalf("crash image: pending %d, delivered %d; want both still in flight", p, done)
	}
	ft2 := newFakeTimers()
	r := NewRunner("rest", crashed, rcv, Options{Idle: time.Hour, After: ft2.After})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case d := <-ft2.asked:
		if d != time.Hour {
			t.Fatalf("runner waits %v after the restart, want idle", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("runner did not go idle after the restart")
	}
	stored, calls := rcv.snapshot()
	for seq, n := range stored {
		if n != 1 {
			t.Fatalf("seq %d stored %d times (calls %+v)", seq, n, calls)
		}
	}
	if len(stored) != 2 || len(calls) != 4 || !calls[2].reconcile || !calls[3].reconcile {
		t.Fatalf("stored %v, calls %+v; want both sent once, then both reconciled after the restart", stored, calls)
	}
	if p, _, n := pending(t, crashed); p != 0 || n != 2 {
		t.Fatalf("after the restart: pending %d, delivered %d", p, n)
	}
}

// A record claimed by its append is in flight on the disk before the
// runner has sent it: a crash then makes the next start reconcile it, and
// the receiver, not having it, gets it once.
func TestRun_SettleDelay_CrashAfterAppendBeforeSend_SentOnce(t *testing.T) {
	opts := queue.Options{Uplinks: []queue.UplinkSpec{{Name: "rest"}}}
	s := queuetest.Open(t, opts)
	appendEntry(t, s, 0)
	rcv := newReceiver()
	_, ft, _, _ := startDelayed(t, s, rcv, nil)
	lingering(t, ft, time.Minute)
	appendEntry(t, s, 1) // claimed by its append; the runner is not woken
	crashed := queuetest.OpenPath(t, crashImage(t, s), opts)
	restartUntilIdle(t, crashed, rcv)
	stored, calls := rcv.snapshot()
	if len(stored) != 2 || stored[1] != 1 || stored[2] != 1 {
		t.Fatalf("stored %v after calls %+v; want each record once", stored, calls)
	}
	if len(calls) != 3 || !calls[1].reconcile || calls[1].seq != 1 || !calls[2].reconcile || calls[2].seq != 2 {
		t.Fatalf("calls %+v; want seq 1 sent, then after the restart seq 1 and 2 reconciled", calls)
	}
	if p, _, n := pending(t, crashed); p != 0 || n != 2 {
		t.Fatalf("after the restart: pending %d, delivered %d", p, n)
	}
}

// crashImage copies the store file as a crash would leave it: every
// commit is fsync'ed and nothing is being written while the runner waits.
func crashImage(t *testing.T, s *queue.Store) string {
	t.Helper()
	data, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(t.TempDir(), "crashed.db")
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return to
}

// restartUntilIdle starts a runner of uplink "rest" on q (the store a
// crash left) with snd and waits until it has nothing left to send.
func restartUntilIdle(t *testing.T, q Queue, snd Sender) {
	t.Helper()
	ft := newFakeTimers()
	r := NewRunner("rest", q, snd, Options{Idle: time.Hour, After: ft.After})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-ft.asked:
	case <-time.After(10 * time.Second):
		t.Fatal("runner did not go idle after the restart")
	}
}

// A retraction's confirmation is committed at once, with those held before
// it: sent again after a crash, it could delete an identical entry that
// replaced the withdrawn one.
func TestRun_SettleDelay_RetractionCommittedAtOnce(t *testing.T) {
	s := queuetest.Open(t, queue.Options{Uplinks: []queue.UplinkSpec{{Name: "rest"}}})
	appendEntry(t, s, 0)
	r, ft, _, _ := startDelayed(t, s, newReceiver(), nil)
	lingering(t, ft, time.Minute)
	if p, _, done := pending(t, s); p != 1 || done != 0 {
		t.Fatalf("while the entry's confirmation is held: pending %d, delivered %d", p, done)
	}
	if _, err := s.Update(func(tx *queue.Tx) error {
		_, err := tx.Append(queue.Record{Kind: queue.KindRetract, Retracts: 1, Email: "a@example.com",
			Start: time.Unix(1_800_000_000, 0), End: time.Unix(1_800_003_600, 0), At: time.Unix(1_800_003_700, 0)})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	r.Wake()
	// The delay's timer is never fired: only committing at once settles.
	waitfor.Until(t, 10*time.Second, "both confirmations committed without waiting for the delay", func() bool {
		p, _, done := pending(t, s)
		return p == 0 && done == 2
	})
}
