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
	// Boot returns the id of the current boot and the time since boot
	// (CLOCK_BOOTTIME: monotonic, counts suspend, survives wall-clock steps
	// and process restarts within the boot).
	Boot() (id string, sinceBoot time.Duration)
}

// Earliest is the earliest time a punch may carry when it is sent: a board
// without a real-time clock boots in 1970 or at its last saved time.
var Earliest = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// Trusted reports whether a wall-clock reading t can be trusted: the clock
// was synchronised and t is not before min (the build date, or Earliest).
func Trusted(t time.Time, synced bool, min time.Time) bool {
	if min.Before(Earliest) {
		min = Earliest
	}
	return synced && !t.Before(min)
}

// Fake is a settable clock for tests. Advance moves wall clock and
// monotonic time together; Set steps only the wall clock (like NTP or an
// operator would), which is what time-integrity tests need.
type Fake struct {
	mu     sync.Mutex
	now    time.Time
	mono   time.Duration
	boot   string
	synced bool
}

// NewFake returns a synchronised fake clock at t, 1 minute after boot
// "fake-boot".
func NewFake(t time.Time) *Fake {
	return &Fake{now: t, synced: true, boot: "fake-boot", mono: time.Minute}
}

// Boot returns the fake boot id and time since boot.
func (f *Fake) Boot() (string, time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.boot, f.mono
}

// Reboot starts a new fake boot with id, at wall time t, unsynchronised.
func (f *Fake) Reboot(id string, t time.Time) {
	f.mu.Lock()
	f.boot, f.now, f.mono, f.synced = id, t, 5*time.Second, false
	f.mu.Unlock()
}

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

// Set steps the fake wall clock to t; monotonic time does not move.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	f.now = t
	f.mu.Unlock()
}

// Advance moves the fake clock forward by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mono += d
	f.mu.Unlock()
}

// SetSynced sets the fake sync state.
func (f *Fake) SetSynced(s bool) {
	f.mu.Lock()
	f.synced = s
	f.mu.Unlock()
}
