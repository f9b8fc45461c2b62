package sitetaps

import (
	"fmt"
	"time"

	"stampclock/device/punch"
	"stampclock/device/siteshifts"
	"stampclock/queue"
)

// Pruned is what one Prune did.
type Pruned struct {
	// Taps and Entries count the taps and ledger rows deleted.
	Taps, Entries int
	// Kept counts the old stretches kept because something in them is
	// not done with (an entry not delivered, a retraction pending, a
	// record still queued for an uplink).
	Kept int
}

// Prune deletes the site's taps that are done with, together with this
// terminal's ledger rows of the entries paired from them, one stretch at
// a time in one transaction. A stretch is one shift of one employee: the
// tap that starts it (in siteshifts.Pair of the taps held) and every tap
// up to the next start. Whatever came before, a tap that starts a shift
// starts it (the state then is "no shift open", or one open longer than
// MaxShift, and it is not within RepeatWindow of the last tap), so
// deleting a stretch changes the pairing of no other. A stretch is
// pruned only when
//
//   - its last tap is more than MaxShift (and RepeatWindow) older than
//     before ([site] tap_retention ago): a tap arriving late that was
//     made within the retention starts a shift of its own after it, as it
//     would have before the prune, and so corrects what it changes;
//   - this terminal (self) has delivered every entry and reported every
//     missing stop in it that is its to (siteshifts.Plan with the
//     stretch's ledger rows has nothing to create, report or retract);
//     a shift left open with this terminal's start waits for the tap
//     after it, which decides its missing stop;
//   - every record those rows name (the entry or missing stop, and its
//     retraction) is done with by every uplink: delivered or withdrawn;
//   - its taps are below their origins' watermarks and this terminal's
//     own are published.
//
// Nothing undelivered is deleted. Ledger rows older than every tap still
// held are deleted on the same terms. Prune stops after about limit taps;
// call it again while Pruned.Taps reaches limit.
func Prune(s Store, self string, rules punch.Rules, before time.Time, limit int) (Pruned, error) {
	var p Pruned
	var emails []string
	if err := s.View(func(tx *queue.Tx) error {
		var err error
		emails, err = tx.SiteTapEmails()
		return err
	}); err != nil {
		return p, fmt.Errorf("sitetaps: prune: %w", err)
	}
	gap := max(rules.MaxShift, rules.RepeatWindow)
	for _, email := range emails {
		if p.Taps >= limit {
			break
		}
		var one Pruned
		if _, err := s.Update(func(tx *queue.Tx) error {
			one = Pruned{}
			return pruneEmployee(tx, email, self, rules, gap, before, &one)
		}); err != nil {
			return p, fmt.Errorf("sitetaps: prune %s: %w", email, err)
		}
		p.Taps, p.Entries, p.Kept = p.Taps+one.Taps, p.Entries+one.Entries, p.Kept+one.Kept
	}
	return p, nil
}

// pruneEmployee prunes the done stretches of email in tx.
func pruneEmployee(tx *queue.Tx, email, self string, rules punch.Rules, gap time.Duration, before time.Time, p *Pruned) error {
	taps, err := tx.SiteTapsOf(email, earliest, far)
	if err != nil {
		return err
	}
	ledger, err := tx.SiteEntries(email)
	if err != nil {
		return err
	}
	// A stretch begins at each tap that starts a shift.
	res := siteshifts.Pair(taps, rules)
	starts := make(map[string]bool, len(res.Entries)+len(res.MissingStops)+1)
	for _, e := range res.Entries {
		starts[siteshifts.TapKey(e.Start)] = true
	}
	for _, m := range res.MissingStops {
		starts[siteshifts.TapKey(m.Start)] = true
	}
	if res.HasOpen {
		starts[siteshifts.TapKey(res.Open)] = true
	}
	var stretches [][]queue.SiteTap
	for _, st := range taps { // in the order Pair walks: (At, Origin, Seq)
		if len(stretches) == 0 || starts[siteshifts.TapKey(st)] {
			stretches = append(stretches, nil)
		}
		stretches[len(stretches)-1] = append(stretches[len(stretches)-1], st)
	}
	held := time.Time{} // the oldest tap left
	for i, s := range stretches {
		first, last := s[0].At, s[len(s)-1].At
		if !last.Add(gap).Before(before) {
			if held.IsZero() {
				held = first
			}
			break // this stretch and the later ones are young
		}
		rows := map[string]queue.SiteEntry{}
		for id, e := range ledger {
			if !e.Start.Before(first) && !e.Start.After(last) {
				rows[id] = e
			}
		}
		var next []queue.SiteTap
		if i+1 < len(stretches) {
			next = stretches[i+1][:1]
		}
		ok := done(tx, s, next, rows, self, rules)
		if ok {
			if ok, err = tx.DeleteSiteTaps(s, self); err != nil {
				return err
			}
		}
		if !ok {
			p.Kept++
			if held.IsZero() {
				held = first
			}
			continue
		}
		p.Taps += len(s)
		for id, e := range rows {
			if err := tx.DeleteSiteEntry(e); err != nil {
				return err
			}
			delete(ledger, id)
			p.Entries++
		}
	}
	if held.IsZero() {
		held = far // every tap of email is gone now
	}
	// Rows whose taps went earlier (or never were held here).
	for _, e := range ledger {
		if e.Start.Before(held) && e.Start.Add(gap).Before(before) && settled(tx, e) {
			if err := tx.DeleteSiteEntry(e); err != nil {
				return err
			}
			p.Entries++
		}
	}
	return nil
}

// done tells whether stretch s (with next, the first tap after it, if
// any) is done with at self, its ledger rows being rows.
func done(tx *queue.Tx, s, next []queue.SiteTap, rows map[string]queue.SiteEntry, self string, rules punch.Rules) bool {
	res := siteshifts.Pair(append(append([]queue.SiteTap(nil), s...), next...), rules)
	if len(next) == 0 && res.HasOpen && res.Open.Origin == self {
		return false // its missing stop is this terminal's to report once a tap follows
	}
	a := siteshifts.Plan(res, self, rows, far, 0)
	if len(a.Create)+len(a.Report)+len(a.Retract) > 0 {
		return false
	}
	for _, e := range rows {
		if !settled(tx, e) {
			return false
		}
	}
	return true
}

// settled tells whether every uplink is done with the records of ledger
// row e: its entry (or missing stop) and its retraction.
func settled(tx *queue.Tx, e queue.SiteEntry) bool {
	if u, _ := tx.Outstanding(e.Seq); u != "" {
		return false
	}
	if e.RetractSeq != 0 {
		if u, _ := tx.Outstanding(e.RetractSeq); u != "" {
			return false
		}
	}
	return true
}
