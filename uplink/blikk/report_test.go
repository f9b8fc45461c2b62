package blikk_test

import (
	"testing"
	"time"

	"stampclock/uplink/blikk"
)

func TestSplit(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	type rep struct {
		date, s, e string
		hours      float64
		brk        int
	}
	for _, tc := range []struct {
		name       string
		start, end string
		rules      []blikk.BreakRule
		want       []rep
	}{
		{"day", "2026-06-10T06:00:00Z", "2026-06-10T14:30:00Z", nil, []rep{{"2026-06-10", "08:00", "16:30", 8.5, 0}}},
		{"seconds truncated", "2026-06-10T06:00:59Z", "2026-06-10T06:20:01Z", nil, []rep{{"2026-06-10", "08:00", "08:20", 0.33, 0}}},
		{"zero length", "2026-06-10T06:00:10Z", "2026-06-10T06:00:50Z", nil, []rep{{"2026-06-10", "08:00", "08:00", 0, 0}}},
		{"ends at midnight", "2026-06-10T20:00:00Z", "2026-06-10T22:00:00Z", nil, []rep{{"2026-06-10", "22:00", "23:59", 2, 0}}},
		{"starts at midnight", "2026-06-10T22:00:00Z", "2026-06-11T01:00:00Z", nil, []rep{{"2026-06-11", "00:00", "03:00", 3, 0}}},
		{"night", "2026-06-10T20:00:00Z", "2026-06-11T04:00:00Z", nil, []rep{{"2026-06-10", "22:00", "23:59", 2, 0}, {"2026-06-11", "00:00", "06:00", 6, 0}}},
		{"three days", "2026-06-10T20:00:00Z", "2026-06-12T01:00:00Z", nil, []rep{
			{"2026-06-10", "22:00", "23:59", 2, 0}, {"2026-06-11", "00:00", "23:59", 24, 0}, {"2026-06-12", "00:00", "03:00", 3, 0}}},
		{"summer time begins", "2026-03-29T00:00:00Z", "2026-03-29T03:00:00Z", nil, []rep{{"2026-03-29", "01:00", "05:00", 3, 0}}},
		{"summer time ends", "2026-10-24T23:00:00Z", "2026-10-25T03:00:00Z", nil, []rep{{"2026-10-25", "01:00", "04:00", 4, 0}}},
		// 02:50 CEST to 02:10 CET: the wall clock runs backwards, so no clock.
		{"repeated hour", "2026-10-25T00:50:00Z", "2026-10-25T01:10:00Z", nil, []rep{{"2026-10-25", "", "", 0.33, 0}}},
		{"breaks: exactly 6h", "2026-06-10T04:00:00Z", "2026-06-10T10:00:00Z", blikk.GermanBreaks, []rep{{"2026-06-10", "06:00", "12:00", 6, 0}}},
		{"breaks: 7h", "2026-06-10T04:00:00Z", "2026-06-10T11:00:00Z", blikk.GermanBreaks, []rep{{"2026-06-10", "06:00", "13:00", 6.5, 30}}},
		{"breaks: 9h01", "2026-06-10T04:00:00Z", "2026-06-10T13:01:00Z", blikk.GermanBreaks, []rep{{"2026-06-10", "06:00", "15:01", 8.27, 45}}},
		{"breaks: night, longer part", "2026-06-10T17:00:00Z", "2026-06-11T00:30:00Z", blikk.GermanBreaks, []rep{
			{"2026-06-10", "19:00", "23:59", 4.5, 30}, {"2026-06-11", "00:00", "02:30", 2.5, 0}}},
		{"breaks: bigger than the longer part", "2026-06-10T21:40:00Z", "2026-06-10T22:20:00Z", []blikk.BreakRule{{After: 0, Break: 30 * time.Minute}}, []rep{
			{"2026-06-10", "23:40", "23:59", 0, 20}, {"2026-06-11", "00:00", "00:20", 0.17, 10}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reps, err := blikk.Split(utc(tc.start), utc(tc.end), berlin, tc.rules)
			if err != nil {
				t.Fatal(err)
			}
			var got []rep
			for _, r := range reps {
				got = append(got, rep{r.Date, r.ClockStart, r.ClockEnd, r.Hours(), r.BreakMinutes()})
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %+v\nwant %+v", got, tc.want)
				}
			}
		})
	}
	if _, err := blikk.Split(utc("2026-06-10T10:00:00Z"), utc("2026-06-10T09:00:00Z"), berlin, nil); err == nil {
		t.Error("Split of a backwards entry: no error")
	}
}

func TestHundredths(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want int64
	}{
		{0, 0}, {-time.Hour, 0}, {17 * time.Second, 0}, {18 * time.Second, 1}, {time.Minute, 2},
		{20 * time.Minute, 33}, {40 * time.Minute, 67}, {7*time.Hour + 45*time.Minute, 775}, {24 * time.Hour, 2400},
	} {
		if got := blikk.Hundredths(tc.d); got != tc.want {
			t.Errorf("Hundredths(%v) = %d, want %d", tc.d, got, tc.want)
		}
	}
}

func TestBreakFor(t *testing.T) {
	for _, tc := range []struct {
		d, want time.Duration
	}{
		{6 * time.Hour, 0}, {6*time.Hour + time.Minute, 30 * time.Minute}, {9 * time.Hour, 30 * time.Minute},
		{9*time.Hour + time.Minute, 45 * time.Minute}, {14 * time.Hour, 45 * time.Minute},
	} {
		if got := blikk.BreakFor(tc.d, blikk.GermanBreaks); got != tc.want {
			t.Errorf("BreakFor(%v) = %v, want %v", tc.d, got, tc.want)
		}
	}
	if got := blikk.BreakFor(10*time.Hour, nil); got != 0 {
		t.Errorf("no rules: %v", got)
	}
}
