package siteshifts

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
	"time"

	"stampclock/device/punch"
	"stampclock/queue"
)

var (
	day   = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	rules = punch.Rules{RepeatWindow: time.Minute, MaxShift: 16 * time.Hour}
)

const anna = "anna@example.com"

// tap is a tap of Anna at origin, seq, hh:mm on day.
func tap(origin string, seq uint64, hhmm string) queue.SiteTap {
	var h, m int
	if _, err := fmt.Sscanf(hhmm, "%d:%d", &h, &m); err != nil {
		panic(err)
	}
	return queue.SiteTap{Origin: origin, Seq: seq, At: day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute), Email: anna, UID: "04A1"}
}

func ids(es []Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func TestPair_InAtFrontOutAtWarehouse_OneEntry(t *testing.T) {
	in := tap("front", 1, "08:00")
	out := tap("warehouse", 1, "16:30")
	res := Pair([]queue.SiteTap{out, in}, rules)
	if got := ids(res.Entries); !reflect.DeepEqual(got, []string{"front:1-warehouse:1"}) {
		t.Fatalf("entries %v", got)
	}
	if e := res.Entries[0]; !e.Start.At.Equal(in.At) || !e.Stop.At.Equal(out.At) {
		t.Errorf("entry %v–%v", e.Start.At, e.Stop.At)
	}
	if res.HasOpen || len(res.Ignored) != 0 || len(res.MissingStops) != 0 {
		t.Errorf("open %v ignored %v missing %v", res.HasOpen, res.Ignored, res.MissingStops)
	}
}

func TestPair_RepeatWindowAcrossDoors_Ignored(t *testing.T) {
	a := tap("front", 1, "08:00")
	b := tap("warehouse", 1, "08:00")
	b.At = b.At.Add(30 * time.Second)
	res := Pair([]queue.SiteTap{a, b}, rules)
	if len(res.Entries) != 0 || !res.HasOpen || res.Open != a || len(res.Ignored) != 1 || res.Ignored[0] != b {
		t.Fatalf("got %+v", res)
	}
}

func TestPair_ShiftOlderThanMaxShift_MissingStopAndNewStart(t *testing.T) {
	a := tap("front", 1, "06:00")
	b := tap("warehouse", 1, "06:00")
	b.At = b.At.Add(17 * time.Hour)
	res := Pair([]queue.SiteTap{b, a}, rules)
	if len(res.Entries) != 0 || len(res.MissingStops) != 1 || !res.HasOpen || res.Open != b {
		t.Fatalf("got %+v", res)
	}
	if m := res.MissingStops[0]; m.ID != "front:1-missing" || m.Start != a || m.Next != b {
		t.Errorf("missing stop %+v", m)
	}
}

func TestPair_DuplicatesCountOnce(t *testing.T) {
	a, b := tap("front", 1, "08:00"), tap("warehouse", 1, "12:00")
	res := Pair([]queue.SiteTap{a, b, a, b, b}, rules)
	if got := ids(res.Entries); !reflect.DeepEqual(got, []string{"front:1-warehouse:1"}) || len(res.Ignored) != 0 || res.HasOpen {
		t.Fatalf("got %+v", res)
	}
}

func TestPair_SameInstant_OrderedByOriginThenSeq(t *testing.T) {
	// Two doors see the same second: (At, Origin, Seq) decides on every
	// terminal, so all agree which one is the start.
	a, b := tap("b-door", 7, "08:00"), tap("a-door", 9, "08:00")
	for _, in := range [][]queue.SiteTap{{a, b}, {b, a}} {
		res := Pair(in, rules)
		if !res.HasOpen || res.Open != b || len(res.Ignored) != 1 || res.Ignored[0] != a {
			t.Fatalf("got %+v", res)
		}
	}
}

func TestDoor_TellsWhatTheNewTapIs(t *testing.T) {
	in, out := tap("front", 1, "08:00"), tap("warehouse", 1, "16:30")
	early := tap("warehouse", 2, "16:30")
	early.At = early.At.Add(20 * time.Second)
	late := tap("front", 2, "06:00")
	late.At = late.At.Add(24 * time.Hour)
	for _, c := range []struct {
		name  string
		known []queue.SiteTap
		t     queue.SiteTap
		want  punch.Decision
	}{
		{"first tap starts", nil, in, punch.Decision{Action: punch.Start}},
		{"out at the other door stops", []queue.SiteTap{in}, out, punch.Decision{Action: punch.Stop}},
		// During a split the warehouse does not know the front tap: a
		// second start at the door.
		{"split: unknown start, a start", nil, out, punch.Decision{Action: punch.Start}},
		{"again within the window: already stamped", []queue.SiteTap{in, out}, early, punch.Decision{Action: punch.Ignore}},
		{"known tap is what it is", []queue.SiteTap{in, out}, in, punch.Decision{Action: punch.Start}},
		{"after max shift: start, missing stop", []queue.SiteTap{tap("front", 3, "06:00")}, late, punch.Decision{Action: punch.Start, MissingStop: true}},
	} {
		if got := Door(c.known, c.t, rules); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

// TestDoor_SameAsDecideOnOneTerminal: taps of one terminal in time order
// get at the door what punch.Decide gives today.
func TestDoor_SameAsDecideOnOneTerminal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var known []queue.SiteTap
	var e queue.Employee
	var last time.Time
	at := day
	for i := range 500 {
		at = at.Add([]time.Duration{20 * time.Second, 2 * time.Minute, 3 * time.Hour, 17 * time.Hour}[rng.IntN(4)])
		tp := queue.SiteTap{Origin: "one", Seq: uint64(i + 1), At: at, Email: anna}
		want := punch.Decide(e, punch.Elapsed{SinceLast: at.Sub(last), HaveLast: !last.IsZero(), ShiftAge: at.Sub(e.Start)}, rules)
		if got := Door(known, tp, rules); got != want {
			t.Fatalf("tap %d at %s: door %+v, Decide %+v", i, at, got, want)
		}
		known = append(known, tp)
		switch want.Action {
		case punch.Start:
			e.Open, e.Start, last = true, at, at
		case punch.Stop:
			e.Open, last = false, at
		}
	}
}

// refPair is an independent reference: taps keyed by "origin/seq" and
// sorted on a string key, walked as a state machine.
func refPair(taps []queue.SiteTap, r punch.Rules) (entries, missing []string, open string) {
	byKey := map[string]queue.SiteTap{}
	for _, t := range taps {
		k := fmt.Sprintf("%s/%d", t.Origin, t.Seq)
		if old, ok := byKey[k]; !ok || t.At.Before(old.At) {
			byKey[k] = t
		}
	}
	var list []queue.SiteTap
	for _, t := range byKey {
		list = append(list, t)
	}
	sortKey := func(t queue.SiteTap) string {
		return fmt.Sprintf("%020d|%s|%020d", t.At.UnixNano(), t.Origin, t.Seq)
	}
	sort.Slice(list, func(i, j int) bool { return sortKey(list[i]) < sortKey(list[j]) })
	name := func(t queue.SiteTap) string { return fmt.Sprintf("%s:%d", t.Origin, t.Seq) }
	var start, lastAccepted *queue.SiteTap
	for i := range list {
		t := &list[i]
		if lastAccepted != nil && t.At.Sub(lastAccepted.At) < r.RepeatWindow {
			continue
		}
		lastAccepted = t
		switch {
		case start == nil:
			start = t
		case t.At.Sub(start.At) > r.MaxShift:
			missing = append(missing, name(*start)+"-missing")
			start = t
		default:
			entries = append(entries, name(*start)+"-"+name(*t))
			start = nil
		}
	}
	if start != nil {
		open = name(*start)
	}
	return entries, missing, open
}

// randomTaps makes n taps of one employee at doors a, b and c, minutes to
// a day apart, so the repeat window and the max shift both come into play.
func randomTaps(rng *rand.Rand, n int) []queue.SiteTap {
	var out []queue.SiteTap
	seqs := map[string]uint64{}
	at := day
	steps := []time.Duration{10 * time.Second, 45 * time.Second, time.Minute, 30 * time.Minute, 4 * time.Hour, 9 * time.Hour, 16 * time.Hour, 17 * time.Hour, 0}
	for range n {
		at = at.Add(steps[rng.IntN(len(steps))])
		o := []string{"a", "b", "c"}[rng.IntN(3)]
		seqs[o]++
		out = append(out, queue.SiteTap{Origin: o, Seq: seqs[o], At: at, Email: anna})
	}
	return out
}

func TestPair_Property_ShuffledAndDuplicated_SameAsReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	rounds := 300
	for round := range rounds {
		taps := randomTaps(rng, rng.IntN(40))
		in := append([]queue.SiteTap(nil), taps...)
		for range rng.IntN(5) {
			if len(taps) > 0 {
				in = append(in, taps[rng.IntN(len(taps))])
			}
		}
		rng.Shuffle(len(in), func(i, j int) { in[i], in[j] = in[j], in[i] })
		got := Pair(in, rules)
		wantE, wantM, wantOpen := refPair(taps, rules)
		var gotM []string
		for _, m := range got.MissingStops {
			gotM = append(gotM, m.ID)
		}
		gotOpen := ""
		if got.HasOpen {
			gotOpen = TapKey(got.Open)
		}
		if !reflect.DeepEqual(ids(got.Entries), wantE) || !reflect.DeepEqual(gotM, wantM) || gotOpen != wantOpen {
			t.Fatalf("round %d: entries %v missing %v open %q; reference %v %v %q", round, ids(got.Entries), gotM, gotOpen, wantE, wantM, wantOpen)
		}
		if again := Pair(taps, rules); !reflect.DeepEqual(again, got) {
			t.Fatalf("round %d: pairing depends on input order", round)
		}
		accepted := 2*len(got.Entries) + len(got.MissingStops) + len(got.Ignored)
		if got.HasOpen {
			accepted++
		}
		if accepted != len(taps) {
			t.Fatalf("round %d: %d taps accounted for, %d given", round, accepted, len(taps))
		}
	}
}
