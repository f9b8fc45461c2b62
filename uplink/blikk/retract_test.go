package blikk_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"stampclock/queue"
	"stampclock/uplink/blikk"
)

// Blikk does not remove time reports: a retraction (shifts across
// terminals) is skipped with a warning naming it, and nothing is sent.
func TestSend_Retraction_SkippedWithWarning(t *testing.T) {
	srv, ts := startServer(t, nil)
	var logs bytes.Buffer
	c := newClient(t, ts.URL, func(o *blikk.Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	start := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	r := queue.Record{Seq: 9, Kind: queue.KindRetract, At: start.Add(5 * time.Hour), ClockSynced: true, Email: maier,
		Start: start, End: start.Add(4 * time.Hour), Retracts: 4}
	if err := c.Send(t.Context(), r, false); err != nil {
		t.Fatal(err)
	}
	if st := srv.Requests(); st.Requests != 0 {
		t.Errorf("%d requests for a retraction", st.Requests)
	}
	if !strings.Contains(logs.String(), "retraction skipped") || !strings.Contains(logs.String(), "retracts=4") {
		t.Errorf("log:\n%s", logs.String())
	}
}
