package main

import (
	"fmt"
	"io"
	"time"

	"stampclock/device/ctlproto"
)

// printSite adds the site's shared badges to `stampctl status`.
func printSite(w io.Writer, s *ctlproto.SiteBadges, loc *time.Location) {
	if s == nil {
		return
	}
	conn := "connected"
	if !s.Connected {
		conn = "NOT connected"
	}
	fmt.Fprintf(w, "site\t%s: %s, %s, %d removed, %d changes not yet confirmed by the broker\n",
		s.Site, conn, plural(s.Badges, "badge", "badges"), s.Removed, s.Pending)
	if !s.Connected && s.LastError != "" {
		fmt.Fprintf(w, "\tlast error %s: %s\n", when(s.LastErrorAt, loc), s.LastError)
	}
	if s.Conflicts > 0 {
		fmt.Fprintf(w, "\t%s since start; last %s: %s\n", plural(int(s.Conflicts), "conflict", "conflicts"), when(s.LastConflictAt, loc), s.LastConflict)
	}
	for _, uid := range s.Shadowed {
		fmt.Fprintf(w, "\tbadge %s: the config file wins here over the site's binding\n", uid)
	}
	if s.Rejected > 0 {
		fmt.Fprintf(w, "\t%d malformed badge messages ignored\n", s.Rejected)
	}
}
