// Package mailbox holds Latest: a one-slot mailbox where the newest value
// wins, for a sender that must never wait on its receiver (a tap's
// feedback must not wait for a display or a buzzer).
package mailbox

import "sync/atomic"

// Latest holds the newest value not yet taken: a newer one replaces it.
// Once closed it takes no more. The zero value is not usable; use New.
type Latest[T any] struct {
	ch     chan T
	closed atomic.Bool
}

// New returns an empty Latest.
func New[T any]() *Latest[T] { return &Latest[T]{ch: make(chan T, 1)} }

// Put offers v and returns at once, replacing a value still waiting.
// After Close it does nothing.
func (l *Latest[T]) Put(v T) {
	if l.closed.Load() {
		return
	}
	for {
		select {
		case l.ch <- v:
			return
		default:
		}
		// Full: drop the stale value and try again.
		select {
		case <-l.ch:
		default:
		}
	}
}

// C is where the receiver takes the values.
func (l *Latest[T]) C() <-chan T { return l.ch }

// Close makes Put do nothing from now on. A value waiting stays in C.
func (l *Latest[T]) Close() { l.closed.Store(true) }
