package zeiterfassung_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"stampclock/queue"
	"stampclock/uplink"
	"stampclock/uplink/zeiterfassung"
	"stampclock/uplink/zeiterfassung/zeittest"
)

func TestSendBatch_LanesKeepOrderPerEmployeeAndStopAtFailure(t *testing.T) {
	users := []string{"a@example.com", "b@example.com", "c@example.com"}
	o := serverOptions()
	o.Users = users
	zs, ts := zeittest.Start(t, o)
	c := newClient(t, ts.URL, func(o *zeiterfassung.Options) { o.Parallel = 3 })
	var claims []queue.Claim
	base := time.Date(2026, 4, 1, 6, 0, 0, 0, time.UTC)
	for day := 0; day < 4; day++ {
		for u, email := range users {
			start := base.Add(time.Duration(day)*24*time.Hour + time.Duration(u)*time.Minute)
			claims = append(claims, queue.Claim{Record: queue.Record{Seq: uint64(len(claims) + 1), Kind: queue.KindEntry, Email: email, Start: start, End: start.Add(8 * time.Hour)}})
		}
	}
	// The first create fails for good (rejected), the second retryably: at
	// most one lane stops; rejected entries do not stop their lane.
	zs.FailCreates(1, zeittest.Fault{Status: 400, Message: "nope"})
	errs := c.SendBatch(context.Background(), claims)
	if len(errs) != len(claims) {
		t.Fatalf("%d answers for %d claims", len(errs), len(claims))
	}
	rejected := 0
	for _, err := range errs {
		if err != nil {
			wantClass(t, err, uplink.Permanent)
			rejected++
		}
	}
	if rejected != 1 || len(zs.Entries()) != len(claims)-1 {
		t.Fatalf("rejected %d, stored %d; want 1 and %d", rejected, len(zs.Entries()), len(claims)-1)
	}
	last := map[string]string{}
	for _, e := range zs.Entries() {
		if e.StartTime <= last[e.UserEmail] {
			t.Fatalf("order broken for %s: %s after %s", e.UserEmail, e.StartTime, last[e.UserEmail])
		}
		last[e.UserEmail] = e.StartTime
	}
}

func TestSendBatch_RetryableFailureStopsOnlyThatEmployee(t *testing.T) {
	o := serverOptions()
	o.Users = []string{"a@example.com", "b@example.com"}
	zs, ts := zeittest.Start(t, o)
	c := newClient(t, ts.URL, func(o *zeiterfassung.Options) { o.Parallel = 1 })
	var claims []queue.Claim
	base := time.Date(2026, 4, 1, 6, 0, 0, 0, time.UTC)
	for i, email := range []string{"a@example.com", "a@example.com", "a@example.com", "b@example.com"} {
		start := base.Add(time.Duration(i) * 24 * time.Hour)
		claims = append(claims, queue.Claim{Record: queue.Record{Seq: uint64(i + 1), Kind: queue.KindEntry, Email: email, Start: start, End: start.Add(time.Hour)}})
	}
	zs.FailCreates(1, zeittest.Fault{Status: 503})
	errs := c.SendBatch(context.Background(), claims)
	wantClass(t, errs[0], uplink.Uncertain)
	wantClass(t, errs[1], uplink.Retry)
	wantClass(t, errs[2], uplink.Retry)
	if errs[3] != nil {
		t.Fatalf("b's entry: %v", errs[3])
	}
	if n := len(zs.Entries()); n != 1 {
		t.Fatalf("stored %d, want only b's entry", n)
	}
	// Next round, as the runner would: a's first entry reconciles.
	claims[0].Reconcile = true
	errs = c.SendBatch(context.Background(), claims[:3])
	for i, err := range errs {
		if err != nil {
			t.Fatalf("claim %d: %v", i, err)
		}
	}
	if n, d := len(zs.Entries()), len(zs.Duplicates()); n != 4 || d != 0 {
		t.Fatalf("stored %d (dups %d), want 4", n, d)
	}
}

func ExampleClient_SendBatch() {
	zs, ts := zeittest.Start(exampleTB{}, zeittest.Options{Users: []string{"a@example.com"}})
	defer ts.Close()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	c, _ := zeiterfassung.New(zeiterfassung.Options{BaseURL: ts.URL, Email: zeittest.DefaultEmail, Password: zeittest.DefaultPassword, TimeTypeID: "arbeitszeit", Location: berlin})
	start := time.Date(2026, 4, 1, 6, 0, 0, 0, time.UTC)
	errs := c.SendBatch(context.Background(), []queue.Claim{
		{Record: queue.Record{Seq: 1, Kind: queue.KindEntry, Email: "a@example.com", Start: start, End: start.Add(8 * time.Hour)}},
	})
	fmt.Println(errs[0], zs.Entries()[0].StartTime, zs.Entries()[0].EndTime)
	// Output: <nil> 2026-04-01T08:00:00 2026-04-01T16:00:00
}

type exampleTB struct{}

func (exampleTB) Helper()        {}
func (exampleTB) Cleanup(func()) {}
