package blikk

import (
	"context"
	"sync"
	"time"
)

// limiter lets at most n requests start in any window of length w (plus a
// safety margin for the way to the server). It is the document's rule, "more
// than four requests during a given second" gets 429, kept on our side: a
// token bucket refilled at n/w would allow a fifth request within the
// second of the first four. A 429's wait pauses it as a whole.
//
// It keeps the start times of the last n requests; a request may start
// when the oldest of them is w+margin in the past.
type limiter struct {
	n      int
	window time.Duration
	now    func() time.Time
	after  func(time.Duration) <-chan time.Time

	mu    sync.Mutex
	times []time.Time // start times of the last n requests, oldest first
	until time.Time   // paused until then (a 429's wait)
}

func newLimiter(n int, window time.Duration, now func() time.Time, after func(time.Duration) <-chan time.Time) *limiter {
	return &limiter{n: n, window: window, now: now, after: after}
}

// wait blocks until a request may start and books it. It returns ctx's
// error if ctx ends first (nothing is booked then).
func (l *limiter) wait(ctx context.Context) error {
	for {
		l.mu.Lock()
		now := l.now()
		var at time.Time // earliest start
		if len(l.times) >= l.n {
			at = l.times[len(l.times)-l.n].Add(l.window)
		}
		if l.until.After(at) {
			at = l.until
		}
		if !at.After(now) {
			l.times = append(l.times, now)
			if len(l.times) > l.n {
				l.times = append(l.times[:0], l.times[len(l.times)-l.n:]...)
			}
			l.mu.Unlock()
			return nil
		}
		d := at.Sub(now)
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-l.after(d):
		}
	}
}

// pause holds every request back for d from now (a 429's Retry-After).
func (l *limiter) pause(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t := l.now().Add(d); t.After(l.until) {
		l.until = t
	}
}
