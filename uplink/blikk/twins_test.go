package blikk_test

import (
	"testing"
	"time"

	"stampclock/internal/fakehttp"
	"stampclock/queue"
	"stampclock/uplink"
	"stampclock/uplink/blikk"
)

// Issue 17 item 3, checked in Blikk: two shifts 02:10–02:40 CEST and
// 02:10–02:40 CET on 2026-10-25 make the same report (date, clockStart,
// clockEnd). The second's create is lost before the server stores it; the
// reconcile must not take the first shift's report for it.
func TestReconcile_RepeatedHour_CountsIdenticalReports(t *testing.T) {
	srv, ts := startServer(t, nil)
	first := entry(0, maier, "2026-10-25T00:10:00Z", "2026-10-25T00:40:00Z")
	second := entry(0, maier, "2026-10-25T01:10:00Z", "2026-10-25T01:40:00Z")
	first.At, second.At = first.End, second.End
	s := openQueue(t, first, second)
	c := newClient(t, ts.URL, func(o *blikk.Options) { o.Twins = uplink.Twins{Ledger: s, Uplink: "blikk"} })
	claims, err := s.Claim("blikk", 2, time.Now())
	if err != nil || len(claims) != 2 {
		t.Fatal(claims, err)
	}
	first, second = claims[0].Record, claims[1].Record
	if err := c.Send(t.Context(), first, false); err != nil {
		t.Fatal(err)
	}
	srv.SetDown(fakehttp.DownClose)
	wantClass(t, c.Send(t.Context(), second, false), uplink.Uncertain)
	srv.SetDown(fakehttp.Up)
	if err := s.Settle("blikk", []queue.Outcome{
		{Seq: first.Seq, Result: queue.Delivered},
		{Seq: second.Seq, Result: queue.MaybeSent},
	}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(t.Context(), second, true); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Reports()); n != 2 {
		t.Fatalf("%d reports for two worked shifts, want 2", n)
	}
	before := srv.Requests().Creates
	for _, r := range []queue.Record{first, second} {
		if err := c.Send(t.Context(), r, true); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Requests().Creates; n != before {
		t.Fatalf("reconcile created again: %d creates, want %d", n, before)
	}
}
