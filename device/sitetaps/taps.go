package sitetaps

import (
	"strings"
	"time"

	"stampclock/device/punch"
	"stampclock/device/siteshifts"
	"stampclock/queue"
)

// Taps reads the site's taps held in the store, for the pairing (the
// siteshifts.Taps of its Settler).
type Taps struct{}

// far is after every time a tap can have.
var far = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// SiteTaps returns every tap of email held (compared case-insensitively),
// ordered by time.
func (Taps) SiteTaps(tx *queue.Tx, email string) ([]queue.SiteTap, error) {
	return tx.SiteTapsOf(email, earliest, far)
}

// SiteTapEmails returns the employees with taps held (lower case).
func (Taps) SiteTapEmails(tx *queue.Tx) ([]string, error) { return tx.SiteTapEmails() }

// Done returns the test of whether a held tap is done with, so that
// Store.PruneSiteTaps may delete it: the tap is older than before and so
// is every tap of its employee up to a gap longer than MaxShift (the tap
// after such a gap starts a shift whatever came before, so deleting what
// lies before it changes no later pairing), and this terminal (self) has
// nothing to deliver there and holds no delivered entry there in its
// ledger (the Settler would retract an entry whose taps are gone). Taps
// of entries this terminal delivered are therefore kept.
//
// The returned function caches per employee: use it for one prune pass.
func Done(self string, rules punch.Rules, before time.Time) func(*queue.Tx, queue.SiteTap) (bool, error) {
	gap := max(rules.MaxShift, rules.RepeatWindow)
	// boundary per employee: taps before it are done; zero: none.
	boundary := map[string]time.Time{}
	return func(tx *queue.Tx, st queue.SiteTap) (bool, error) {
		email := strings.ToLower(st.Email)
		b, ok := boundary[email]
		if !ok {
			var err error
			if b, err = doneBefore(tx, email, self, rules, gap, before); err != nil {
				return false, err
			}
			boundary[email] = b
		}
		return st.At.Before(b), nil
	}
}

// doneBefore returns the time before which email's taps are done with
// (see Done); zero if none are.
func doneBefore(tx *queue.Tx, email, self string, rules punch.Rules, gap time.Duration, before time.Time) (time.Time, error) {
	// The last reset point: the first tap after a gap, all taps before
	// it older than before (it may be young itself).
	next, err := tx.SiteTapsOf(email, earliest, far)
	if err != nil {
		return time.Time{}, err
	}
	cut := -1
	for j := 1; j < len(next); j++ {
		if !next[j-1].At.Before(before) {
			break
		}
		if next[j].At.Sub(next[j-1].At) > gap {
			cut = j
		}
	}
	if cut < 0 {
		return time.Time{}, nil
	}
	res := siteshifts.Pair(next[:cut+1], rules)
	for _, e := range res.Entries {
		if e.Stop.Origin == self {
			return time.Time{}, nil
		}
	}
	for _, m := range res.MissingStops {
		if m.Start.Origin == self {
			return time.Time{}, nil
		}
	}
	ledger, err := tx.SiteEntries(email)
	if err != nil {
		return time.Time{}, err
	}
	for _, e := range ledger {
		if e.State == queue.SiteDelivered && e.Start.Before(next[cut].At) {
			return time.Time{}, nil
		}
	}
	return next[cut].At, nil
}
