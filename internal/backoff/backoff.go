// Package backoff holds the one capped exponential backoff that badge
// readers (reopening a device, re-initialising a chip), the daemon (opening
// a reader that was missing at start) and the uplink runner (resending after
// a failed batch) wait by. It computes waits and sleeps them on an injected
// clock; it does not count failures or decide what is worth retrying.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Policy is a capped exponential backoff with jitter. The zero Jitter
// (Low and Spread both zero) means no jitter.
type Policy struct {
	// Min is the wait after the first failure; it doubles with each
	// failure in a row. Max caps it.
	Min, Max time.Duration
	// Low and Spread are the jitter: the capped wait is scaled by
	// Low + Spread·r, r drawn uniformly from [0, 1). {0.5, 0.5} takes up to
	// half off; {0.8, 0.4} spreads it ±20%. Both zero: no jitter.
	Low, Spread float64
	// Rand draws r; default math/rand/v2's Float64.
	Rand func() float64
	// After is the clock Sleep waits on; default a real timer.
	After func(time.Duration) <-chan time.Time
}

// Wait returns the wait after n failures in a row (n >= 1; a smaller n
// counts as 1): Min doubled n-1 times, capped at Max, then jittered.
func (p Policy) Wait(n int) time.Duration {
	d := p.Min
	for i := 1; i < n && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	if p.Low == 0 && p.Spread == 0 {
		return d
	}
	rnd := p.Rand
	if rnd == nil {
		rnd = rand.Float64
	}
	return time.Duration(float64(d) * (p.Low + p.Spread*rnd()))
}

// Sleep waits Wait(n) on the policy's clock, or until ctx is done; then it
// returns ctx.Err().
func (p Policy) Sleep(ctx context.Context, n int) error {
	return Sleep(ctx, p.After, p.Wait(n))
}

// Sleep waits d on after (nil: a real timer) or until ctx is done, and
// returns ctx.Err() in that case.
func Sleep(ctx context.Context, after func(time.Duration) <-chan time.Time, d time.Duration) error {
	var ch <-chan time.Time
	if after != nil {
		ch = after(d)
	} else {
		t := time.NewTimer(d)
		defer t.Stop()
		ch = t.C
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
