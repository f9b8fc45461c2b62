package main

import (
	"strings"
	"testing"
	"time"

	"stampclock/device/ctlproto"
)

func TestPrintSiteShifts_PeersBehindAndWaiting(t *testing.T) {
	var b strings.Builder
	printSiteShifts(&b, nil, nil, time.UTC)
	if b.Len() != 0 {
		t.Fatalf("without shared shifts: %q", b.String())
	}
	printSiteShifts(&b, &ctlproto.SiteTaps{
		Site: "hq", Connected: false, Peers: 2, Unpublished: 3, Behind: 4, Received: 10, Duplicates: 1, Conflicts: 1,
		LastError: "connection lost: EOF", LastErrorAt: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC),
		Origins: []ctlproto.SiteTapOrigin{{Origin: "door-b", Contiguous: 5, Highest: 7, Head: 9, Held: 6}},
	}, &ctlproto.SiteShifts{Delivered: 7, Retracted: 1, Waiting: 2, NextSettle: time.Date(2026, 6, 1, 10, 2, 0, 0, time.UTC), Paused: "the clock is not synchronised"}, time.UTC)
	for _, want := range []string{
		"site taps\thq: NOT connected, 2 peers, 3 own taps not yet confirmed by the broker, 4 announced by peers not held yet",
		"connection lost: EOF",
		"10 received (1 duplicates)",
		"1 conflict (held taps kept)",
		"door-b: all up to 5 held, highest 7, announced 9, 6 kept",
		"site shifts\t7 entries delivered here, 1 retracted, 2 waiting to settle (next 2026-06-01",
		"paused: the clock is not synchronised",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in:\n%s", want, b.String())
		}
	}
}
