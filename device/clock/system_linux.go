package clock

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// staUnsync is the kernel's STA_UNSYNC status bit.
const staUnsync = 0x0040

// DefaultBootIDPath is where Linux publishes the id of the current boot.
const DefaultBootIDPath = "/proc/sys/kernel/random/boot_id"

// System is the machine's clock; Synced asks the kernel via adjtimex.
type System struct {
	// BootIDPath overrides DefaultBootIDPath (tests).
	BootIDPath string

	once   sync.Once
	bootID string
}

// Now returns time.Now().
func (*System) Now() time.Time { return time.Now() }

// Boot returns the kernel's boot id (read once) and CLOCK_BOOTTIME.
func (s *System) Boot() (string, time.Duration) {
	s.once.Do(func() {
		p := s.BootIDPath
		if p == "" {
			p = DefaultBootIDPath
		}
		if b, err := os.ReadFile(p); err == nil {
			s.bootID = strings.TrimSpace(string(b))
		}
	})
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return s.bootID, 0
	}
	return s.bootID, time.Duration(ts.Nano())
}

// Synced reports whether the kernel considers the clock synchronised: the
// adjtimex state is not TIME_ERROR and STA_UNSYNC is clear.
func (*System) Synced() bool {
	ok, _ := SyncState()
	return ok
}

// SyncState asks the kernel (adjtimex, read only) whether the clock is
// synchronised; the error says when it cannot tell (a seccomp filter that
// refuses adjtimex answers EPERM).
func SyncState() (bool, error) {
	var tx unix.Timex // Modes 0: read only
	state, err := unix.Adjtimex(&tx)
	if err != nil {
		return false, fmt.Errorf("adjtimex: %w", err)
	}
	return state != unix.TIME_ERROR && tx.Status&staUnsync == 0, nil
}
