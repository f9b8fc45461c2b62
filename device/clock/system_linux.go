package clock

import (
	"time"

	"golang.org/x/sys/unix"
)

// staUnsync is the kernel's STA_UNSYNC status bit.
const staUnsync = 0x0040

// System is the machine's clock; Synced asks the kernel via adjtimex.
type System struct{}

// Now returns time.Now().
func (System) Now() time.Time { return time.Now() }

// Synced reports whether the kernel considers the clock synchronised: the
// adjtimex state is not TIME_ERROR and STA_UNSYNC is clear.
func (System) Synced() bool {
	var tx unix.Timex // Modes 0: read only
	state, err := unix.Adjtimex(&tx)
	if err != nil {
		return false
	}
	return state != unix.TIME_ERROR && tx.Status&staUnsync == 0
}
