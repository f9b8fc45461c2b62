package siteshifts

import (
	"cmp"
	"slices"
	"strconv"

	"stampclock/device/punch"
	"stampclock/queue"
)

// Entry is a start tap paired with its stop tap.
type Entry struct {
	// ID is "<startOrigin>:<startSeq>-<stopOrigin>:<stopSeq>": the same on
	// every terminal.
	ID    string
	Start queue.SiteTap
	Stop  queue.SiteTap
}

// MissingStop is a start whose shift had no stop within MaxShift: Next,
// the following tap, came later and started a new shift.
type MissingStop struct {
	// ID is "<startOrigin>:<startSeq>-missing".
	ID    string
	Start queue.SiteTap
	Next  queue.SiteTap
}

// Result is the pairing of one employee's taps, each list in tap order.
type Result struct {
	Entries      []Entry
	MissingStops []MissingStop
	// Ignored are the taps within RepeatWindow of the last accepted tap,
	// whatever door. A tap given twice is one tap.
	Ignored []queue.SiteTap
	// Open is the start of the shift still running; HasOpen tells whether
	// there is one.
	Open    queue.SiteTap
	HasOpen bool
}

// TapKey returns "<origin>:<seq>", a tap's identity.
func TapKey(t queue.SiteTap) string {
	return t.Origin + ":" + strconv.FormatUint(t.Seq, 10)
}

// EntryID returns the id of the entry from start to stop.
func EntryID(start, stop queue.SiteTap) string { return TapKey(start) + "-" + TapKey(stop) }

// MissingStopID returns the id of the missing stop of start.
func MissingStopID(start queue.SiteTap) string { return TapKey(start) + "-missing" }

// compareTaps orders taps by (At, Origin, Seq): the order every terminal
// walks them in.
func compareTaps(a, b queue.SiteTap) int {
	if c := a.At.Compare(b.At); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Origin, b.Origin); c != 0 {
		return c
	}
	return cmp.Compare(a.Seq, b.Seq)
}

// Pair pairs one employee's taps with the rules of punch.Decide, in the
// order (At, Origin, Seq) whatever order taps are given in; a tap given
// twice (same Origin and Seq) counts once. Walking that order: a tap
// within RepeatWindow of the last accepted tap is ignored, at any door;
// otherwise with no shift open it starts one; with a shift open longer
// than MaxShift that shift is a missing stop and the tap starts a new one;
// else it stops the shift, making an entry.
func Pair(taps []queue.SiteTap, r punch.Rules) Result {
	sorted := slices.Clone(taps)
	slices.SortFunc(sorted, compareTaps)
	var res Result
	type key struct {
		origin string
		seq    uint64
	}
	seen := make(map[key]bool, len(sorted))
	var last queue.SiteTap
	haveLast := false
	for _, t := range sorted {
		if seen[key{t.Origin, t.Seq}] {
			continue // the same tap again: not a tap of its own
		}
		seen[key{t.Origin, t.Seq}] = true
		d := punch.Decide(queue.Employee{Open: res.HasOpen}, punch.Elapsed{
			SinceLast: t.At.Sub(last.At), HaveLast: haveLast,
			ShiftAge: t.At.Sub(res.Open.At),
		}, r)
		switch d.Action {
		case punch.Ignore:
			res.Ignored = append(res.Ignored, t)
			continue
		case punch.Start:
			if d.MissingStop {
				res.MissingStops = append(res.MissingStops, MissingStop{ID: MissingStopID(res.Open), Start: res.Open, Next: t})
			}
			res.Open, res.HasOpen = t, true
		case punch.Stop:
			res.Entries = append(res.Entries, Entry{ID: EntryID(res.Open, t), Start: res.Open, Stop: t})
			res.Open, res.HasOpen = queue.SiteTap{}, false
		}
		last, haveLast = t, true
	}
	return res
}

// Door returns what tap t is in the pairing of known and t: what the
// terminal shows at the door, from the taps it knows when t is tapped.
// A t that is already among known (same Origin and Seq) is what that tap
// is.
func Door(known []queue.SiteTap, t queue.SiteTap, r punch.Rules) punch.Decision {
	taps := make([]queue.SiteTap, 0, len(known)+1)
	taps = append(taps, known...)
	taps = append(taps, t)
	res := Pair(taps, r)
	is := func(x queue.SiteTap) bool { return x.Origin == t.Origin && x.Seq == t.Seq }
	for _, e := range res.Entries {
		if is(e.Start) {
			return punch.Decision{Action: punch.Start, MissingStop: startsAfterMissing(res, t)}
		}
		if is(e.Stop) {
			return punch.Decision{Action: punch.Stop}
		}
	}
	if res.HasOpen && is(res.Open) {
		return punch.Decision{Action: punch.Start, MissingStop: startsAfterMissing(res, t)}
	}
	for _, m := range res.MissingStops {
		if is(m.Start) {
			return punch.Decision{Action: punch.Start, MissingStop: startsAfterMissing(res, t)}
		}
	}
	return punch.Decision{Action: punch.Ignore}
}

// startsAfterMissing tells whether start t closed an older shift as a
// missing stop.
func startsAfterMissing(res Result, t queue.SiteTap) bool {
	for _, m := range res.MissingStops {
		if m.Next.Origin == t.Origin && m.Next.Seq == t.Seq {
			return true
		}
	}
	return false
}
