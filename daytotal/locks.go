package daytotal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"stampclock/queue"
	"stampclock/uplink"
)

// LockSource tells which days are locked for an employee.
type LockSource interface {
	// LockedDays returns the locked days of email from from to to,
	// inclusive.
	LockedDays(ctx context.Context, email string, from, to Date) ([]Date, error)
}

// HeldError says an entry must not be sent because a day it falls on is
// locked in the time-tracking system. Locks.Check returns it inside an
// error of class uplink.Hold, so the delivery loop holds the entry (not
// sent, not dead-lettered) and shows Reason; find it with IsHeld.
type HeldError struct {
	Seq    uint64
	Email  string
	Days   []Date // the entry's locked days
	Reason string // for people: stampctl, MQTT status
}

// Error is the reason alone: the uplink.Hold error around it says "hold"
// and the queue keeps the text, said once.
func (e *HeldError) Error() string { return e.Reason }

// IsHeld returns the *HeldError in err's chain, if any.
func IsHeld(err error) (*HeldError, bool) {
	var h *HeldError
	ok := errors.As(err, &h)
	return h, ok
}

// Locks vets entries against locked days.
type Locks struct {
	src LockSource
	loc *time.Location
}

// NewLocks returns Locks asking src, with days in loc.
func NewLocks(src LockSource, loc *time.Location) (*Locks, error) {
	if src == nil || loc == nil {
		return nil, errors.New("daytotal: NewLocks needs a LockSource and a Location")
	}
	return &Locks{src: src, loc: loc}, nil
}

// Check returns nil when rec may be sent: it is not an entry or the
// retraction of one, or none of the local days it covers is locked (a
// retraction deletes its entry there). When one is locked it returns an
// error of class uplink.Hold holding a *HeldError. An employee the source
// has no id for is held too (the days cannot be checked, and retrying
// would block the uplink). When the locked days could not be learned it
// returns an error of class uplink.Retry (the entry is not sent blindly;
// ask again later).
func (l *Locks) Check(ctx context.Context, rec queue.Record) error {
	if (rec.Kind != queue.KindEntry && rec.Kind != queue.KindRetract) || rec.Start.IsZero() || rec.End.IsZero() {
		return nil
	}
	from := DateOf(rec.Start, l.loc)
	last := rec.End
	if rec.End.After(rec.Start) {
		last = rec.End.Add(-time.Nanosecond) // End is exclusive
	}
	to := DateOf(last, l.loc)
	days, err := l.src.LockedDays(ctx, rec.Email, from, to)
	if errors.Is(err, ErrUnknownPerson) {
		return &uplink.Error{Class: uplink.Hold, Msg: fmt.Sprintf("locked days of %s cannot be checked: no person_id in daytotal.timesheets.people; add it, restart stampd and release the entry", rec.Email)}
	}
	if err != nil {
		return fmt.Errorf("daytotal: check seq %d: %w", rec.Seq,
			&uplink.Error{Class: uplink.Retry, Msg: "locked days unknown, entry not sent", Err: err})
	}
	if len(days) == 0 {
		return nil
	}
	names := make([]string, len(days))
	for i, d := range days {
		names[i] = d.String()
	}
	verb := "is"
	if len(days) > 1 {
		verb = "are"
	}
	return &uplink.Error{Class: uplink.Hold, Err: &HeldError{Seq: rec.Seq, Email: rec.Email, Days: days,
		Reason: fmt.Sprintf("%s %s locked in the timesheets for %s; unlock or enter by hand", strings.Join(names, ", "), verb, rec.Email)}}
}
