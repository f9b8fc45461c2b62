package main

import (
	"slices"
	"testing"
	"time"
)

// The fleet test's own pairing, checked on hand-made sequences: it is the
// oracle of TestFleet_SharedShifts, so it is tested like product code.
func TestFleetPair_Rules(t *testing.T) {
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	at := func(h, m, s int) time.Time {
		return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
	}
	tap := func(emp, door int, when time.Time) fleetStep {
		return fleetStep{Kind: stepTap, Emp: emp, Door: door, At: when}
	}
	e := func(emp int, start, end string) fleetEntry {
		return fleetEntry{Email: fleetEmail(emp), Start: "2026-03-" + start, End: "2026-03-" + end}
	}
	for _, tc := range []struct {
		name    string
		taps    []fleetStep
		want    []fleetEntry
		ignored int
		missing int
		open    int
	}{
		{"StartStopAcrossDoors", []fleetStep{tap(1, 0, at(7, 0, 30)), tap(1, 5, at(15, 30, 59))},
			[]fleetEntry{e(1, "02T07:00:00", "02T15:30:00")}, 0, 0, 0},
		{"RepeatAtAnotherDoorIgnored", []fleetStep{tap(1, 0, at(7, 0, 0)), tap(1, 3, at(7, 0, 40)), tap(1, 2, at(16, 0, 0))},
			[]fleetEntry{e(1, "02T07:00:00", "02T16:00:00")}, 1, 0, 0},
		// The window runs from the last ACCEPTED tap: 07:00:00 accepted,
		// 07:00:50 ignored, 07:01:10 is 70s after the accepted one: a stop.
		{"WindowFromLastAccepted", []fleetStep{tap(1, 0, at(7, 0, 0)), tap(1, 1, at(7, 0, 50)), tap(1, 2, at(7, 1, 10))},
			[]fleetEntry{e(1, "02T07:00:00", "02T07:01:00")}, 1, 0, 0},
		{"RepeatAfterStopIgnored", []fleetStep{tap(1, 0, at(7, 0, 0)), tap(1, 1, at(15, 0, 0)), tap(1, 2, at(15, 0, 30))},
			[]fleetEntry{e(1, "02T07:00:00", "02T15:00:00")}, 1, 0, 0},
		{"SameTimeTwiceIsOne", []fleetStep{tap(1, 0, at(7, 0, 0)), tap(1, 0, at(7, 0, 0)), tap(1, 0, at(15, 0, 0))},
			[]fleetEntry{e(1, "02T07:00:00", "02T15:00:00")}, 1, 0, 0},
		{"MissingStopBeyondMaxShift", []fleetStep{tap(1, 0, at(7, 0, 0)), tap(1, 1, at(7, 0, 0).Add(24*time.Hour)), tap(1, 1, at(15, 0, 0).Add(24*time.Hour))},
			[]fleetEntry{e(1, "03T07:00:00", "03T15:00:00")}, 0, 1, 0},
		{"NightShiftOverMidnight", []fleetStep{tap(1, 0, at(21, 0, 0)), tap(1, 1, at(21, 0, 0).Add(8*time.Hour))},
			[]fleetEntry{e(1, "02T21:00:00", "03T05:00:00")}, 0, 0, 0},
		{"EmployeesApartAndUnordered", []fleetStep{tap(2, 0, at(16, 0, 0)), tap(1, 0, at(8, 0, 0)), tap(2, 1, at(8, 0, 0)), tap(1, 1, at(9, 0, 0))},
			[]fleetEntry{e(1, "02T08:00:00", "02T09:00:00"), e(2, "02T08:00:00", "02T16:00:00")}, 0, 0, 0},
		{"OpenAtEnd", []fleetStep{tap(1, 0, at(7, 0, 0)), tap(1, 0, at(8, 0, 0)), tap(1, 0, at(9, 0, 0))},
			[]fleetEntry{e(1, "02T07:00:00", "02T08:00:00")}, 0, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, near := fleetPair(tc.taps)
			if m, x := fleetDiff(tc.want, p.Entries); len(m)+len(x) > 0 {
				t.Errorf("entries %v: missing %v, extra %v", p.Entries, m, x)
			}
			if p.Ignored != tc.ignored || p.MissingStops != tc.missing || p.Open != tc.open {
				t.Errorf("ignored %d missing stops %d open %d, want %d %d %d", p.Ignored, p.MissingStops, p.Open, tc.ignored, tc.missing, tc.open)
			}
			if near != "" {
				t.Errorf("near a boundary: %s", near)
			}
		})
	}
}

