package uplink

import (
	"context"
	"fmt"
	"testing"
	"time"

	"stampclock/internal/waitfor"
	"stampclock/queue"
	"stampclock/queue/queuetest"
)

// gated passes sends to a receiver, but the send of seq at holds until
// release is closed, after telling entered.
type gated struct {
	*receiver
	at      uint64
	fail    error // returned for seq at instead of sending it
	entered chan struct{}
	release chan struct{}
}

func newGated(at uint64, fail error) *gated {
	return &gated{receiver: newReceiver(), at: at, fail: fail, entered: make(chan struct{}), release: make(chan struct{})}
}

func (g *gated) Send(ctx context.Context, rec queue.Record, reconcile bool) error {
	if rec.Seq == g.at {
		close(g.entered)
		<-g.release
		if g.fail != nil {
			g.mu.Lock()
			g.calls = append(g.calls, call{rec.Seq, reconcile})
			g.mu.Unlock()
			return g.fail
		}
	}
	return g.receiver.Send(ctx, rec, reconcile)
}

// states returns the state of each record queued for "rest" by seq.
func states(t *testing.T, s *queue.Store) map[uint64]queue.Item {
	t.Helper()
	items, err := s.Queued("rest", "", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	m := map[uint64]queue.Item{}
	for _, it := range items {
		m[it.Record.Seq] = it
	}
	return m
}

// waitInFlight waits until every seq in seqs is in flight in s.
func waitInFlight(t *testing.T, s *queue.Store, seqs ...uint64) {
	t.Helper()
	waitfor.Until(t, 10*time.Second, fmt.Sprintf("records %v in flight", seqs), func() bool {
		st := states(t, s)
		for _, q := range seqs {
			if st[q].State != "inflight" {
				return false
			}
		}
		return true
	})
}

func startBatches(t *testing.T, q Queue, snd Sender, batch int) (*Runner, *fakeTimers) {
	t.Helper()
	ft := newFakeTimers()
	r := NewRunner("rest", q, snd, Options{Batch: batch, SettleDelay: time.Minute, Idle: time.Hour, After: ft.After})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return r, ft
}

// While a batch is being sent the next one is already claimed (in flight
// on the disk), and it is sent once the batch before it went through: in
// order, each record once, none reconciled.
func TestRun_ClaimAhead_NextBatchClaimedWhileOneIsSent(t *testing.T) {
	s := newQueue(t, 6)
	g := newGated(1, nil)
	_, ft := startBatches(t, s, g, 2)
	released := false
	t.Cleanup(func() {
		if !released {
			close(g.release)
		}
	})
	<-g.entered
	waitInFlight(t, s, 1, 2, 3, 4)
	if st := states(t, s); st[5].State != "pending" || st[6].State != "pending" {
		t.Fatalf("states %+v while the first batch is sent: want only the next batch claimed", st)
	}
	if _, calls := g.snapshot(); len(calls) != 0 {
		t.Fatalf("calls %+v before the first record's answer: the next batch went out early", calls)
	}
	released = true
	close(g.release)
	lingering(t, ft, time.Minute)
	stored, calls := g.snapshot()
	if len(stored) != 6 || len(calls) != 6 {
		t.Fatalf("stored %v after calls %+v; want 6 records once each", stored, calls)
	}
	for i, c := range calls {
		if c.seq != uint64(i+1) || c.reconcile {
			t.Fatalf("calls %+v: want seqs 1–6 in order, none reconciled", calls)
		}
	}
}

// When a batch fails, the batch claimed ahead of it goes back to pending
// unsent (no attempt counted, nothing to reconcile): its records wait for
// the failed one, which is sent first after the backoff.
func TestRun_ClaimAhead_FailedBatchGivesTheNextBack(t *testing.T) {
	s := newQueue(t, 4)
	g := newGated(1, &Error{Class: Retry, Msg: "connection refused"})
	r, ft := startBatches(t, s, g, 2)
	released := false
	t.Cleanup(func() {
		if !released {
			close(g.release)
		}
	})
	<-g.entered
	waitInFlight(t, s, 3, 4)
	released = true
	close(g.release)
	select {
	case d := <-ft.asked:
		if d == time.Minute || d == time.Hour {
			t.Fatalf("runner waits %v after a failed send, want a backoff", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("runner did not back off")
	}
	st := states(t, s)
	for _, q := range []uint64{1, 2, 3, 4} {
		if st[q].State != "pending" {
			t.Fatalf("states %+v during the backoff, want all pending", st)
		}
	}
	if st[1].Attempts != 1 || st[3].Attempts != 0 || st[4].Attempts != 0 {
		t.Fatalf("states %+v: want one attempt for seq 1, none for the batch claimed ahead", st)
	}
	_, calls := g.snapshot()
	if len(calls) != 1 || calls[0].seq != 1 {
		t.Fatalf("calls %+v during the backoff; want only seq 1 tried", calls)
	}
	if rs := r.Status(); rs.State != "backoff" {
		t.Fatalf("status %+v", rs)
	}
	g.at = 0 // the receiver is back
	ft.fire <- time.Now()
	lingering(t, ft, time.Minute) // all sent, the confirmations held
	stored, calls := g.snapshot()
	if len(stored) != 4 || len(calls) != 5 || calls[1].seq != 1 || calls[1].reconcile || calls[3].seq != 3 || calls[3].reconcile {
		t.Fatalf("stored %v after calls %+v; want seq 1 first again, nothing reconciled", stored, calls)
	}
}

// A crash while one batch is sent, its predecessor's confirmations held
// and the next claimed ahead, leaves all of them in flight on the disk: the
// next start reconciles each, and the receiver gets every record once.
func TestRun_ClaimAhead_CrashWithBatchesInFlight_EachStoredOnce(t *testing.T) {
	opts := queue.Options{Uplinks: []queue.UplinkSpec{{Name: "rest"}}}
	s := queuetest.Open(t, opts)
	for i := int64(0); i < 8; i++ {
		appendEntry(t, s, i)
	}
	g := newGated(6, nil)
	startBatches(t, s, g, 2)
	t.Cleanup(func() { close(g.release) }) // runs before the runner is stopped
	<-g.entered
	// 1–4 settled (3 and 4 with the claim of 7 and 8, made while 5 and 6
	// are sent); 5 confirmed, its confirmation held; 6 being sent; 7 and 8
	// claimed ahead. Nothing is written while the send of 6 is held.
	waitInFlight(t, s, 5, 6, 7, 8)
	if p, _, n := pending(t, s); p != 4 || n != 4 {
		t.Fatalf("before the crash: pending %d, delivered %d; want 4 and 4", p, n)
	}
	if stored, _ := g.snapshot(); stored[5] != 1 {
		t.Fatalf("stored %v before the crash, want seq 5 confirmed", stored)
	}
	crashed := queuetest.OpenPath(t, crashImage(t, s), opts)
	restartUntilIdle(t, crashed, g.receiver)
	stored, calls := g.snapshot()
	if len(stored) != 8 {
		t.Fatalf("stored %v after calls %+v; want all 8", stored, calls)
	}
	for seq, n := range stored {
		if n != 1 {
			t.Fatalf("seq %d stored %d times (calls %+v)", seq, n, calls)
		}
	}
	after := calls[len(calls)-4:]
	for i, c := range after {
		if c.seq != uint64(i+5) || !c.reconcile {
			t.Fatalf("calls after the restart %+v: want seqs 5–8 each reconciled", after)
		}
	}
	if p, _, n := pending(t, crashed); p != 0 || n != 8 {
		t.Fatalf("after the restart: pending %d, delivered %d", p, n)
	}
}

// A runner that stops after a batch went through commits its confirmations
// and gives the batch it claimed ahead back unsent: plain pending, nothing
// for the next start to reconcile.
func TestRun_ClaimAhead_StopGivesTheNextBack(t *testing.T) {
	s := newQueue(t, 4)
	g := newGated(2, nil)
	ft := newFakeTimers()
	r := NewRunner("rest", s, g, Options{Batch: 2, SettleDelay: time.Minute, Idle: time.Hour, After: ft.After})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	released := false
	t.Cleanup(func() {
		cancel()
		if !released {
			close(g.release)
		}
		<-done
	})
	<-g.entered
	waitInFlight(t, s, 1, 2, 3, 4)
	cancel() // the send of 2 is under way: it goes through, then Run stops
	released = true
	close(g.release)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("runner did not stop")
	}
	if p, _, n := pending(t, s); p != 2 || n != 2 {
		t.Fatalf("after the stop: pending %d, delivered %d; want 2 and 2", p, n)
	}
	st := states(t, s)
	if st[3].State != "pending" || st[4].State != "pending" || st[3].Attempts != 0 || st[4].Attempts != 0 {
		t.Fatalf("states %+v after the stop, want 3 and 4 pending, no attempt", st)
	}
	if _, calls := g.snapshot(); len(calls) != 2 || calls[0].seq != 1 || calls[1].seq != 2 {
		t.Fatalf("calls %+v, want only 1 and 2 sent", calls)
	}
}
