package blikk

import (
	"context"
	"testing"
	"time"
)

// Issue 17 item 11: the document answers 429 to "more than four (4)
// requests during a given second". With a 50 ms margin bursts of four
// started 1.05 s apart, so jitter over 50 ms on the way to the server put
// five requests in one of its seconds. The default margin is 250 ms; this
// measures the cost in requests per second on a virtual clock.
func TestLimiter_MarginSpacesBurstsAndItsCost(t *testing.T) {
	rate := func(margin time.Duration) (perSecond float64, minGap time.Duration) {
		now := time.Unix(1_800_000_000, 0)
		after := func(d time.Duration) <-chan time.Time {
			now = now.Add(d)
			ch := make(chan time.Time, 1)
			ch <- now
			return ch
		}
		l := newLimiter(DefaultRequestsPerSecond, time.Second+margin, func() time.Time { return now }, after)
		start := now
		var starts []time.Time
		const n = 400
		for range n {
			if err := l.wait(context.Background()); err != nil {
				t.Fatal(err)
			}
			starts = append(starts, now)
		}
		minGap = time.Hour
		for i := DefaultRequestsPerSecond; i < len(starts); i++ {
			minGap = min(minGap, starts[i].Sub(starts[i-DefaultRequestsPerSecond]))
		}
		return float64(n) / starts[n-1].Sub(start).Seconds(), minGap
	}
	oldRate, _ := rate(50 * time.Millisecond)
	newRate, gap := rate(DefaultRateMargin)
	t.Logf("requests per second: %.2f with a 50ms margin, %.2f with %v (%.0f%% slower)", oldRate, newRate, DefaultRateMargin, 100*(1-newRate/oldRate))
	if gap < time.Second+DefaultRateMargin {
		t.Fatalf("a request started %v after the 4th before it; want at least %v", gap, time.Second+DefaultRateMargin)
	}
	if DefaultRateMargin < 200*time.Millisecond {
		t.Fatalf("default margin %v leaves no room for ordinary network jitter", DefaultRateMargin)
	}
	// Five requests in a server's second need a burst to arrive more than
	// the margin late relative to the one before: 200 ms of jitter is safe.
	if gap-200*time.Millisecond < time.Second {
		t.Fatalf("200ms of jitter would put five requests into one second (gap %v)", gap)
	}
}
