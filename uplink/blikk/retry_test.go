package blikk_test

import (
	"context"
	"testing"
	"time"

	"stampclock/queue"
	"stampclock/queue/queuetest"
	"stampclock/uplink"
	"stampclock/uplink/blikk"
	"stampclock/uplink/blikk/blikktest"
)

// openQueue opens a store with one uplink "blikk" and appends recs.
func openQueue(t *testing.T, recs ...queue.Record) *queue.Store {
	t.Helper()
	s := queuetest.Open(t, queue.Options{Uplinks: []queue.UplinkSpec{{Name: "blikk", Kinds: []queue.Kind{queue.KindEntry}}}})
	for _, r := range recs {
		if _, err := s.Update(func(tx *queue.Tx) error { _, err := tx.Append(r); return err }); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// drainAll runs a runner over s until no record is pending (delivered
// or dead-lettered), at most 10 s.
func drainAll(t *testing.T, s *queue.Store, snd uplink.Sender) {
	t.Helper()
	r := uplink.NewRunner("blikk", s, snd, uplink.Options{MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := s.Stats()
		if err != nil {
			t.Fatal(err)
		}
		if st.Uplinks[0].Pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still pending after 10 s: %+v", st.Uplinks[0])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Issue 17 item 1: a night shift is sent as two reports; report 1 is
// stored, report 2 gets a 400 and the entry is dead-lettered ("1 of 2
// reports delivered before this one failed"). `stampctl queue retry` put
// it back as pending and the next attempt posted both again: report 1 was
// in Blikk twice. A retried dead letter whose first part is stored is
// reconciled first.
func TestRetryDead_AfterPartialDelivery_NoDuplicate(t *testing.T) {
	var srv *blikktest.Server
	first := true
	srv, ts := startServer(t, func(o *blikktest.Options) {
		o.OnStore = func(blikktest.Report) {
			if first {
				first = false
				srv.FailCreates(1, blikktest.Fault{Status: 400, Body: `{"message":"The request is invalid.","modelState":{"clockEnd":["Invalid"]}}`})
			}
		}
	})
	c := newClient(t, ts.URL, nil)
	rec := entry(0, maier, "2026-06-12T19:00:00Z", "2026-06-13T04:30:00Z") // 21:00–06:30 CEST: two reports
	rec.At, rec.ClockSynced, rec.StartSynced = rec.End, true, true
	s := openQueue(t, rec)

	drainAll(t, s, c)
	st, _ := s.Stats()
	if u := st.Uplinks[0]; u.Dead != 1 || len(srv.Reports()) != 1 {
		t.Fatalf("after the 400: dead %d, %d reports stored; want 1 and 1", u.Dead, len(srv.Reports()))
	}

	if _, err := s.RetryDead("blikk", nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	drainAll(t, s, c)
	st, _ = s.Stats()
	if u := st.Uplinks[0]; u.Delivered != 1 || u.Pending != 0 || u.Dead != 0 {
		t.Fatalf("after the retry: %+v; want delivered", u)
	}
	if d := srv.Duplicates(); len(d) != 0 {
		t.Fatalf("duplicate reports after the retry: %+v", d)
	}
	if n := len(srv.Reports()); n != 2 {
		t.Fatalf("%d reports stored, want 2", n)
	}
}

// Issue 17 item 10: the document says "The 'Hours' field will be deducted
// by the amount of break minutes" yet its create example sends hours 7.75
// for 10:00–18:00 with 15 break minutes. Net is the default; "gross" sends
// the hours before the break for a Blikk that deducts it itself.
func TestSend_HoursNetByDefaultGrossAsOption(t *testing.T) {
	for _, tc := range []struct {
		gross bool
		want  float64
	}{{false, 7.75}, {true, 8}} {
		srv, ts := startServer(t, nil)
		c := newClient(t, ts.URL, func(o *blikk.Options) {
			o.BreakRules = []blikk.BreakRule{{After: 6 * time.Hour, Break: 15 * time.Minute}}
			o.HoursGross = tc.gross
		})
		rec := entry(1, maier, "2026-06-12T08:00:00Z", "2026-06-12T16:00:00Z") // 10:00–18:00 CEST
		if err := c.Send(t.Context(), rec, false); err != nil {
			t.Fatal(err)
		}
		equalShorts(t, srv.Reports(), []short{{maierUID, "2026-06-12", "10:00", "18:00", tc.want, tc.want, 15}})
		// Reconciling finds it whichever way it was sent.
		if err := c.Send(t.Context(), rec, true); err != nil || srv.Requests().Creates != 1 {
			t.Fatalf("gross %v: reconcile: %v, %d creates", tc.gross, err, srv.Requests().Creates)
		}
	}
}
