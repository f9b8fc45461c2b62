// Package clock tells the terminal what time it is and whether that time
// can be trusted. The system implementation asks the kernel (adjtimex)
// whether the clock is synchronised; tests inject a fake.
package clock

import (
	"sync"
	"time"
)

// Clock is the wall clock with its trust state.
type Clock interface {
	Now() time.Time
	// Synced reports whether the system clock is synchronised (NTP).
	Synced() bool
}

// Earliest is the earliest time a punch may carry when it is sent: a board
// without a real-time clock boots in 1970 or at its last saved time.
var Earliest = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// Fake is a settable clock for tests.
type Fake struct {
	mu     sync.Mutex
	now    time.Time
	synced bool
}

// NewFake returns a synchronised fake clock at t.
func NewFake(t time.Time) *Fake { return &Fake{now: t, synced: true} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Synced returns the fake sync state.
func (f *Fake) Synced() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.synced
}

// Set moves the fake clock to t.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	f.now = t
	f.mu.Unlock()
}

// Advance moves the fake clock forward by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// SetSynced sets the fake sync state.
func (f *Fake) SetSynced(s bool) {
	f.mu.Lock()
	f.synced = s
	f.mu.Unlock()
}
