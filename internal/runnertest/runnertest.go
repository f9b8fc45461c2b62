// Package runnertest drives an uplink's sender the way the daemon does, for
// tests: records are committed to a real queue file and a real
// uplink.Runner delivers them, with short backoffs so that a test of
// retries, lost answers and outages finishes in well under a second.
//
// It holds no fake server; tests pair it with one (the uplinks' own test
// servers or the second-reading fakes under apifake).
package runnertest

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"stampclock/queue"
	"stampclock/uplink"
)

// Name is the uplink name the records are queued for.
const Name = "uplink"

// Harness is a queue with a runner draining it to one sender.
type Harness struct {
	Store  *queue.Store
	Runner *uplink.Runner
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start opens a queue in a temporary directory, commits recs (each in its
// own transaction, oldest first) and starts a runner delivering them to
// sender. The runner stops and the store is closed when the test ends.
func Start(t testing.TB, sender uplink.Sender, recs ...queue.Record) *Harness {
	t.Helper()
	return StartChecked(t, sender, nil, recs...)
}

// StartChecked is Start with check vetting every record before it is sent
// (uplink.Options.Check), e.g. against locked days.
func StartChecked(t testing.TB, sender uplink.Sender, check func(context.Context, queue.Record) error, recs ...queue.Record) *Harness {
	t.Helper()
	h := Open(t, recs...)
	h.Run(sender, check)
	return h
}

// Open opens a queue in a temporary directory and commits recs, without a
// runner: for a sender or a check that needs the store (a sender's
// ledger is h.Store), built before Run starts the runner. The store is
// closed when the test ends.
func Open(t testing.TB, recs ...queue.Record) *Harness {
	t.Helper()
	s, err := queue.Open(filepath.Join(t.TempDir(), "queue.db"), queue.Options{
		Uplinks: []queue.UplinkSpec{{Name: Name, Kinds: []queue.Kind{queue.KindEntry, queue.KindRetract}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := &Harness{Store: s, cancel: func() {}}
	t.Cleanup(func() {
		h.cancel()
		h.wg.Wait()
		if err := s.Close(); err != nil {
			t.Errorf("close queue: %v", err)
		}
	})
	h.Append(t, recs...)
	return h
}

// Run starts a runner delivering the queue to sender, with check (if not
// nil) vetting every record before it is sent. It stops when the test
// ends. Call it once.
func (h *Harness) Run(sender uplink.Sender, check func(context.Context, queue.Record) error) {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.Runner = uplink.NewRunner(Name, h.Store, sender, uplink.Options{
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
		MaxRetryAfter: 2 * time.Second, Idle: 20 * time.Millisecond, Check: check,
	})
	h.wg.Add(1)
	go func() { defer h.wg.Done(); h.Runner.Run(ctx) }()
}

// Append commits recs to the queue and wakes the runner if it runs.
func (h *Harness) Append(t testing.TB, recs ...queue.Record) {
	t.Helper()
	for _, r := range recs {
		if _, err := h.Store.Update(func(tx *queue.Tx) error {
			_, err := tx.Append(r)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if h.Runner != nil {
		h.Runner.Wake()
	}
}

// Stats returns the uplink's share of the queue.
func (h *Harness) Stats(t testing.TB) queue.UplinkStats {
	t.Helper()
	st, err := h.Store.Stats()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range st.Uplinks {
		if u.Name == Name {
			return u
		}
	}
	t.Fatalf("queue has no uplink %q", Name)
	return queue.UplinkStats{}
}

// WaitDelivered waits until the receiver confirmed n records in all and
// nothing is pending; it fails the test after timeout, or at once when a
// record became a dead letter (with the receiver's message).
func (h *Harness) WaitDelivered(t testing.TB, n uint64, timeout time.Duration) {
	t.Helper()
	h.Wait(t, timeout, "all delivered", func(u queue.UplinkStats) bool {
		if u.Dead > 0 {
			t.Fatalf("dead letter: %s (%+v)", u.LastError, u)
		}
		return u.Delivered == n && u.Pending == 0
	})
}

// Wait polls the uplink's stats until ok holds, failing the test after
// timeout with what it waited for and the last stats.
func (h *Harness) Wait(t testing.TB, timeout time.Duration, what string, ok func(queue.UplinkStats) bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		u := h.Stats(t)
		if ok(u) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s: %+v, runner %+v", timeout, what, u, h.Runner.Status())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
