// Package punch holds the rules that turn a known badge's tap into a start,
// a stop or nothing. It is pure: it reads an employee's state and the tap
// time and returns a decision; storing it is the agent's job.
package punch

import (
	"time"

	"stampclock/queue"
)

// Rules are the configurable punch rules.
type Rules struct {
	// RepeatWindow: a tap by the same employee within this time of the last
	// accepted punch is ignored ("already stamped"). Default 60s.
	RepeatWindow time.Duration
	// MaxShift: an open shift older than this when the next tap comes is
	// closed as a "missing stop" anomaly and the tap starts a new shift.
	// Default 16h.
	MaxShift time.Duration
}

// DefaultRules are the rules used when none are configured.
var DefaultRules = Rules{RepeatWindow: 60 * time.Second, MaxShift: 16 * time.Hour}

// Action is what a tap does.
type Action int

// Actions.
const (
	Ignore Action = iota // within the repeat window: not a punch
	Start                // starts a shift
	Stop                 // stops the open shift
)

func (a Action) String() string {
	switch a {
	case Start:
		return "start"
	case Stop:
		return "stop"
	}
	return "ignore"
}

// Decision is the outcome of Decide.
type Decision struct {
	Action Action
	// MissingStop is set with Start when the employee's open shift was older
	// than MaxShift: that start is kept as a missing-stop anomaly.
	MissingStop bool
}

// Elapsed is how much time passed, measured by the agent on the monotonic
// clock where it can (same boot) and on the wall clock otherwise.
type Elapsed struct {
	// SinceLast is the time since the employee's last accepted punch;
	// HaveLast is false if there was none.
	SinceLast time.Duration
	HaveLast  bool
	// ShiftAge is the age of the open shift (if one is open).
	ShiftAge time.Duration
}

// Since returns the time from one reading to another: from the monotonic
// readings when both are from the same boot (a wall-clock step does not
// change it), else from the wall-clock times.
func Since(fromWall time.Time, fromBoot string, fromMono time.Duration, toWall time.Time, toBoot string, toMono time.Duration) time.Duration {
	if fromBoot != "" && fromBoot == toBoot {
		return toMono - fromMono
	}
	return toWall.Sub(fromWall)
}

// Decide applies the rules to a tap by employee e.
func Decide(e queue.Employee, el Elapsed, r Rules) Decision {
	if el.HaveLast {
		since := el.SinceLast
		if since < 0 {
			since = -since
		}
		if since < r.RepeatWindow {
			return Decision{Action: Ignore}
		}
	}
	if !e.Open {
		return Decision{Action: Start}
	}
	if el.ShiftAge > r.MaxShift {
		return Decision{Action: Start, MissingStop: true}
	}
	return Decision{Action: Stop}
}
