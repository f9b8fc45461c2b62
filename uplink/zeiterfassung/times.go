package zeiterfassung

import "time"

// TimeLayout is the API's time format: wall clock without offset, seconds
// always "00".
const TimeLayout = "2006-01-02T15:04:00"

// FormatTime returns t as the wall clock in loc, truncated to the minute,
// in the API's format "2006-01-02T15:04:00".
func FormatTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Truncate(time.Minute).Format(TimeLayout)
}

// Segment is a part of an entry during which loc's UTC offset does not
// change. Start and End are expressed in that fixed offset (a
// time.FixedZone), so their wall clocks are what the API must receive even
// for an End that coincides with the next offset change.
type Segment struct {
	Start, End time.Time
}

// Wall returns the segment's start and end as the API wants them
// (truncated to the minute).
func (s Segment) Wall() (start, end string) {
	return s.Start.Truncate(time.Minute).Format(TimeLayout), s.End.Truncate(time.Minute).Format(TimeLayout)
}

// Segments splits [start, end] at every change of loc's UTC offset that
// falls strictly inside it. Each segment's times are in the offset valid
// during the segment, so every segment's wall-clock end is not before its
// start and the segments' durations add up to end-start. An entry without
// an offset change is one segment. If end is before start, the result is
// one segment [start, end] as given.
//
// Example, Europe/Berlin on 2026-10-25: 22:00 CEST to 06:00 CET (9h) gives
// 22:00–03:00 (+02:00) and 02:00–06:00 (+01:00).
func Segments(start, end time.Time, loc *time.Location) []Segment {
	in := func(t time.Time) time.Time {
		name, off := t.In(loc).Zone()
		return t.In(time.FixedZone(name, off))
	}
	if !end.After(start) {
		s := in(start)
		return []Segment{{s, end.In(s.Location())}}
	}
	var segs []Segment
	from := start
	_, off := from.In(loc).Zone()
	t := from
	for {
		_, zend := t.In(loc).ZoneBounds()
		if zend.IsZero() || !zend.Before(end) {
			break
		}
		t = zend
		if _, o := t.In(loc).Zone(); o == off {
			continue // only the abbreviation changed
		} else {
			off = o
		}
		seg := Segment{Start: in(from)}
		seg.End = t.In(seg.Start.Location())
		segs = append(segs, seg)
		from = t
	}
	return append(segs, Segment{Start: in(from), End: end.In(in(from).Location())})
}
