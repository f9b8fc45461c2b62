package siteshifts

import (
	"cmp"
	"slices"
	"time"

	"stampclock/queue"
)

// Actions is what one terminal has to do about one employee's pairing.
type Actions struct {
	// Create are the entries to deliver, in tap order: stopped at this
	// terminal, the stop at least settle old, and not delivered (or
	// retracted and now paired again).
	Create []Entry
	// Report are the missing stops to report, in tap order: started at
	// this terminal, the next tap at least settle old, not reported yet.
	Report []MissingStop
	// Retract are the ledger's delivered entries and missing stops that
	// the pairing no longer holds, oldest record first.
	Retract []queue.SiteEntry
	// Waiting counts this terminal's entries and missing stops not yet
	// settle old and not delivered; Next is when the first of them is.
	Waiting int
	Next    time.Time
}

// Plan compares the pairing res of one employee's taps with ledger, what
// this terminal (device) delivered for that employee, at now. Each entry
// is delivered by the terminal of its stop, each missing stop reported by
// the terminal of its start, once settle has passed since the tap that
// decided it; whatever the ledger holds as delivered that res no longer
// holds is retracted. Plan is pure: the same arguments give the same
// Actions.
func Plan(res Result, device string, ledger map[string]queue.SiteEntry, now time.Time, settle time.Duration) Actions {
	var a Actions
	current := make(map[string]bool, len(res.Entries)+len(res.MissingStops))
	wait := func(at time.Time) bool {
		due := at.Add(settle)
		if !now.Before(due) {
			return false
		}
		a.Waiting++
		if a.Next.IsZero() || due.Before(a.Next) {
			a.Next = due
		}
		return true
	}
	delivered := func(id string) bool {
		e, ok := ledger[id]
		return ok && e.State == queue.SiteDelivered
	}
	for _, e := range res.Entries {
		current[e.ID] = true
		if e.Stop.Origin != device || delivered(e.ID) || wait(e.Stop.At) {
			continue
		}
		a.Create = append(a.Create, e)
	}
	for _, m := range res.MissingStops {
		current[m.ID] = true
		if m.Start.Origin != device || delivered(m.ID) || wait(m.Next.At) {
			continue
		}
		a.Report = append(a.Report, m)
	}
	for id, e := range ledger {
		if e.State == queue.SiteDelivered && !current[id] {
			a.Retract = append(a.Retract, e)
		}
	}
	slices.SortFunc(a.Retract, func(x, y queue.SiteEntry) int {
		if c := cmp.Compare(x.Seq, y.Seq); c != 0 {
			return c
		}
		return cmp.Compare(x.ID, y.ID)
	})
	return a
}
