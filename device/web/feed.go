package web

import (
	"sync"
	"time"

	"stampclock/device/feedback"
	"stampclock/queue/record"
)

// Tap is one tap as the taps page shows it.
type Tap struct {
	At     time.Time
	UID    string
	Email  string
	Result string // start_ok, stop_ok, unknown_badge, … (feedback kind)
	Action string // start or stop, when a punch was committed
	Seqs   []uint64
	Err    string
}

// Feed keeps the last taps and hands new ones to the open taps pages.
// Add is the daemon's tap observer.
type Feed struct {
	size int
	now  func() time.Time

	mu   sync.Mutex
	last []Tap // oldest first
	subs map[chan Tap]struct{}
}

// NewFeed keeps the last size taps (default 50); now stamps taps that
// committed nothing (nil: time.Now).
func NewFeed(size int, now func() time.Time) *Feed {
	if size <= 0 {
		size = 50
	}
	if now == nil {
		now = time.Now
	}
	return &Feed{size: size, now: now, subs: map[chan Tap]struct{}{}}
}

// Add records a tap's outcome.
func (f *Feed) Add(o feedback.Outcome) {
	t := Tap{At: f.now(), UID: o.UID, Email: o.Email, Result: o.Kind.String()}
	for _, r := range o.Records {
		t.Seqs = append(t.Seqs, r.Seq)
		if r.Kind == record.KindPunch {
			t.Action, t.At = r.Action, r.At
		}
	}
	if o.Err != nil {
		t.Err = o.Err.Error()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last = append(f.last, t)
	if len(f.last) > f.size {
		f.last = f.last[len(f.last)-f.size:]
	}
	for ch := range f.subs {
		select {
		case ch <- t:
		default: // a slow page misses a tap; it sees it on reload
		}
	}
}

// Last returns the kept taps, newest first.
func (f *Feed) Last() []Tap {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Tap, len(f.last))
	for i, t := range f.last {
		out[len(out)-1-i] = t
	}
	return out
}

// subscribe returns a channel of new taps and its cancel function.
func (f *Feed) subscribe() (<-chan Tap, func()) {
	ch := make(chan Tap, 16)
	f.mu.Lock()
	f.subs[ch] = struct{}{}
	f.mu.Unlock()
	return ch, func() {
		f.mu.Lock()
		delete(f.subs, ch)
		f.mu.Unlock()
	}
}
