package gpio

import (
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"

	"stampclock/internal/waitfor"
)

// recPin is a gpio.PinOut that records every level written to it. If gate
// is set, Out waits for a value on it before recording (a hung pin).
type recPin struct {
	name string

	mu     sync.Mutex
	levels []gpio.Level
	err    error // returned by Out when set
	gate   chan struct{}
}

func (p *recPin) String() string                        { return p.name }
func (p *recPin) Halt() error                           { return nil }
func (p *recPin) Name() string                          { return p.name }
func (p *recPin) Number() int                           { return -1 }
func (p *recPin) Function() string                      { return "Out" }
func (p *recPin) PWM(gpio.Duty, physic.Frequency) error { return nil }
func (p *recPin) setGate(g chan struct{})               { p.mu.Lock(); p.gate = g; p.mu.Unlock() }
func (p *recPin) setErr(err error)                      { p.mu.Lock(); p.err = err; p.mu.Unlock() }
func (p *recPin) history() []gpio.Level {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]gpio.Level(nil), p.levels...)
}
func (p *recPin) last() gpio.Level { h := p.history(); return h[len(h)-1] }
func (p *recPin) count() int       { p.mu.Lock(); defer p.mu.Unlock(); return len(p.levels) }

func (p *recPin) Out(l gpio.Level) error {
	p.mu.Lock()
	gate := p.gate
	p.mu.Unlock()
	if gate != nil {
		<-gate
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	p.levels = append(p.levels, l)
	return nil
}

// wait is one call to fakeClock.After; the test fires it.
type wait struct {
	d  time.Duration
	ch chan time.Time
}

func (w wait) fire() { w.ch <- time.Time{} }

// fakeClock hands every After call to the test instead of waiting.
type fakeClock struct{ waits chan wait }

func newFakeClock() *fakeClock { return &fakeClock{waits: make(chan wait, 128)} }

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	w := wait{d: d, ch: make(chan time.Time, 1)}
	c.waits <- w
	return w.ch
}

// next returns the next wait the player started.
func (c *fakeClock) next(t *testing.T) wait {
	t.Helper()
	select {
	case w := <-c.waits:
		return w
	case <-time.After(5 * time.Second):
		t.Fatal("player started no wait within 5s")
		return wait{}
	}
}

// eventually polls cond until it holds or the test times out.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitfor.Until(t, 5*time.Second, what, cond)
}
