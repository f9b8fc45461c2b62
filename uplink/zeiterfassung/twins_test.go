package zeiterfassung_test

import (
	"testing"
	"time"

	"stampclock/internal/fakehttp"
	"stampclock/queue"
	"stampclock/queue/queuetest"
	"stampclock/uplink"
	"stampclock/uplink/zeiterfassung"
)

// Issue 17 item 3: maier taps 02:10 and 02:40 at +02:00, then 02:10 and
// 02:40 at +01:00 on 2026-10-25. The second entry's answer is dropped
// before the server stores it; the reconcile lookup found the first entry
// (the same wall clock: the API takes no offset), logged "entry already
// on the server, not sent again", and the server held one entry for two
// worked shifts. Reconciliation counts: two identical local entries need
// two on the server.
func TestReconcile_RepeatedHour_CountsIdenticalEntries(t *testing.T) {
	srv, ts := startServer(t)
	s := queuetest.Open(t, queue.Options{Uplinks: []queue.UplinkSpec{{Name: "zeiterfassung", Kinds: []queue.Kind{queue.KindEntry}}}})
	c := newClient(t, ts.URL, func(o *zeiterfassung.Options) {
		o.Twins = uplink.Twins{Ledger: s, Uplink: "zeiterfassung"}
	})
	recs, err := s.Update(func(tx *queue.Tx) error {
		for _, r := range []queue.Record{
			entry(0, "2026-10-25T00:10:00Z", "2026-10-25T00:40:00Z"), // 02:10–02:40 CEST
			entry(0, "2026-10-25T01:10:00Z", "2026-10-25T01:40:00Z"), // 02:10–02:40 CET
		} {
			r.At = r.End
			if _, err := tx.Append(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	first, second := recs[0], recs[1]
	claims, err := s.Claim("zeiterfassung", 2, time.Now())
	if err != nil || len(claims) != 2 {
		t.Fatal(claims, err)
	}
	if err := c.Send(t.Context(), first, false); err != nil {
		t.Fatal(err)
	}
	srv.SetDown(fakehttp.DownClose) // the second create's answer is lost, nothing stored
	wantClass(t, c.Send(t.Context(), second, false), uplink.Uncertain)
	srv.SetDown(fakehttp.Up)
	if err := s.Settle("zeiterfassung", []queue.Outcome{
		{Seq: first.Seq, Result: queue.Delivered},
		{Seq: second.Seq, Result: queue.MaybeSent},
	}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Entries()); n != 1 {
		t.Fatalf("%d entries before the reconcile, want 1", n)
	}

	if err := c.Send(t.Context(), second, true); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Entries()); n != 2 {
		t.Fatalf("%d entries on the server for two worked shifts, want 2", n)
	}

	// Now both are there: reconciling either again sends nothing.
	before := srv.Requests().Creates
	for _, r := range []queue.Record{first, second} {
		if err := c.Send(t.Context(), r, true); err != nil {
			t.Fatal(err)
		}
	}
	if st := srv.Requests(); st.Creates != before {
		t.Fatalf("reconcile created again: %d creates, want %d", st.Creates, before)
	}
}
