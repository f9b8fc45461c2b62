package main

import (
	"strings"
	"testing"
	"time"

	"stampclock/device/ctlproto"
)

func TestPrintSite_ConflictsAndShadowedVisible(t *testing.T) {
	var b strings.Builder
	printSite(&b, nil, time.UTC)
	if b.Len() != 0 {
		t.Fatalf("without a site: %q", b.String())
	}
	printSite(&b, &ctlproto.SiteBadges{
		Site: "hq", Connected: true, Badges: 12, Removed: 3, Pending: 1, Conflicts: 2,
		LastConflict:   "badge 04A1B2C3: anton@example.com by door-a kept, berta@example.com by door-b lost",
		LastConflictAt: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC), Shadowed: []string{"0C0C0C0C"},
	}, time.UTC)
	containsAll(t, b.String(),
		"site\thq: connected, 12 badges, 3 removed, 1 changes not yet confirmed",
		"2 conflicts since start; last 2026-06-01",
		"berta@example.com by door-b lost",
		"badge 0C0C0C0C: the config file wins here",
	)
}

func TestPrintSite_NotConnectedSaysWhy(t *testing.T) {
	var b strings.Builder
	printSite(&b, &ctlproto.SiteBadges{Site: "hq", LastError: "connection lost: EOF", LastErrorAt: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)}, time.UTC)
	if out := b.String(); !strings.Contains(out, "hq: NOT connected") || !strings.Contains(out, "connection lost: EOF") {
		t.Fatalf("got:\n%s", out)
	}
}
