package sitetaps

import (
	"time"

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
