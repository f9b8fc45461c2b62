package blikk

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Layouts of the API's date and clock fields.
const (
	// DateLayout is a time report's date as the client sends it (the
	// document's example "2021-11-10 00:00:00").
	DateLayout = "2006-01-02 00:00:00"
	// DayLayout is a plain date, used for list filters and as Report.Date.
	DayLayout = "2006-01-02"
	// ClockLayout is clockStart and clockEnd: "hh:mm", 24-hour clock.
	ClockLayout = "15:04"
	// EndOfDay is the clockEnd of a part that ends at local midnight: "hh:mm"
	// has no 24:00, and "00:00" would read as an end before the start.
	EndOfDay = "23:59"
)

// BreakRule deducts Break from an entry that lasts more than After. Of
// several rules, the one with the largest After below the entry's length
// applies (rules do not add up). The German ArbZG §4 as rules:
// {6h, 30m}, {9h, 45m}.
type BreakRule struct {
	After time.Duration
	Break time.Duration
}

// GermanBreaks are the ArbZG §4 minimum breaks: more than 6 hours of work
// need 30 minutes, more than 9 hours 45 minutes.
var GermanBreaks = []BreakRule{{After: 6 * time.Hour, Break: 30 * time.Minute}, {After: 9 * time.Hour, Break: 45 * time.Minute}}

// Report is one time report of an entry: the part of it on one local date.
type Report struct {
	// Date is the local date, "2006-01-02".
	Date string
	// ClockStart and ClockEnd are the local wall clock, "hh:mm". A part that
	// ends at midnight ends EndOfDay. Both are "" when the wall clock cannot
	// show the part (it ends, on the repeated hour at the end of summer
	// time, before it starts or at the minute it started, an hour later);
	// the report then carries only its hours.
	ClockStart, ClockEnd string
	// Elapsed is the real time the part lasted (minute-truncated start and
	// end), across any change of the UTC offset.
	Elapsed time.Duration
	// Break is deducted from Elapsed by the break rules.
	Break time.Duration
}

// Hours returns the report's net hours (Elapsed - Break) in decimal hours,
// rounded half up to hundredths (0.01 h = 36 s).
func (r Report) Hours() float64 { return float64(Hundredths(r.Elapsed-r.Break)) / 100 }

// BreakMinutes returns Break in whole minutes, rounded half up.
func (r Report) BreakMinutes() int { return int((r.Break + 30*time.Second) / time.Minute) }

// Hundredths returns d in hundredths of an hour, rounded half up; negative
// durations count as 0.
func Hundredths(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	const unit = 36 * time.Second
	return int64((d + unit/2) / unit)
}

// BreakFor returns the break rules deduct from an entry lasting d.
func BreakFor(d time.Duration, rules []BreakRule) time.Duration {
	var best *BreakRule
	for i := range rules {
		r := &rules[i]
		if d > r.After && (best == nil || r.After > best.After) {
			best = r
		}
	}
	if best == nil {
		return 0
	}
	return min(best.Break, d)
}

// Split turns the entry [start, end] into time reports, one per local date
// in loc. Start and end are truncated to the minute first (the clock shows
// minutes; hours are computed from the same minutes). Parts of zero length
// are dropped, except that an entry of zero length gives one report.
//
// The break the rules give for the whole entry is deducted from its
// longest part (the first of equally long ones); what does not fit there
// is deducted from the other parts, longest first.
//
// An entry across a change of the UTC offset stays one report per date:
// its clock shows the wall clock (e.g. 01:00–04:00 on the night summer
// time ends) while Elapsed and the hours count the real time (4 h).
func Split(start, end time.Time, loc *time.Location, rules []BreakRule) ([]Report, error) {
	if loc == nil {
		return nil, fmt.Errorf("blikk: split: no location")
	}
	s, e := start.Truncate(time.Minute), end.Truncate(time.Minute)
	if e.Before(s) {
		return nil, fmt.Errorf("blikk: split: end %s before start %s", end.Format(time.RFC3339), start.Format(time.RFC3339))
	}
	var reps []Report
	for cur := s; ; {
		lc := cur.In(loc)
		next := time.Date(lc.Year(), lc.Month(), lc.Day()+1, 0, 0, 0, 0, loc)
		partEnd := e
		if next.Before(e) {
			partEnd = next
		}
		if partEnd.After(cur) || (len(reps) == 0 && !e.After(s)) {
			r := Report{Date: lc.Format(DayLayout), ClockStart: lc.Format(ClockLayout), Elapsed: partEnd.Sub(cur)}
			if partEnd.Equal(next) {
				r.ClockEnd = EndOfDay
			} else {
				r.ClockEnd = partEnd.In(loc).Format(ClockLayout)
			}
			if r.ClockEnd < r.ClockStart || r.ClockEnd == r.ClockStart && r.Elapsed > 0 {
				r.ClockStart, r.ClockEnd = "", ""
			}
			reps = append(reps, r)
		}
		if !next.Before(e) {
			break
		}
		cur = next
	}
	deductBreak(reps, BreakFor(e.Sub(s), rules))
	return reps, nil
}

// deductBreak spreads b over reps, longest part first.
func deductBreak(reps []Report, b time.Duration) {
	order := make([]int, len(reps))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return cmp.Compare(reps[j].Elapsed, reps[i].Elapsed) })
	for _, i := range order {
		if b <= 0 {
			return
		}
		d := min(b, reps[i].Elapsed)
		reps[i].Break = d
		b -= d
	}
}
