package clock

import (
	"sort"
	"sync"
	"time"
)

// Timers starts the waits of the daemon's loops: tickers for polls and
// one-shot waits. RealTimers runs them on the machine's monotonic clock;
// tests inject ManualTimers and move time themselves.
type Timers interface {
	// After returns a channel that receives the time once d has passed.
	After(d time.Duration) <-chan time.Time
	// NewTicker returns a ticker that ticks every d (d > 0).
	NewTicker(d time.Duration) Ticker
}

// Ticker is a started ticker: C delivers the ticks (a slow reader misses
// some, as with time.Ticker), Stop ends them.
type Ticker interface {
	C() <-chan time.Time
	Stop()
}

// RealTimers are the time package's timers and tickers.
type RealTimers struct{}

// After is time.After.
func (RealTimers) After(d time.Duration) <-chan time.Time { return time.After(d) }

// NewTicker is time.NewTicker.
func (RealTimers) NewTicker(d time.Duration) Ticker { return realTicker{time.NewTicker(d)} }

type realTicker struct{ t *time.Ticker }

func (r realTicker) C() <-chan time.Time { return r.t.C }
func (r realTicker) Stop()               { r.t.Stop() }

// ManualTimers are timers for tests: time stands still until Advance moves
// it, and then every wait and tick that has come due fires at once. Safe
// for concurrent use.
type ManualTimers struct {
	mu      sync.Mutex
	now     time.Time
	waiting []*manualTimer
}

type manualTimer struct {
	due    time.Time
	every  time.Duration // 0: a one-shot After
	ch     chan time.Time
	parent *ManualTimers
}

// NewManualTimers returns timers whose time starts at t.
func NewManualTimers(t time.Time) *ManualTimers { return &ManualTimers{now: t} }

// After returns a channel that receives the time once Advance has moved it
// by d; at once for d <= 0.
func (m *ManualTimers) After(d time.Duration) <-chan time.Time {
	return m.add(d, 0).ch
}

// NewTicker returns a ticker firing each time Advance passes a multiple of
// d since now. It panics for d <= 0, as time.NewTicker does.
func (m *ManualTimers) NewTicker(d time.Duration) Ticker {
	if d <= 0 {
		panic("clock: non-positive interval for NewTicker")
	}
	return m.add(d, d)
}

func (m *ManualTimers) add(d, every time.Duration) *manualTimer {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := &manualTimer{due: m.now.Add(d), every: every, ch: make(chan time.Time, 1), parent: m}
	if every == 0 && d <= 0 {
		t.ch <- m.now
		return t
	}
	m.waiting = append(m.waiting, t)
	return t
}

// Waiting returns how many timers and tickers are waiting: a test waits
// for a loop to have started its ticker before it advances time.
func (m *ManualTimers) Waiting() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.waiting)
}

// Advance moves time by d and fires what came due, in the order of their
// due times. A ticker that came due several times delivers one tick (its
// channel holds one), like time.Ticker with a slow reader.
func (m *ManualTimers) Advance(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = m.now.Add(d)
	sort.SliceStable(m.waiting, func(i, j int) bool { return m.waiting[i].due.Before(m.waiting[j].due) })
	keep := m.waiting[:0]
	for _, t := range m.waiting {
		if t.due.After(m.now) {
			keep = append(keep, t)
			continue
		}
		select {
		case t.ch <- t.due:
		default:
		}
		if t.every > 0 {
			for !t.due.After(m.now) {
				t.due = t.due.Add(t.every)
			}
			keep = append(keep, t)
		}
	}
	m.waiting = keep
}

func (t *manualTimer) C() <-chan time.Time { return t.ch }

func (t *manualTimer) Stop() {
	m := t.parent
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, w := range m.waiting {
		if w == t {
			m.waiting = append(m.waiting[:i], m.waiting[i+1:]...)
			return
		}
	}
}
