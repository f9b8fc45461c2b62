package gpio

import (
	"time"

	"stampclock/device/feedback"
)

// Step is one stretch of a pattern: the state of the three outputs and how
// long it is held. true means "on" (LED lit, buzzer sounding), regardless of
// whether the pin is wired active-high or active-low.
type Step struct {
	Buzzer bool
	Green  bool
	Red    bool
	// D is how long the state is held before the next step.
	D time.Duration
}

// Pattern is a sequence of steps played in order. After the last step every
// output is switched off.
type Pattern []Step

// Duration is the total length of the pattern.
func (p Pattern) Duration() time.Duration {
	var d time.Duration
	for _, s := range p {
		d += s.D
	}
	return d
}

// Durations the patterns are built from.
const (
	veryShortBeep = 40 * time.Millisecond
	shortBeep     = 100 * time.Millisecond
	longBeep      = 400 * time.Millisecond
	blink         = 150 * time.Millisecond
	errorGap      = 200 * time.Millisecond
)

// PatternFor returns the pattern for a kind of feedback, and false for an
// unknown kind. The returned slice is fresh; callers may modify it.
func PatternFor(k feedback.Kind) (Pattern, bool) {
	switch k {
	case feedback.StartOK:
		// Green on for 1 s, one short beep at the start.
		return Pattern{
			{Green: true, Buzzer: true, D: shortBeep},
			{Green: true, D: time.Second - shortBeep},
		}, true
	case feedback.StopOK:
		// Green on for 1 s, two short beeps at the start.
		return Pattern{
			{Green: true, Buzzer: true, D: shortBeep},
			{Green: true, D: shortBeep},
			{Green: true, Buzzer: true, D: shortBeep},
			{Green: true, D: time.Second - 3*shortBeep},
		}, true
	case feedback.AlreadyStamped:
		// Green blinks three times, one very short beep at the start.
		return Pattern{
			{Green: true, Buzzer: true, D: veryShortBeep},
			{Green: true, D: blink - veryShortBeep},
			{D: blink},
			{Green: true, D: blink},
			{D: blink},
			{Green: true, D: blink},
		}, true
	case feedback.UnknownBadge:
		// Red on for 1.5 s, one long beep at the start.
		return Pattern{
			{Red: true, Buzzer: true, D: longBeep},
			{Red: true, D: 1500*time.Millisecond - longBeep},
		}, true
	case feedback.Error:
		// Red blinks with three long beeps, then blinks twice more.
		return Pattern{
			{Red: true, Buzzer: true, D: longBeep},
			{D: errorGap},
			{Red: true, Buzzer: true, D: longBeep},
			{D: errorGap},
			{Red: true, Buzzer: true, D: longBeep},
			{D: errorGap},
			{Red: true, D: errorGap},
			{D: errorGap},
			{Red: true, D: errorGap},
		}, true
	case feedback.Enrolled:
		// Green and red together, then a beep while both stay on.
		return Pattern{
			{Green: true, Red: true, D: 600 * time.Millisecond},
			{Green: true, Red: true, Buzzer: true, D: 200 * time.Millisecond},
		}, true
	}
	return nil, false
}
