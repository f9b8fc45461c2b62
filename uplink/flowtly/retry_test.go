package flowtly_test

import (
	"context"
	"testing"
	"time"

	"stampclock/queue"
	"stampclock/queue/queuetest"
	"stampclock/uplink"
	"stampclock/uplink/flowtly"
	"stampclock/uplink/flowtly/flowtlytest"
)

// Issue 17 item 1, checked in Flowtly: a night shift is sent as one record
// per local day; the first is stored, the second rejected with a 422.
// `stampctl queue retry` must reconcile the first day instead of creating
// it again.
func TestRetryDead_AfterPartialDays_NoDuplicate(t *testing.T) {
	s := queuetest.Open(t, queue.Options{Uplinks: []queue.UplinkSpec{{Name: "flowtly", Kinds: []queue.Kind{queue.KindEntry}}}})
	// The first day is stored; then the server rejects the second.
	var srv *flowtlytest.Server
	stored := 0
	srv, ts := flowtlytest.Start(t, flowtlytest.Options{Employees: []string{"emp_102"}, Projects: []string{"aurora"},
		OnStore: func(flowtlytest.Record) {
			stored++
			if stored == 1 {
				srv.FailPosts(1, flowtlytest.Fault{Status: 422, Body: `{"@type":"ConstraintViolationList","hydra:description":"seconds: too long","violations":[{"propertyPath":"seconds","message":"too long"}]}`})
			}
		}})
	c, err := flowtly.New(flowtly.Options{
		BaseURL: ts.URL, Token: flowtlytest.DefaultToken, Project: "aurora", Location: stockholm,
		Employees: map[string]string{"anna@example.com": "emp_102"}, Timeout: 2 * time.Second,
		Twins: uplink.Twins{Ledger: s, Uplink: "flowtly"},
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := entry(0, "anna@example.com", "2026-06-12 21:00:00", "2026-06-13 06:30:00")
	rec.At = rec.End
	if _, err := s.Update(func(tx *queue.Tx) error { _, err := tx.Append(rec); return err }); err != nil {
		t.Fatal(err)
	}
	r := uplink.NewRunner("flowtly", s, c, uplink.Options{MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
	drain := func() {
		t.Helper()
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
	drain()
	if st, _ := s.Stats(); st.Uplinks[0].Dead != 1 || len(srv.Records()) != 1 {
		t.Fatalf("after the 422: %+v, %d records; want one dead letter, one day stored", st.Uplinks[0], len(srv.Records()))
	}
	if _, err := s.RetryDead("flowtly", nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	drain()
	if st, _ := s.Stats(); st.Uplinks[0].Delivered != 1 {
		t.Fatalf("after the retry: %+v", st.Uplinks[0])
	}
	if n, d := len(srv.Records()), srv.Duplicates(); n != 2 || len(d) != 0 {
		t.Fatalf("%d records, duplicates %+v; want each day once", n, d)
	}
}
