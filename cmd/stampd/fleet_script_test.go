package main

// The fleet test's tap script and its own pairing of it. The script is a
// pure function of a seed and a start day: employees walking between the
// site's terminals over several simulated days, the faults at fixed points
// of simulated time. fleetExpect pairs the taps into the entries payroll
// must end up with, by the documented rules (repeat window relative to the
// last accepted tap, across doors; max shift → missing stop; start and stop
// alternate), written here from the rules' description and deliberately
// not from the product's pairing code, so that the two readings check each
// other.

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"time"
)

// fleetScale sizes a fleet run.
type fleetScale struct {
	Terminals int
	Employees int
	Days      int // at least 3: a normal day, the day one terminal is cut off, a day after
}

var (
	fleetShort = fleetScale{Terminals: 8, Employees: 16, Days: 3}
	fleetFull  = fleetScale{Terminals: 20, Employees: 60, Days: 6}
)

// The punch rules as documented ([punch] repeat_window and max_shift
// defaults), which the fleet's terminals run with.
const (
	fleetRepeatWindow = 60 * time.Second
	fleetMaxShift     = 16 * time.Hour
)

type fleetStepKind int

const (
	stepEnroll        fleetStepKind = iota // stampctl badges add at Door
	stepCut                                // Door loses the broker (its proxy refuses and drops)
	stepHeal                               // Door reaches the broker again
	stepBrokerRestart                      // mosquitto stopped and started again
	stepTap                                // Emp taps at Door at At
)

func (k fleetStepKind) String() string {
	return [...]string{"enroll", "cut", "heal", "broker-restart", "tap"}[k]
}

// fleetStep is one thing that happens in the script, at simulated time At.
type fleetStep struct {
	Kind fleetStepKind
	At   time.Time
	Emp  int // employee (enroll, tap)
	Door int // terminal index (enroll, tap, cut, heal)
	// Burst > 0 marks the taps of one shift change at one door: the
	// driver fires them at once and kills the terminal with SIGKILL
	// half-way through.
	Burst int
	Why   string // what the tap is meant as, for logs: start, stop, repeat, double, lunch-out, …
}

func (s fleetStep) String() string {
	switch s.Kind {
	case stepTap:
		b := ""
		if s.Burst > 0 {
			b = fmt.Sprintf(" burst %d", s.Burst)
		}
		return fmt.Sprintf("%s tap %s at %s (%s%s)", s.At.Format(time.RFC3339), fleetEmail(s.Emp), fleetDoor(s.Door), s.Why, b)
	case stepEnroll:
		return fmt.Sprintf("%s enroll %s at %s", s.At.Format(time.RFC3339), fleetEmail(s.Emp), fleetDoor(s.Door))
	case stepBrokerRestart:
		return fmt.Sprintf("%s %s", s.At.Format(time.RFC3339), s.Kind)
	default:
		return fmt.Sprintf("%s %s %s", s.At.Format(time.RFC3339), s.Kind, fleetDoor(s.Door))
	}
}

func fleetEmail(emp int) string { return fmt.Sprintf("emp%02d@example.com", emp) }
func fleetUID(emp int) string   { return fmt.Sprintf("C0DE%04X", emp) }
func fleetDoor(door int) string { return fmt.Sprintf("door-%02d", door+1) }

// fleetScript is a generated run.
type fleetScript struct {
	Seed  uint64
	Scale fleetScale
	Base  time.Time // midnight UTC of day 0
	Steps []fleetStep
	// The faults: Cut is the door cut off from the broker during day
	// CutDay; Killed are the doors killed mid-burst (on CutDay, early).
	Cut    int
	CutDay int
	Killed [2]int
}

// Taps returns the script's taps in order.
func (s fleetScript) Taps() []fleetStep {
	var taps []fleetStep
	for _, st := range s.Steps {
		if st.Kind == stepTap {
			taps = append(taps, st)
		}
	}
	return taps
}

