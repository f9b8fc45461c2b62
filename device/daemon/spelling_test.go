package daemon

import (
	"context"
	"testing"

	"stampclock/device/control"
)

// Maier's first badge is in the config as maier@example.com; a second one
// is added with her email in other case (by hand, from a CSV, at the
// enrolment). It must be the same employee: the second badge's tap stops
// the shift the first started. Before, the email was stored as typed, and
// the second tap started a second open shift.
func TestBadges_EmailInOtherCase_SameEmployee(t *testing.T) {
	for _, tc := range []struct {
		name string
		add  func(h *harness, uid, email string) error
	}{
		{"badges add", func(h *harness, uid, email string) error {
			return control.Call(context.Background(), h.socket, "badges.add", BadgeArgs{UID: uid, Email: email}, nil)
		}},
		{"badges import", func(h *harness, uid, email string) error {
			var res ImportResult
			err := control.Call(context.Background(), h.socket, "badges.import",
				ImportArgs{Rows: []ImportRow{{Line: 2, UID: uid, Email: email}}}, &res)
			if err == nil && len(res.Errors) > 0 {
				t.Fatalf("import: %+v", res.Errors)
			}
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.start(h.config(""))
			if err := tc.add(h, "04A1B2C9", "Maier@Example.COM"); err != nil {
				t.Fatal(err)
			}
			var badges []BadgeInfo
			if err := control.Call(context.Background(), h.socket, "badges.list", nil, &badges); err != nil {
				t.Fatal(err)
			}
			for _, b := range badges {
				if b.UID == "04A1B2C9" && b.Email != maier {
					t.Errorf("badge 04A1B2C9 email = %q, want %q as the config spells it", b.Email, maier)
				}
			}
			if res := h.tap("04A1B2C3", "2026-03-02T07:58:12+01:00"); res.Result != "start_ok" {
				t.Fatalf("first badge: %+v", res)
			}
			if res := h.tap("04A1B2C9", "2026-03-02T16:45:30+01:00"); res.Result != "stop_ok" || res.Email != maier {
				t.Fatalf("second badge: %+v, want stop_ok for %s", res, maier)
			}
			if n := len(h.status().Queue.OpenShifts); n != 0 {
				t.Errorf("open shifts = %d, want 0", n)
			}
		})
	}
}
