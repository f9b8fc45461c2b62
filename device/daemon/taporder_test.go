package daemon

import (
	"context"
	"strings"
	"testing"

	"stampclock/device/control"
)

// `stampctl tap --at` with a time before the open shift's start (a
// technician testing, a day mistyped) is refused and changes nothing.
// Before, it stopped the shift, and the entry ended a day before it began.
func TestTap_GivenTimeBeforeOpenShift_Refused(t *testing.T) {
	h := newHarness(t)
	h.start(h.config(""))
	if r := h.tap("04A1B2C3", "2026-03-02T08:00:00+01:00"); r.Result != "start_ok" {
		t.Fatalf("start: %+v", r)
	}
	var res TapResult
	err := control.Call(context.Background(), h.socket, "tap", TapArgs{UID: "04A1B2C3", At: "2026-03-01T16:00:00+01:00"}, &res)
	if err == nil || !strings.Contains(err.Error(), "is before maier@example.com's open shift started (2026-03-02T08:00:00+01:00)") {
		t.Fatalf("tap before the start = %+v, %v; want refused", res, err)
	}
	if n := len(h.status().Queue.OpenShifts); n != 1 {
		t.Fatalf("open shifts = %d, want the one still open", n)
	}
	if r := h.tap("04A1B2C3", "2026-03-02T16:00:00+01:00"); r.Result != "stop_ok" {
		t.Fatalf("stop after the start: %+v", r)
	}
	// An unknown badge and a badge without an open shift take any time.
	if r := h.tap("0A0B0C0D", "2026-03-01T16:00:00+01:00"); r.Result != "unknown_badge" {
		t.Fatalf("unknown badge: %+v", r)
	}
	if r := h.tap("04A1B2C3", "2026-03-01T07:00:00+01:00"); r.Result != "start_ok" {
		t.Fatalf("a start earlier than the last shift: %+v", r)
	}
}
