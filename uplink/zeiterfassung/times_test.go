package zeiterfassung_test

import (
	"testing"
	"time"

	"stampclock/uplink/zeiterfassung"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("time zone %s: %v", name, err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestFormatTime(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	for _, tc := range []struct {
		in   string
		loc  *time.Location
		want string
	}{
		{"2026-07-01T08:15:59Z", berlin, "2026-07-01T10:15:00"},
		{"2026-01-15T23:30:00Z", berlin, "2026-01-16T00:30:00"},
		{"2026-01-15T23:30:42Z", time.UTC, "2026-01-15T23:30:00"},
	} {
		if got := zeiterfassung.FormatTime(utc(tc.in), tc.loc); got != tc.want {
			t.Errorf("FormatTime(%s, %s) = %s, want %s", tc.in, tc.loc, got, tc.want)
		}
	}
}

func TestSegments(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	tokyo := mustLoad(t, "Asia/Tokyo")
	type wall struct{ start, end string }
	for _, tc := range []struct {
		name       string
		start, end string // UTC
		loc        *time.Location
		want       []wall
	}{
		{"normal day", "2026-06-10T06:00:00Z", "2026-06-10T14:30:00Z", berlin,
			[]wall{{"2026-06-10T08:00:00", "2026-06-10T16:30:00"}}},
		{"night shift over midnight", "2026-06-10T20:00:00Z", "2026-06-11T04:00:00Z", berlin,
			[]wall{{"2026-06-10T22:00:00", "2026-06-11T06:00:00"}}},
		// 2026-03-29 02:00 CET → 03:00 CEST at 01:00 UTC: 22:00 CET to
		// 06:00 CEST is 7h real.
		{"spring forward", "2026-03-28T21:00:00Z", "2026-03-29T04:00:00Z", berlin,
			[]wall{{"2026-03-28T22:00:00", "2026-03-29T02:00:00"}, {"2026-03-29T03:00:00", "2026-03-29T06:00:00"}}},
		// 2026-10-25 03:00 CEST → 02:00 CET at 01:00 UTC: 22:00 CEST to
		// 06:00 CET is 9h real.
		{"fall back", "2026-10-24T20:00:00Z", "2026-10-25T05:00:00Z", berlin,
			[]wall{{"2026-10-24T22:00:00", "2026-10-25T03:00:00"}, {"2026-10-25T02:00:00", "2026-10-25T06:00:00"}}},
		{"fall back, start in the repeated hour", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", berlin,
			[]wall{{"2026-10-25T02:30:00", "2026-10-25T03:00:00"}, {"2026-10-25T02:00:00", "2026-10-25T02:30:00"}}},
		{"ends exactly at the change", "2026-10-24T22:00:00Z", "2026-10-25T01:00:00Z", berlin,
			[]wall{{"2026-10-25T00:00:00", "2026-10-25T03:00:00"}}},
		{"starts exactly at the change", "2026-10-25T01:00:00Z", "2026-10-25T03:00:00Z", berlin,
			[]wall{{"2026-10-25T02:00:00", "2026-10-25T04:00:00"}}},
		{"spanning a week with no change", "2026-05-01T00:00:00Z", "2026-05-08T00:00:00Z", berlin,
			[]wall{{"2026-05-01T02:00:00", "2026-05-08T02:00:00"}}},
		{"zone without DST on the Berlin change day", "2026-10-24T20:00:00Z", "2026-10-25T05:00:00Z", tokyo,
			[]wall{{"2026-10-25T05:00:00", "2026-10-25T14:00:00"}}},
		{"UTC", "2026-10-24T20:00:00Z", "2026-10-25T05:00:00Z", time.UTC,
			[]wall{{"2026-10-24T20:00:00", "2026-10-25T05:00:00"}}},
		{"zero length", "2026-06-10T06:00:00Z", "2026-06-10T06:00:00Z", berlin,
			[]wall{{"2026-06-10T08:00:00", "2026-06-10T08:00:00"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start, end := utc(tc.start), utc(tc.end)
			segs := zeiterfassung.Segments(start, end, tc.loc)
			var got []wall
			var sum time.Duration
			for i, s := range segs {
				a, b := s.Wall()
				got = append(got, wall{a, b})
				sum += s.End.Sub(s.Start)
				if b < a {
					t.Errorf("segment %d: end %s before start %s", i, b, a)
				}
				if i > 0 && !segs[i-1].End.Equal(s.Start) {
					t.Errorf("segment %d does not start where %d ends", i, i-1)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("segments = %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("segment %d = %v, want %v", i, got[i], tc.want[i])
				}
			}
			if sum != end.Sub(start) {
				t.Errorf("segments last %v, entry %v", sum, end.Sub(start))
			}
			if !segs[0].Start.Equal(start) || !segs[len(segs)-1].End.Equal(end) {
				t.Errorf("segments do not cover the entry")
			}
		})
	}
}
