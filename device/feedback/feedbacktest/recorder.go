// Package feedbacktest provides a feedback output that records events, for
// tests of everything that gives feedback.
package feedbacktest

import (
	"sync"

	"stampclock/device/feedback"
)

// Recorder records every event shown. It never blocks.
type Recorder struct {
	mu     sync.Mutex
	events []feedback.Event
	notify chan struct{}
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{notify: make(chan struct{}, 1)} }

// Show records ev.
func (r *Recorder) Show(ev feedback.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

// Events returns a copy of the recorded events.
func (r *Recorder) Events() []feedback.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]feedback.Event(nil), r.events...)
}

// Kinds returns the recorded kinds in order.
func (r *Recorder) Kinds() []feedback.Kind {
	var ks []feedback.Kind
	for _, e := range r.Events() {
		ks = append(ks, e.Kind)
	}
	return ks
}

// Notify is signalled (without blocking) after each event.
func (r *Recorder) Notify() <-chan struct{} { return r.notify }
