package main

import (
	"fmt"
	"io"
	"time"

	"stampclock/device/ctlproto"
)

// printSiteShifts adds the shifts across terminals to `stampctl status`:
// the exchange of the site's taps and this terminal's share of entries.
func printSiteShifts(w io.Writer, x *ctlproto.SiteTaps, sh *ctlproto.SiteShifts, loc *time.Location) {
	if x == nil {
		return
	}
	conn := "connected"
	if !x.Connected {
		conn = "NOT connected"
	}
	fmt.Fprintf(w, "site taps\t%s: %s, %s, %d own taps not yet confirmed by the broker, %d announced by peers not held yet\n",
		x.Site, conn, plural(x.Peers, "peer", "peers"), x.Unpublished, x.Behind)
	if !x.Connected && x.LastError != "" {
		fmt.Fprintf(w, "\tlast error %s: %s\n", when(x.LastErrorAt, loc), x.LastError)
	}
	fmt.Fprintf(w, "\tsince start: %d received (%d duplicates), %d published, %d replays asked, %d taps replayed for peers\n",
		x.Received, x.Duplicates, x.Published, x.ReplaysAsked, x.ReplaysAnswered)
	if x.Rejected > 0 || x.Conflicts > 0 {
		fmt.Fprintf(w, "\t%d malformed tap messages ignored, %s (held taps kept)\n", x.Rejected, plural(int(x.Conflicts), "conflict", "conflicts"))
	}
	for _, o := range x.Origins {
		fmt.Fprintf(w, "\t%s: all up to %d held, highest %d, announced %d, %d kept\n", o.Origin, o.Contiguous, o.Highest, o.Head, o.Held)
	}
	if sh == nil {
		return
	}
	fmt.Fprintf(w, "site shifts\t%d entries delivered here, %d retracted, %d waiting to settle", sh.Delivered, sh.Retracted, sh.Waiting)
	if !sh.NextSettle.IsZero() {
		fmt.Fprintf(w, " (next %s)", when(sh.NextSettle, loc))
	}
	fmt.Fprintln(w)
	if sh.Paused != "" {
		fmt.Fprintf(w, "\tpaused: %s\n", sh.Paused)
	}
	if sh.LastError != "" {
		fmt.Fprintf(w, "\tlast error: %s\n", sh.LastError)
	}
}
