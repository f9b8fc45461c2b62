package daytotal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"stampclock/queue/record"
)

// Source tells how long an employee worked on a day.
type Source interface {
	// DayTotal returns the time email worked on day.
	DayTotal(ctx context.Context, email string, day Date) (time.Duration, error)
}

// Entries lists entry records (record.KindEntry) of email that overlap
// [from, to), whatever order they were written in. It may return more;
// Local filters again. queue.Store.Entries is one, reading its entry index.
type Entries interface {
	Entries(email string, from, to time.Time) ([]record.Record, error)
}

// Local computes day totals from local entries. It is safe for concurrent
// use if its Entries is.
type Local struct {
	src Entries
	loc *time.Location
}

// NewLocal returns a Local summing the entries src lists, with days in loc.
func NewLocal(src Entries, loc *time.Location) (*Local, error) {
	if src == nil || loc == nil {
		return nil, errors.New("daytotal: NewLocal needs Entries and a Location")
	}
	return &Local{src: src, loc: loc}, nil
}

// DayTotal sums the overlap of email's entries with day.
func (l *Local) DayTotal(ctx context.Context, email string, day Date) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	from, to := day.In(l.loc), day.AddDays(1).In(l.loc)
	recs, err := l.src.Entries(email, from, to)
	if err != nil {
		return 0, fmt.Errorf("daytotal: local entries of %s on %s: %w", email, day, err)
	}
	return Sum(recs, email, day, l.loc), nil
}

// Sum returns the time email's entries in recs overlap day in loc. Records
// of other kinds or other emails (compared case-insensitively), and
// entries without start or end, are ignored.
func Sum(recs []record.Record, email string, day Date, loc *time.Location) time.Duration {
	from, to := day.In(loc), day.AddDays(1).In(loc)
	var total time.Duration
	for _, r := range recs {
		if r.Kind != record.KindEntry || !strings.EqualFold(r.Email, email) || r.Start.IsZero() || r.End.IsZero() {
			continue
		}
		s, e := r.Start, r.End
		if s.Before(from) {
			s = from
		}
		if e.After(to) {
			e = to
		}
		if e.After(s) {
			total += e.Sub(s)
		}
	}
	return total
}
