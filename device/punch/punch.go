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

// Decide applies the rules to a tap at time at by employee e. lastTap, if
// not zero, is the previous accepted punch as this process saw it (with a
// monotonic reading); it takes precedence over e.LastTap so a wall-clock
// step does not stretch or shrink the repeat window.
func Decide(e queue.Employee, lastTap, at time.Time, r Rules) Decision {
	if lastTap.IsZero() {
		lastTap = e.LastTap
	}
	if !lastTap.IsZero() {
		since := at.Sub(lastTap)
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
	if at.Sub(e.Start) > r.MaxShift {
		return Decision{Action: Start, MissingStop: true}
	}
	return Decision{Action: Stop}
}
