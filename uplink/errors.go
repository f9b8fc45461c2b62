package uplink

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Class says what the delivery loop should do after a failed send.
type Class int

const (
	// Retry: the receiver certainly did not store the record (connection
	// refused, 429, 401, DNS failure). Send again after a backoff.
	Retry Class = iota
	// Uncertain: the request may have reached the receiver and been stored
	// (timeout, connection dropped after the request was written, 5xx).
	// Reconcile with the receiver before sending again.
	Uncertain
	// Permanent: the receiver rejected the record (400, 404, 422). Sending it
	// again unchanged will not help; it goes to the dead letters.
	Permanent
	// Hold: the record must not be sent yet (its time is not trustworthy, its
	// day is locked). It waits, with the reason, until it is released.
	Hold
	// Withdrawn: the record must never be sent: a retraction withdrew it
	// (shifts across terminals). It is settled as withdrawn, not sent.
	Withdrawn
)

func (c Class) String() string {
	switch c {
	case Retry:
		return "retry"
	case Uncertain:
		return "uncertain"
	case Permanent:
		return "permanent"
	case Hold:
		return "hold"
	case Withdrawn:
		return "withdrawn"
	}
	return fmt.Sprintf("class(%d)", int(c))
}

// Error is a classified delivery failure.
type Error struct {
	Class Class
	// Status is the HTTP status, 0 when there was no answer.
	Status int
	// Msg is the receiver's message (e.g. the error body), kept with a
	// dead-lettered record. Never holds a secret.
	Msg string
	// RetryAfter is the wait the receiver asked for (Retry-After), 0 if none.
	RetryAfter time.Duration
	// Err is the underlying error, if any.
	Err error
	// MaybeStored tells that the receiver may hold the record or a part of
	// it (an earlier part of a split record was stored, or the outcome is
	// unknown), whatever Class says: any later attempt must reconcile
	// first, even after a rejection sent it to the dead letters.
	MaybeStored bool
}

// Error says the cause once, for people: the HTTP status, the receiver's
// message, the underlying error. The class is for the delivery loop (it
// shows in the log's class attribute), so only an otherwise empty error
// names it.
func (e *Error) Error() string {
	var parts []string
	if e.Status != 0 {
		parts = append(parts, fmt.Sprintf("HTTP %d", e.Status))
	}
	if e.Msg != "" {
		parts = append(parts, e.Msg)
	}
	if e.Err != nil {
		parts = append(parts, e.Err.Error())
	}
	if len(parts) == 0 {
		return e.Class.String()
	}
	return strings.Join(parts, ": ")
}

func (e *Error) Unwrap() error { return e.Err }

// ClassOf returns the class of err: the class of an *Error in its chain, or
// Uncertain for any other error (the safe assumption for an unknown failure).
func ClassOf(err error) Class {
	var ue *Error
	if errors.As(err, &ue) {
		return ue.Class
	}
	return Uncertain
}

// MaybeStoredOf tells whether the receiver may hold (part of) the record
// err is about: err is Uncertain, or an *Error in its chain says so.
func MaybeStoredOf(err error) bool {
	if ClassOf(err) == Uncertain {
		return true
	}
	for err != nil {
		if ue, ok := err.(*Error); ok && ue.MaybeStored {
			return true
		}
		err = errors.Unwrap(err)
	}
	return false
}

// RetryAfterOf returns the wait the receiver asked for, or 0.
func RetryAfterOf(err error) time.Duration {
	var ue *Error
	if errors.As(err, &ue) {
		return ue.RetryAfter
	}
	return 0
}

// Unsure marks err as leaving a record's state on the receiver unknown:
// Uncertain, so the next attempt reconciles first, keeping err's status
// and Retry-After. A Permanent err stays Permanent (asking again the same
// way will not help) but keeps MaybeStored, so a retried dead letter is
// reconciled before anything is sent again.
func Unsure(err error, msg string) *Error {
	ue := &Error{Class: Uncertain, Msg: msg, Err: err, MaybeStored: true}
	var inner *Error
	if errors.As(err, &inner) {
		ue.Status, ue.RetryAfter = inner.Status, inner.RetryAfter
		if inner.Class == Permanent {
			ue.Class = Permanent
		}
	}
	return ue
}

// Partial is err after delivered of total parts (segments, reports, days)
// of one record were stored: Unsure, so the next attempt reconciles the
// parts already there. With none delivered it is err itself.
func Partial(err error, delivered, total int, parts string) error {
	if delivered == 0 {
		return err
	}
	return Unsure(err, fmt.Sprintf("%d of %d %s delivered before this one failed", delivered, total, parts))
}
