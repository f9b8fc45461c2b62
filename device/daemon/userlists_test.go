package daemon

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"stampclock/device/control"
	"stampclock/uplink/blikk/blikktest"
)

// With Zeiterfassung and Blikk on, a badge's records go to both: its email
// must be a Zeiterfassung user and one blikk.users maps, and a refusal
// names the list that lacks it.
func TestBadgesAdd_EveryListingUplinkMustKnowTheEmail(t *testing.T) {
	_, url := startBlikk(t)
	h := newHarness(t)
	blikkOnlyMaier := fmt.Sprintf(`
[blikk]
url = %q
allow_http = true
app_id = %q
app_secret_file = %q
users = { %q = 12 }
activity_id = 1
time_code_id = 1
time_article_id = 1
timeout = "2s"
`, url, blikktest.DefaultAppID, h.secretFile("blikk.secret", blikktest.DefaultAppSecret), maier)
	h.start(h.config(blikkOnlyMaier))

	add := func(uid, email string) (BadgeInfo, error) {
		var b BadgeInfo
		err := control.Call(context.Background(), h.socket, "badges.add", BadgeArgs{UID: uid, Email: email}, &b)
		return b, err
	}
	for _, tc := range []struct{ email, want string }{
		{huber, huber + " is not a user of the time-tracking system (blikk's list of users)"},                   // a Zeiterfassung user Blikk cannot take
		{"nobody@example.com", "nobody@example.com is not a user of the time-tracking system (zeiterfassung's"}, // on neither list
	} {
		if _, err := add("0A000001", tc.email); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("badges add %s: %v; want %q", tc.email, err, tc.want)
		}
	}
	b, err := add("0A000002", strings.ToUpper(maier))
	if err != nil || b.Unverified {
		t.Fatalf("badges add %s (on both lists): %+v, %v; want added, verified", maier, b, err)
	}
}