// newFleetScript generates the run for seed, with day 0 starting at base
// (a UTC midnight). The same seed, scale and base give the same script.
func newFleetScript(seed uint64, sc fleetScale, base time.Time) fleetScript {
	rng := rand.New(rand.NewPCG(seed, seed^0x5bd1e995))
	s := fleetScript{Seed: seed, Scale: sc, Base: base, CutDay: 1}
	doors := rng.Perm(sc.Terminals)
	s.Cut, s.Killed = doors[0], [2]int{doors[1], doors[2]}
	day := func(d int) time.Time { return base.AddDate(0, 0, d) }
	secs := func(lo, hi time.Duration) time.Duration { // uniform in [lo, hi), whole seconds
		return lo + time.Duration(rng.Int64N(int64((hi-lo)/time.Second)))*time.Second
	}
	other := func(door int, allowed func(int) bool) int {
		for {
			d := rng.IntN(sc.Terminals)
			if d != door && allowed(d) {
				return d
			}
		}
	}

	// Who works when: two night workers, the rest by day. Three quarters
	// are enrolled before day 0; the others are hired on later days at a
	// random terminal, one of them at the cut-off terminal while it is cut
	// off (so the badge first exists only there).
	initial := sc.Employees * 3 / 4
	hireDay := make([]int, sc.Employees)   // first day the badge exists (-1: before day 0)
	firstWork := make([]int, sc.Employees) // first day the employee taps
	for e := range sc.Employees {
		door := rng.IntN(sc.Terminals)
		at := base.Add(-time.Hour).Add(time.Duration(e) * time.Second)
		hireDay[e], firstWork[e] = -1, 0
		if e >= initial {
			hireDay[e] = 1 + (e-initial)%(sc.Days-1)
			firstWork[e] = hireDay[e]
			if hireDay[e] == s.CutDay {
				for door == s.Cut {
					door = rng.IntN(sc.Terminals)
				}
			}
			if e == sc.Employees-1 {
				hireDay[e], door = s.CutDay, s.Cut
				firstWork[e] = s.CutDay + 1
			}
			at = day(hireDay[e]).Add(secs(4*time.Hour, 5*time.Hour))
		}
		s.Steps = append(s.Steps, fleetStep{Kind: stepEnroll, At: at, Emp: e, Door: door})
	}
	s.Steps = append(s.Steps,
		fleetStep{Kind: stepBrokerRestart, At: day(0).Add(12 * time.Hour)},
		fleetStep{Kind: stepCut, At: day(s.CutDay), Door: s.Cut},
		fleetStep{Kind: stepHeal, At: day(s.CutDay + 1), Door: s.Cut})

	// Morning bursts on the cut day: a shift change at each killed door,
	// early, when nobody else taps.
	burstOf := map[int]int{} // employee → burst (1 or 2) on the cut day
	perBurst := max(3, sc.Employees/8)
	var dayShift []int
	for e := 5; e < initial; e++ { // 2, 3 and 4 have parts of their own
		dayShift = append(dayShift, e)
	}
	rng.Shuffle(len(dayShift), func(i, j int) { dayShift[i], dayShift[j] = dayShift[j], dayShift[i] })
	for i := 0; i < 2*perBurst && i < len(dayShift); i++ {
		burstOf[dayShift[i]] = 1 + i/perBurst
	}

	for e := range sc.Employees {
		// A door e may tap at on day d: any, except the cut-off door for a
		// badge enrolled elsewhere during the cut (it cannot know it yet).
		allowed := func(d, door int) bool {
			return !(d == s.CutDay && door == s.Cut && hireDay[e] == s.CutDay)
		}
		var mine []fleetStep
		for d := firstWork[e]; d < sc.Days; d++ {
			for try := 0; ; try++ {
				taps := fleetDay(rng, sc.Terminals, e, day(d), e == 2 && d == 0, burstOf[e], d == s.CutDay, s.Killed, s.Cut, func(door int) bool { return allowed(d, door) }, secs, other)
				// Keep the run clear of the rules' boundaries (a tap 60s
				// after the last accepted one, a shift exactly 16h old):
				// the test is about the fleet, not about < versus <=.
				if _, near := fleetPair(append(slices.Clone(mine), taps...)); near == "" || try == 50 {
					mine = append(mine, taps...)
					break
				}
			}
		}
		s.Steps = append(s.Steps, mine...)
	}
	sort.SliceStable(s.Steps, func(i, j int) bool {
		a, b := s.Steps[i], s.Steps[j]
		if !a.At.Equal(b.At) {
			return a.At.Before(b.At)
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Emp < b.Emp
	})
	return s
}

// fleetDay returns employee e's taps on one day starting at midnight.
// On the cut day employee 3 comes in at the cut-off door and employee 4
// leaves by it, so shifts certainly span the split.
func fleetDay(rng *rand.Rand, terminals, e int, midnight time.Time, forget bool, burst int, cutDay bool, killed [2]int, cut int, allowed func(int) bool,
	secs func(lo, hi time.Duration) time.Duration, other func(int, func(int) bool) int) []fleetStep {
	var taps []fleetStep
	door := func() int {
		for {
			if x := rng.IntN(terminals); allowed(x) {
				return x
			}
		}
	}
	tap := func(at time.Time, dr int, why string) time.Time {
		taps = append(taps, fleetStep{Kind: stepTap, At: at, Emp: e, Door: dr, Why: why})
		return at
	}
	// Works 6 days of 7 on average; the burst's people come in.
	across := cutDay && (e == 3 || e == 4)
	if (burst == 0 || !cutDay) && e != 2 && !across { // employee 2 comes every day
		if rng.IntN(7) == 0 {
			return nil
		}
	}
	if e < 2 { // night shift: 19:00–21:00 in, 7–8h later out (by 05:00)
		in := tap(midnight.Add(secs(19*time.Hour, 21*time.Hour)), door(), "start")
		if rng.IntN(10) > 0 {
			tap(in.Add(secs(7*time.Hour, 8*time.Hour)), door(), "stop")
		}
		return taps
	}
	var in time.Time
	var inDoor int
	if burst > 0 && cutDay {
		inDoor = killed[burst-1]
		start := midnight.Add(5*time.Hour + 30*time.Minute + time.Duration(burst-1)*10*time.Minute)
		in = tap(start.Add(secs(0, 60*time.Second)), inDoor, "start")
		taps[0].Burst = burst
	} else {
		inDoor = door()
		if across && e == 3 {
			inDoor = cut
		}
		if across && e == 4 && inDoor == cut {
			inDoor = other(cut, allowed)
		}
		in = tap(midnight.Add(secs(6*time.Hour, 10*time.Hour)), inDoor, "start")
		if rng.IntN(7) == 0 { // tapped again at the next door, within the window
			tap(in.Add(secs(5*time.Second, 50*time.Second)), other(inDoor, allowed), "repeat")
		}
	}
	last := in
	if forget { // and, on day 0, forgets to tap out
		return taps
	}
	if rng.IntN(20) == 0 { // tapped again, just outside the window: a short entry
		last = tap(last.Add(secs(75*time.Second, 110*time.Second)), door(), "double")
	}
	if rng.IntN(3) == 0 { // lunch out and back in
		out := tap(in.Add(secs(3*time.Hour+30*time.Minute, 5*time.Hour)), door(), "lunch-out")
		last = tap(out.Add(secs(30*time.Minute, 60*time.Minute)), door(), "lunch-in")
	}
	if rng.IntN(12) == 0 && !across {
		return taps // forgot to tap out: a missing stop by the next day's first tap
	}
	stop := in.Add(secs(7*time.Hour, 10*time.Hour))
	if !stop.After(last.Add(time.Hour)) {
		stop = last.Add(secs(time.Hour, 2*time.Hour))
	}
	stopDoor := door()
	if across && e == 4 {
		stopDoor = cut
	}
	if across && e == 3 && stopDoor == cut {
		stopDoor = other(cut, allowed)
	}
	tap(stop, stopDoor, "stop")
	if rng.IntN(8) == 0 {
		tap(stop.Add(secs(3*time.Second, 50*time.Second)), other(stopDoor, allowed), "repeat")
	}
	return taps
}

// fleetEntry is an entry as the API stores it: minute resolution.
type fleetEntry struct {
	Email, Start, End string
}

// fleetPairing is the result of pairing a tap sequence.
type fleetPairing struct {
	Entries      []fleetEntry
	Accepted     int
	Ignored      int // within the repeat window of the last accepted tap
	MissingStops int // a shift open longer than the max shift when the next tap came
	Open         int // shifts still open at the end
}

const fleetAPITime = "2006-01-02T15:04:00"

// fleetPair pairs taps (any employees, any order) by the rules. near is
// not empty when a decision lay within a few seconds of a rule's boundary.
func fleetPair(taps []fleetStep) (p fleetPairing, near string) {
	byEmp := map[int][]fleetStep{}
	var emps []int
	for _, t := range taps {
		if _, ok := byEmp[t.Emp]; !ok {
			emps = append(emps, t.Emp)
		}
		byEmp[t.Emp] = append(byEmp[t.Emp], t)
	}
	sort.Ints(emps)
	for _, e := range emps {
		ts := byEmp[e]
		sort.SliceStable(ts, func(i, j int) bool { return ts[i].At.Before(ts[j].At) })
		var last, open time.Time // last accepted tap; start of the open shift (zero: none)
		for i, t := range ts {
			if i > 0 && !last.IsZero() {
				since := t.At.Sub(last)
				if since > fleetRepeatWindow-3*time.Second && since < fleetRepeatWindow+3*time.Second && near == "" {
					near = fmt.Sprintf("%s %s after the last accepted tap", t, since)
				}
				if since < fleetRepeatWindow {
					p.Ignored++
					continue
				}
			}
			p.Accepted++
			last = t.At
			switch {
			case open.IsZero():
				open = t.At
			case t.At.Sub(open) > fleetMaxShift:
				if age := t.At.Sub(open); age < fleetMaxShift+5*time.Second && near == "" {
					near = fmt.Sprintf("%s ends a shift %s old", t, age)
				}
				p.MissingStops++
				open = t.At
			default:
				if age := t.At.Sub(open); age > fleetMaxShift-5*time.Second && near == "" {
					near = fmt.Sprintf("%s ends a shift %s old", t, age)
				}
				p.Entries = append(p.Entries, fleetEntry{
					Email: fleetEmail(e),
					Start: open.UTC().Truncate(time.Minute).Format(fleetAPITime),
					End:   t.At.UTC().Truncate(time.Minute).Format(fleetAPITime),
				})
				open = time.Time{}
			}
		}
		if !open.IsZero() {
			p.Open++
		}
	}
	return p, near
}

// fleetDiff compares two multisets of entries: what want has more of
// (missing) and what got has more of (extra), each sorted.
func fleetDiff(want, got []fleetEntry) (missing, extra []fleetEntry) {
	count := map[fleetEntry]int{}
	for _, e := range want {
		count[e]++
	}
	for _, e := range got {
		count[e]--
	}
	for e, n := range count {
		for ; n > 0; n-- {
			missing = append(missing, e)
		}
		for ; n < 0; n++ {
			extra = append(extra, e)
		}
	}
	less := func(a, b fleetEntry) int {
		if a.Email != b.Email {
			return cmpStr(a.Email, b.Email)
		}
		if a.Start != b.Start {
			return cmpStr(a.Start, b.Start)
		}
		return cmpStr(a.End, b.End)
	}
	slices.SortFunc(missing, less)
	slices.SortFunc(extra, less)
	return missing, extra
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
