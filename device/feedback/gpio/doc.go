// Package gpio shows feedback events on a buzzer and a green and a red LED
// wired to GPIO pins of the terminal (through periph.io).
//
// Each part is optional, and each can be wired active-high (on = pin high)
// or active-low (on = pin low). The buzzer is an active buzzer: it sounds
// while its pin is on. Passive buzzers that need a PWM tone are not
// supported.
//
// # Patterns
//
// Every kind of feedback has its own pattern, defined as data (see Pattern
// and PatternFor) so tests can check it step by step. Times are from the
// start of the pattern; after the last step everything is off.
//
//	Kind            LEDs                                   Buzzer
//	StartOK         green on 0–1 s                         one short beep (100 ms)
//	StopOK          green on 0–1 s                         two short beeps (100 ms, gap 100 ms)
//	AlreadyStamped  green blinks 3× (150 ms on/off), 750 ms one very short beep (40 ms)
//	UnknownBadge    red on 0–1.5 s                         one long beep (400 ms)
//	Error           red blinks 5×: 3 with the beeps, then  three long beeps (400 ms, gap 200 ms)
//	                2 × 200 ms, 2.4 s in all
//	Enrolled        green and red on 0–0.8 s               one beep (200 ms) from 0.6 s
//
// Error means the punch was NOT stored; it is the longest and loudest
// pattern on purpose. Unknown kinds switch everything off.
//
// # Never blocking
//
// Show hands the event to the Output's own goroutine through a channel of
// capacity one and returns at once, even if a pin write hangs. The newest
// event wins: one still waiting is replaced, and a pattern that is playing
// is cut short so the next tap's feedback starts immediately. Close stops
// the goroutine and switches every output off.
//
// This package does not decide what to show; the caller maps a tap's
// outcome to a feedback.Event. It does not drive displays (see package
// display).
package gpio
