package uplink

import (
	"context"
	"sync"
	"testing"
	"time"

	"stampclock/queue"
)

// virtualClock is a Now/After pair whose After fires at once and moves the
// clock on by the wait asked for, so a test runs minutes of waits in
// microseconds and sees exactly how long the runner chose to wait.
type virtualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *virtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *virtualClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.now = c.now.Add(d)
	t := c.now
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- t
	return ch
}

// Issue 17 item 4: with the locked-day source answering 500 (a Check error
// of class Retry), a batch sender's runner re-claimed the entry at once,
// ~1,500–1,950 lookups a second. Every retry path backs off: count the
// lookups during a 10 s outage, for both the batch and the one-by-one path.
func TestRun_CheckRetryBacksOff(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sender Sender
	}{
		{"batch", &batcher{}},
		{"each", &scripted{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := newQueue(t, 1)
			clk := &virtualClock{now: time.Unix(1_800_000_000, 0)}
			start := clk.Now()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var mu sync.Mutex
			lookups := 0
			check := func(context.Context, queue.Record) error {
				mu.Lock()
				defer mu.Unlock()
				if clk.Now().Sub(start) < 10*time.Second {
					lookups++
				}
				if clk.Now().Sub(start) >= 10*time.Second || lookups > 1000 {
					cancel() // the outage is over, or the runner is spinning
				}
				return &Error{Class: Retry, Status: 500, Msg: "daytotal: source answered 500"}
			}
			r := NewRunner("rest", q, tc.sender, Options{
				Check: check, Now: clk.Now, After: clk.After,
				MinBackoff: time.Second, MaxBackoff: time.Minute,
				Rand: func() float64 { return 0.5 },
			})
			done := make(chan struct{})
			go func() { r.Run(ctx); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cancel()
				t.Fatal("runner did not stop")
			}
			mu.Lock()
			defer mu.Unlock()
			// 1s, 2s, 4s backoffs: lookups at 0, 1, 3 and 7 s.
			if lookups > 5 {
				t.Fatalf("%d lookups during a 10 s outage; want a backoff between them (at most 5)", lookups)
			}
			if st := r.Status(); st.State != "backoff" || st.Failures == 0 {
				t.Fatalf("status %+v, want backoff with failures counted", st)
			}
		})
	}
}
