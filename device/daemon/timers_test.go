package daemon

import (
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"stampclock/device/clock"
)

// countedTimers are manual timers that count the one-shot waits asked for,
// so a test knows a loop is waiting before it moves time.
type countedTimers struct {
	*clock.ManualTimers
	afters atomic.Int32
}

func (c *countedTimers) After(d time.Duration) <-chan time.Time {
	ch := c.ManualTimers.After(d)
	c.afters.Add(1)
	return ch
}

func TestDaemon_ReaderReopen_PacedByInjectedTimers(t *testing.T) {
	h := newHarness(t)
	dev := filepath.Join(h.dir, "no-such-reader-event-kbd")
	cfg := h.config("[reader]\ntype = \"keyboard\"\n[reader.keyboard]\ndevice = \"" + dev + "\"\n")
	timers := &countedTimers{ManualTimers: clock.NewManualTimers(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))}
	h.startWith(cfg, Options{Timers: timers})
	openErrors := func() uint64 { return h.status().ReaderHealth.Counters["open_errors"] }

	// The reader's reopen is the only one-shot wait in this daemon.
	h.eventually("the reopen waiting", func() bool { return timers.afters.Load() == 1 })
	if n := openErrors(); n != 1 {
		t.Fatalf("open errors before any time passed: %d, want 1", n)
	}
	timers.Advance(time.Second)
	h.eventually("a second attempt after 1s", func() bool { return openErrors() == 2 && timers.afters.Load() == 2 })
	timers.Advance(time.Second) // the wait doubled to 2s
	if n := openErrors(); n != 2 {
		t.Fatalf("open errors 1s into a 2s wait: %d, want 2", n)
	}
	timers.Advance(time.Second)
	h.eventually("a third attempt after 2s more", func() bool { return openErrors() == 3 })
}
