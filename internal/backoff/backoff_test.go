package backoff_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"stampclock/internal/backoff"
)

func TestWait_DoublesAndCaps(t *testing.T) {
	p := backoff.Policy{Min: time.Second, Max: 10 * time.Second}
	for _, c := range []struct {
		n    int
		want time.Duration
	}{{0, time.Second}, {1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {4, 8 * time.Second}, {5, 10 * time.Second}, {60, 10 * time.Second}} {
		if got := p.Wait(c.n); got != c.want {
			t.Errorf("Wait(%d) = %v, want %v", c.n, got, c.want)
		}
	}
}

func TestWait_JitterScalesWithinBounds(t *testing.T) {
	r := 0.0
	p := backoff.Policy{Min: time.Second, Max: time.Minute, Low: 0.8, Spread: 0.4, Rand: func() float64 { return r }}
	for _, c := range []struct {
		r    float64
		want time.Duration
	}{{0, 3200 * time.Millisecond}, {0.5, 4 * time.Second}, {0.75, 4400 * time.Millisecond}} {
		r = c.r
		if got := p.Wait(3); got != c.want {
			t.Errorf("Wait(3) with r=%v = %v, want %v", c.r, got, c.want)
		}
	}
}

func TestWait_DefaultRandStaysInRange(t *testing.T) {
	p := backoff.Policy{Min: time.Second, Max: time.Second, Low: 0.5, Spread: 0.5}
	for range 1000 {
		if got := p.Wait(1); got < 500*time.Millisecond || got > time.Second {
			t.Fatalf("Wait(1) = %v, want within [500ms, 1s]", got)
		}
	}
}

func TestSleep_WaitsOnInjectedClock(t *testing.T) {
	var asked []time.Duration
	after := func(d time.Duration) <-chan time.Time {
		asked = append(asked, d)
		ch := make(chan time.Time, 1)
		ch <- time.Time{}
		return ch
	}
	p := backoff.Policy{Min: time.Hour, Max: 4 * time.Hour, After: after}
	for n := 1; n <= 3; n++ {
		if err := p.Sleep(context.Background(), n); err != nil {
			t.Fatalf("Sleep(%d): %v", n, err)
		}
	}
	want := []time.Duration{time.Hour, 2 * time.Hour, 4 * time.Hour}
	if len(asked) != len(want) {
		t.Fatalf("clock asked for %v, want %v", asked, want)
	}
	for i := range want {
		if asked[i] != want[i] {
			t.Fatalf("clock asked for %v, want %v", asked, want)
		}
	}
}

func TestSleep_CancelledContextEndsWait(t *testing.T) {
	never := func(time.Duration) <-chan time.Time { return nil }
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := backoff.Policy{Min: time.Hour, Max: time.Hour, After: never}
	if err := p.Sleep(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep on a cancelled context = %v, want context.Canceled", err)
	}
	if err := backoff.Sleep(ctx, nil, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep on the real clock with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestSleep_RealTimerFires(t *testing.T) {
	if err := backoff.Sleep(context.Background(), nil, time.Millisecond); err != nil {
		t.Fatalf("Sleep(1ms) = %v", err)
	}
}

func ExamplePolicy_Wait() {
	p := backoff.Policy{Min: time.Second, Max: time.Minute}
	for n := 1; n <= 8; n++ {
		fmt.Print(p.Wait(n), " ")
	}
	fmt.Println()
	// Output: 1s 2s 4s 8s 16s 32s 1m0s 1m0s
}
