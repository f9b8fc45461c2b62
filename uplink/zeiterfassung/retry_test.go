package zeiterfassung_test

import (
	"context"
	"testing"
	"time"

	"stampclock/queue"
	"stampclock/queue/queuetest"
	"stampclock/uplink"
	"stampclock/uplink/zeiterfassung"
	"stampclock/uplink/zeiterfassung/zeittest"
)

// drainAll runs a runner over s until no record is pending, at most 10 s.
func drainAll(t *testing.T, s *queue.Store, snd uplink.Sender) {
	t.Helper()
	r := uplink.NewRunner("zeiterfassung", s, snd, uplink.Options{MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
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

// Issue 17 item 1, checked in Zeiterfassung: a night shift across the end
// of summer time is sent as two segments; the first is stored, the second
// rejected with a 400. `stampctl queue retry` must reconcile the first
// segment instead of creating it again.
func TestRetryDead_AfterPartialDSTSplit_NoDuplicate(t *testing.T) {
	first := true
	var srv *zeittest.Server
	o := serverOptions()
	o.OnStore = func(zeittest.Entry) {
		if first {
			first = false
			srv.FailCreates(1, zeittest.Fault{Status: 400, Message: "endtime invalid"})
		}
	}
	srv, ts := zeittest.Start(t, o)
	s := queuetest.Open(t, queue.Options{Uplinks: []queue.UplinkSpec{{Name: "zeiterfassung", Kinds: []queue.Kind{queue.KindEntry}}}})
	rec := entry(0, "2026-10-24T20:00:00Z", "2026-10-25T05:00:00Z") // 22:00 CEST – 06:00 CET
	rec.At = rec.End
	if _, err := s.Update(func(tx *queue.Tx) error { _, err := tx.Append(rec); return err }); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, ts.URL, func(o *zeiterfassung.Options) { o.Twins = uplink.Twins{Ledger: s, Uplink: "zeiterfassung"} })
	drainAll(t, s, c)
	if st, _ := s.Stats(); st.Uplinks[0].Dead != 1 || len(srv.Entries()) != 1 {
		t.Fatalf("after the 400: %+v, %d entries; want one dead letter and one segment stored", st.Uplinks[0], len(srv.Entries()))
	}
	if _, err := s.RetryDead("zeiterfassung", nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	drainAll(t, s, c)
	if st, _ := s.Stats(); st.Uplinks[0].Delivered != 1 {
		t.Fatalf("after the retry: %+v", st.Uplinks[0])
	}
	want := []wall{{"2026-10-24T22:00:00", "2026-10-25T03:00:00"}, {"2026-10-25T02:00:00", "2026-10-25T06:00:00"}}
	if got := walls(srv.Entries()); !equalWalls(got, want) {
		t.Fatalf("stored %v, want %v (each segment once)", got, want)
	}
}
