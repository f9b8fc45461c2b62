package daemon

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"

	"stampclock/device/control"
)

// anna owns an enrolled badge; mallory tries to take it (both are users of
// the test server).
const (
	anna    = huber
	mallory = maier
)

func (h *harness) addBadge(uid, email string) {
	h.t.Helper()
	if err := control.Call(context.Background(), h.socket, "badges.add", BadgeArgs{UID: uid, Email: email}, nil); err != nil {
		h.t.Fatalf("badges add %s %s: %v", uid, email, err)
	}
}

func (h *harness) badgeEmail(uid string) string {
	h.t.Helper()
	var bs []BadgeInfo
	if err := control.Call(context.Background(), h.socket, "badges.list", nil, &bs); err != nil {
		h.t.Fatal(err)
	}
	for _, b := range bs {
		if b.UID == uid {
			return b.Email
		}
	}
	return ""
}

// Issue 11, defect 6: `stampctl enroll --email mallory… --timeout 1h`
// killed with kill -9 left the enrolment armed; anna's next tap was not
// punched and her badge was re-bound to mallory.
func TestDaemon_EnrolClientGone_EnrolmentEndsTapPunched(t *testing.T) {
	h := newHarness(t)
	h.start(h.config(""))
	h.addBadge("0A000001", anna)
	// The client: one request on a raw connection, then it dies.
	conn, err := net.Dial("unix", h.socket)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := json.Marshal(control.Request{Cmd: "enroll", Args: json.RawMessage(`{"email":"` + mallory + `","timeout_seconds":3600}`)})
	if _, err := conn.Write(append(req, '\n')); err != nil {
		t.Fatal(err)
	}
	h.eventually("enrolment armed", func() bool { return h.status().Enrolling == mallory })
	conn.Close() // kill -9 closes the socket the same way
	h.eventually("enrolment withdrawn", func() bool { return h.status().Enrolling == "" })
	if r := h.tap("0A000001", "2026-06-01T07:00:00Z"); r.Result != "start_ok" || r.Email != anna {
		t.Fatalf("anna's tap = %+v, want start_ok for her", r)
	}
	if got := h.badgeEmail("0A000001"); got != anna {
		t.Fatalf("badge bound to %q, want %s", got, anna)
	}
}

// A badge enrolled for someone else is never re-bound by a tap without
// --replace: the tap is an error and counts as nothing, the enrolment
// fails naming the owner; with replace it is re-bound.
func TestDaemon_EnrolTapOfAnothersBadge_RefusedUnlessReplace(t *testing.T) {
	h := newHarness(t)
	h.start(h.config(""))
	h.addBadge("0A000001", anna)
	enrol := func(replace bool) (EnrollResult, error) {
		done := make(chan error, 1)
		var res EnrollResult
		go func() {
			done <- control.Call(context.Background(), h.socket, "enroll", EnrollArgs{Email: mallory, Timeout: 20, Replace: replace}, &res)
		}()
		h.eventually("enrolment armed", func() bool { return h.status().Enrolling != "" })
		tap := h.tap("0A000001", "2026-06-01T07:00:00Z")
		err := <-done
		if !replace && tap.Result != "error" {
			t.Errorf("tap during enrolment = %+v, want error", tap)
		}
		return res, err
	}
	if _, err := enrol(false); err == nil || !strings.Contains(err.Error(), anna) || !strings.Contains(err.Error(), "--replace") {
		t.Fatalf("enrol over anna's badge: %v", err)
	}
	if got := h.badgeEmail("0A000001"); got != anna {
		t.Fatalf("badge re-bound to %q without --replace", got)
	}
	if st := h.status(); st.Taps.Starts != 0 {
		t.Fatalf("the refused tap punched: %+v", st.Taps)
	}
	if res, err := enrol(true); err != nil || res.UID != "0A000001" {
		t.Fatalf("enrol --replace: %+v, %v", res, err)
	}
	if got := h.badgeEmail("0A000001"); got != mallory {
		t.Fatalf("after --replace the badge is %q's", got)
	}
}

// Issue 11 (weaknesses): `tap --at 9999-12-31T23:59:59Z` overflowed the
// time arithmetic and the badge answered already_stamped for ever.
func TestDaemon_TapAtAbsurdTime_RefusedBadgeStillWorks(t *testing.T) {
	h := newHarness(t)
	h.start(h.config(""))
	for _, at := range []string{"9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2100-01-01T00:00:00Z"} {
		err := control.Call(context.Background(), h.socket, "tap", TapArgs{UID: "04A1B2C3", At: at}, nil)
		if err == nil || !strings.Contains(err.Error(), "outside") {
			t.Errorf("tap --at %s: %v, want it refused as outside the range", at, err)
		}
	}
	if r := h.tap("04A1B2C3", "2026-06-01T07:00:00Z"); r.Result != "start_ok" {
		t.Fatalf("tap after the refused ones: %+v", r)
	}
}
