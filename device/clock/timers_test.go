package clock_test

import (
	"testing"
	"time"

	"stampclock/device/clock"
)

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func ready(ch <-chan time.Time) (time.Time, bool) {
	select {
	case at := <-ch:
		return at, true
	default:
		return time.Time{}, false
	}
}

func TestManualTimers_AfterFiresOnlyWhenDue(t *testing.T) {
	m := clock.NewManualTimers(t0)
	ch := m.After(10 * time.Second)
	m.Advance(9 * time.Second)
	if _, ok := ready(ch); ok {
		t.Fatal("After(10s) fired after 9s")
	}
	m.Advance(time.Second)
	if at, ok := ready(ch); !ok || !at.Equal(t0.Add(10*time.Second)) {
		t.Fatalf("After(10s) after 10s: %v, %v; want fired at t0+10s", at, ok)
	}
	if m.Waiting() != 0 {
		t.Fatalf("a fired After still waits (%d)", m.Waiting())
	}
	if _, ok := ready(m.After(0)); !ok {
		t.Fatal("After(0) did not fire at once")
	}
}

func TestManualTimers_TickerTicksEachIntervalAndStops(t *testing.T) {
	m := clock.NewManualTimers(t0)
	tk := m.NewTicker(5 * time.Second)
	if m.Waiting() != 1 {
		t.Fatalf("waiting %d, want the ticker", m.Waiting())
	}
	for i := 1; i <= 3; i++ {
		m.Advance(5 * time.Second)
		at, ok := ready(tk.C())
		if !ok || !at.Equal(t0.Add(time.Duration(i)*5*time.Second)) {
			t.Fatalf("tick %d: %v, %v", i, at, ok)
		}
	}
	// A slow reader gets one tick for several intervals, and the next
	// tick stays on the grid.
	m.Advance(12 * time.Second)
	if _, ok := ready(tk.C()); !ok {
		t.Fatal("no tick after 12s")
	}
	if _, ok := ready(tk.C()); ok {
		t.Fatal("more than one tick buffered")
	}
	m.Advance(3 * time.Second) // t0+30s
	if at, ok := ready(tk.C()); !ok || !at.Equal(t0.Add(30*time.Second)) {
		t.Fatalf("tick on the grid: %v, %v; want t0+30s", at, ok)
	}
	tk.Stop()
	m.Advance(time.Minute)
	if _, ok := ready(tk.C()); ok {
		t.Fatal("stopped ticker ticked")
	}
	if m.Waiting() != 0 {
		t.Fatalf("stopped ticker still waits (%d)", m.Waiting())
	}
}

func TestRealTimers_TickAndAfter(t *testing.T) {
	var r clock.RealTimers
	tk := r.NewTicker(time.Millisecond)
	defer tk.Stop()
	select {
	case <-tk.C():
	case <-time.After(5 * time.Second):
		t.Fatal("real ticker did not tick within 5s")
	}
	select {
	case <-r.After(time.Millisecond):
	case <-time.After(5 * time.Second):
		t.Fatal("real After did not fire within 5s")
	}
}
