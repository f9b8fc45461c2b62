// Package feedback defines what the terminal tells the person at the reader
// (start OK, stop OK, already stamped, unknown badge, error) and the outputs
// that show it: a logger, GPIO buzzer and LEDs, an SSD1306 display, and a
// recorder for tests. Outputs must never block the caller: a slow display
// must not delay the next tap.
package feedback

import (
	"fmt"
	"time"
)

// Kind is the outcome of a tap as shown to the employee.
type Kind int

// Feedback kinds. Each has its own beep and LED pattern.
const (
	StartOK        Kind = iota + 1 // shift started and committed
	StopOK                         // shift stopped and committed
	AlreadyStamped                 // same badge again within the repeat window: ignored
	UnknownBadge                   // badge not enrolled
	Error                          // the punch could not be stored: it did NOT count
	Enrolled                       // badge bound to an employee (enrolment)
)

func (k Kind) String() string {
	switch k {
	case StartOK:
		return "start_ok"
	case StopOK:
		return "stop_ok"
	case AlreadyStamped:
		return "already_stamped"
	case UnknownBadge:
		return "unknown_badge"
	case Error:
		return "error"
	case Enrolled:
		return "enrolled"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Event is one piece of feedback.
type Event struct {
	Kind  Kind
	UID   string    // badge UID, uppercase hex
	Email string    // employee, if known
	Name  string    // display name, if known
	At    time.Time // time of the tap
	// Msg is a short human-readable note (e.g. the store error); no secrets.
	Msg string
	// DayTotal is the employee's total of the day, set with a StopOK when
	// known (0 otherwise).
	DayTotal time.Duration
	// Printed is the UID as printed on the card where that differs from
	// the hex (EM4100 "0126153249  132,61985", Wiegand "18,13398"), else "".
	Printed string
}