func TestFleetPair_NearBoundaryNamed(t *testing.T) {
	d := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	for _, taps := range [][]fleetStep{
		{{Kind: stepTap, At: d}, {Kind: stepTap, At: d.Add(60 * time.Second)}},
		{{Kind: stepTap, At: d}, {Kind: stepTap, At: d.Add(16 * time.Hour)}},
		{{Kind: stepTap, At: d}, {Kind: stepTap, At: d.Add(16*time.Hour + time.Second)}},
	} {
		if _, near := fleetPair(taps); near == "" {
			t.Errorf("%v: no boundary named", taps)
		}
	}
}

func TestFleetDiff_Multisets(t *testing.T) {
	a, b := fleetEntry{"x", "1", "2"}, fleetEntry{"y", "1", "2"}
	m, x := fleetDiff([]fleetEntry{a, a, b}, []fleetEntry{a, b, b})
	if !slices.Equal(m, []fleetEntry{a}) || !slices.Equal(x, []fleetEntry{b}) {
		t.Fatalf("missing %v extra %v", m, x)
	}
}

// The script is a function of its seed, keeps its own promises (time
// order, no tap before the badge can be known at that door, bursts at
// the killed doors) and stays clear of the rules' boundaries.
func TestFleetScript_DeterministicAndConsistent(t *testing.T) {
	base := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for _, sc := range []fleetScale{fleetShort, fleetFull} {
		for seed := uint64(1); seed <= 20; seed++ {
			s := newFleetScript(seed, sc, base)
			if again := newFleetScript(seed, sc, base); !slices.Equal(s.Steps, again.Steps) {
				t.Fatalf("seed %d: two different scripts", seed)
			}
			enrolled := map[int]fleetStep{}
			bursts := map[int]int{}
			for i, st := range s.Steps {
				if i > 0 && st.At.Before(s.Steps[i-1].At) {
					t.Fatalf("seed %d: step %d (%s) before the one ahead of it", seed, i, st)
				}
				switch st.Kind {
				case stepEnroll:
					enrolled[st.Emp] = st
				case stepTap:
					en, ok := enrolled[st.Emp]
					if !ok {
						t.Fatalf("seed %d: %s before the badge was enrolled", seed, st)
					}
					cutting := st.At.After(base.AddDate(0, 0, s.CutDay)) && st.At.Before(base.AddDate(0, 0, s.CutDay+1))
					if cutting && (st.Door == s.Cut) != (en.Door == s.Cut) && en.At.After(base.AddDate(0, 0, s.CutDay)) {
						t.Fatalf("seed %d: %s cannot know the badge enrolled by %s during the cut", seed, st, en)
					}
					if st.Burst > 0 {
						bursts[st.Burst]++
						if st.Door != s.Killed[st.Burst-1] {
							t.Fatalf("seed %d: burst tap %s not at the killed door", seed, st)
						}
					}
				}
			}
			// Shifts certainly span the split: one comes in at the
			// cut-off door, one leaves by it.
			cutDay := func(st fleetStep) bool {
				return st.Kind == stepTap && !st.At.Before(base.AddDate(0, 0, s.CutDay)) && st.At.Before(base.AddDate(0, 0, s.CutDay+1))
			}
			in, out := false, false
			for _, st := range s.Steps {
				if cutDay(st) && st.Door == s.Cut && st.Emp == 3 && st.Why == "start" {
					in = true
				}
				if cutDay(st) && st.Door == s.Cut && st.Emp == 4 && st.Why == "stop" {
					out = true
				}
			}
			if !in || !out {
				t.Fatalf("seed %d: in at the cut-off door %v, out by it %v", seed, in, out)
			}
			if len(enrolled) != sc.Employees || bursts[1] < 3 || bursts[2] < 3 {
				t.Fatalf("seed %d: %d enrolled, bursts %v", seed, len(enrolled), bursts)
			}
			p, near := fleetPair(s.Taps())
			if near != "" {
				t.Fatalf("seed %d: %s", seed, near)
			}
			if p.Ignored == 0 || p.MissingStops == 0 || len(p.Entries) < sc.Employees {
				t.Errorf("seed %d: a thin script: %d entries, %d ignored, %d missing stops", seed, len(p.Entries), p.Ignored, p.MissingStops)
			}
		}
	}
}
