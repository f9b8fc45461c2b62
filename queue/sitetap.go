package queue

import "time"

// SiteTap is one tap of a known badge at a terminal of the site, as shared
// between the site's terminals. Origin and Seq identify it: Seq counts the
// origin's site taps 1, 2, 3… without gaps, so a peer sees what it lacks.
type SiteTap struct {
	Origin string    `json:"origin"` // device.id of the terminal tapped
	Seq    uint64    `json:"seq"`
	At     time.Time `json:"at"` // UTC; only trusted times are shared
	Email  string    `json:"email"`
	UID    string    `json:"uid"`
}
