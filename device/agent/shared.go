package agent

import (
	"slices"
	"time"

	"stampclock/device/feedback"
	"stampclock/device/punch"
	"stampclock/queue"
)

// SharedShifts decides the taps of known badges from the site's merged
// taps. A tap with a trusted clock is stored as a site tap of Origin in
// the transaction of its records, and Door decides it over the
// employee's site taps held then; its punch record carries that action,
// and no entry is made here (the site's Settler makes them). A tap with
// an untrusted clock takes the terminal's own path.
type SharedShifts struct {
	// Origin is the terminal's device id.
	Origin string
	// Door returns what t is in the pairing of known (the employee's
	// site taps up to t's time, oldest first) and t.
	Door func(known []queue.SiteTap, t queue.SiteTap) punch.Decision
	// Stored, if set, is told each site tap after its commit (to publish
	// it and pair again), also a tap that is no punch. It must not block.
	Stored func(queue.SiteTap)
}

// sharedTap stores the tap base of a known badge as a site tap, decides
// it with the door over the employee's site taps and appends its punch;
// the employee's local state follows, for the terminal's own views.
func (a *Agent) sharedTap(tx *queue.Tx, base queue.Record) (feedback.Kind, queue.SiteTap, error) {
	known, err := recentSiteTaps(tx, base.Email, base.At, a.opts.Rules)
	if err != nil {
		return 0, queue.SiteTap{}, err
	}
	st, err := tx.AppendSiteTap(queue.SiteTap{Origin: a.opts.Shared.Origin, At: base.At, Email: base.Email, UID: base.UID})
	if err != nil {
		return 0, st, err
	}
	d := a.opts.Shared.Door(known, st)
	last := queue.Employee{Email: base.Email, LastTap: base.At, LastUID: base.UID, LastBoot: base.Boot, LastMono: base.Mono}
	p := base
	p.Kind = queue.KindPunch
	switch d.Action {
	case punch.Ignore:
		return feedback.AlreadyStamped, st, nil
	case punch.Start:
		p.Action = queue.ActionStart
		if p, err = tx.Append(p); err != nil {
			return 0, st, err
		}
		last.Open, last.Start, last.StartSeq, last.StartUID = true, base.At, p.Seq, base.UID
		last.StartSynced, last.StartBoot, last.StartMono = true, base.Boot, base.Mono
		return feedback.StartOK, st, tx.PutEmployee(last)
	default:
		p.Action = queue.ActionStop
		if _, err := tx.Append(p); err != nil {
			return 0, st, err
		}
		return feedback.StopOK, st, tx.PutEmployee(last)
	}
}

// maxKnown bounds the site taps read for one decision.
const maxKnown = 10_000

// recentSiteTaps returns email's site taps up to at, oldest first, back
// to the first after a gap longer than MaxShift: such a tap starts a
// shift whatever came before it, so the pairing from there on is the
// pairing of all the taps.
func recentSiteTaps(tx *queue.Tx, email string, at time.Time, r punch.Rules) ([]queue.SiteTap, error) {
	var back []queue.SiteTap
	err := tx.EachSiteTapBefore(email, at, func(st queue.SiteTap) bool {
		if n := len(back); n > 0 && back[n-1].At.Sub(st.At) > max(r.MaxShift, r.RepeatWindow) {
			return false
		}
		back = append(back, st)
		return len(back) < maxKnown
	})
	slices.Reverse(back)
	return back, err
}
