package daemon

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"stampclock/device/clock"
	"stampclock/uplink/zeiterfassung/zeittest"
)

// countedTimers are manual timers that count the one-shot waits asked for,
// by length, so a test knows a loop is waiting before it moves time.
type countedTimers struct {
	*clock.ManualTimers
	mu     sync.Mutex
	afters map[time.Duration]int
}

func newCountedTimers() *countedTimers {
	return &countedTimers{
		ManualTimers: clock.NewManualTimers(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)),
		afters:       map[time.Duration]int{},
	}
}

func (c *countedTimers) After(d time.Duration) <-chan time.Time {
	ch := c.ManualTimers.After(d)
	c.mu.Lock()
	c.afters[d]++
	c.mu.Unlock()
	return ch
}

// asked returns how many waits of length d were asked for.
func (c *countedTimers) asked(d time.Duration) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.afters[d]
}

func TestDaemon_ReaderReopen_PacedByInjectedTimers(t *testing.T) {
	h := newHarness(t)
	dev := filepath.Join(h.dir, "no-such-reader-event-kbd")
	cfg := h.config("[reader]\ntype = \"keyboard\"\n[reader.keyboard]\ndevice = \"" + dev + "\"\n")
	timers := newCountedTimers()
	h.startWith(cfg, Options{Timers: timers})
	openErrors := func() uint64 { return h.status().ReaderHealth.Counters["open_errors"] }

	// The reader's reopen waits 1s, then 2s (no other loop of this daemon
	// waits that long once: the uplink's runner idles for 30s).
	h.eventually("the reopen waiting", func() bool { return timers.asked(time.Second) == 1 })
	if n := openErrors(); n != 1 {
		t.Fatalf("open errors before any time passed: %d, want 1", n)
	}
	timers.Advance(time.Second)
	h.eventually("a second attempt after 1s", func() bool { return openErrors() == 2 && timers.asked(2*time.Second) == 1 })
	timers.Advance(time.Second) // the wait doubled to 2s
	if n := openErrors(); n != 2 {
		t.Fatalf("open errors 1s into a 2s wait: %d, want 2", n)
	}
	timers.Advance(time.Second)
	h.eventually("a third attempt after 2s more", func() bool { return openErrors() == 3 })
}

// The uplink's runner waits on the daemon's timers: a receiver's
// Retry-After of a minute is kept to the second and passes in no wall
// time.
func TestDaemon_UplinkBackoff_PacedByInjectedTimers(t *testing.T) {
	h := newHarness(t)
	h.zs.FailCreates(1, zeittest.Fault{Status: 503, RetryAfter: "60"})
	timers := newCountedTimers()
	h.startWith(h.config(""), Options{Timers: timers})
	h.tap("04A1B2C3", "2026-06-01T07:00:00Z")
	h.tap("04A1B2C3", "2026-06-01T15:00:00Z")

	h.eventually("the runner waiting out the Retry-After", func() bool { return timers.asked(time.Minute) == 1 })
	timers.Advance(59 * time.Second)
	if n := len(h.zs.Entries()); n != 0 {
		t.Fatalf("%d entries delivered 59s into a 60s Retry-After", n)
	}
	if st := h.status(); len(st.Uplinks) != 1 || st.Uplinks[0].State != "backoff" || st.Uplinks[0].Failures != 1 {
		t.Fatalf("uplinks 59s into the Retry-After: %+v", st.Uplinks)
	}
	timers.Advance(time.Second)
	h.eventually("delivered once the minute is up", func() bool { return len(h.zs.Entries()) == 1 })
}

// A script's sleep waits on the daemon's timers: an hour between a start
// and a stop passes in no wall time, and the stop comes only when it is up.
func TestDaemon_ScriptSleep_PacedByInjectedTimers(t *testing.T) {
	h := newHarness(t)
	script := filepath.Join(h.dir, "day.taps")
	text := "2026-06-01T07:00:00Z 04A1B2C3\nsleep 1h\n2026-06-01T15:00:00Z 04A1B2C3\n"
	if err := os.WriteFile(script, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	timers := newCountedTimers()
	h.startWith(h.config(fmt.Sprintf("[reader]\nscript = %q\n", script)), Options{Timers: timers})

	h.eventually("the start tapped and the script sleeping", func() bool {
		return h.status().Taps.Starts == 1 && timers.asked(time.Hour) == 1
	})
	timers.Advance(59 * time.Minute)
	if st := h.status(); st.Taps.Stops != 0 {
		t.Fatalf("taps 59m into the script's hour: %+v", st.Taps)
	}
	timers.Advance(time.Minute)
	h.eventually("the stop tapped and its entry delivered", func() bool { return len(h.zs.Entries()) == 1 })
	if st := h.status(); st.Taps.Starts != 1 || st.Taps.Stops != 1 {
		t.Fatalf("taps = %+v, want one start and one stop", st.Taps)
	}
}
