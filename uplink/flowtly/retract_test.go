package flowtly_test

import (
	"strings"
	"testing"

	"stampclock/queue"
)

// Flowtly does not remove entries: a retraction (shifts across
// terminals) is skipped with a warning naming it, and nothing is sent.
func TestSend_Retraction_SkippedWithWarning(t *testing.T) {
	srv, _, c, logs := setup(t, nil)
	e := entry(4, "anna@example.com", "2026-03-02 08:00:00", "2026-03-02 12:00:00")
	r := queue.Record{Seq: 9, Kind: queue.KindRetract, At: e.End, ClockSynced: true, Email: e.Email, Start: e.Start, End: e.End, Retracts: 4}
	if err := c.Send(t.Context(), r, false); err != nil {
		t.Fatal(err)
	}
	if st := srv.Requests(); st.Requests != 0 {
		t.Errorf("%d requests for a retraction", st.Requests)
	}
	if !strings.Contains(logs.String(), "retraction skipped") || !strings.Contains(logs.String(), "retracts=4") {
		t.Errorf("log:\n%s", logs)
	}
}
