package flowtly_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"stampclock/queue"
	"stampclock/uplink/flowtly"
	"stampclock/uplink/flowtly/flowtlytest"
)

func Example() {
	srv := flowtlytest.New(flowtlytest.Options{Employees: []string{"emp_102"}, Projects: []string{"aurora"}})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	loc, _ := time.LoadLocation("Europe/Stockholm")
	c, err := flowtly.New(flowtly.Options{
		BaseURL:   ts.URL,
		Token:     flowtlytest.DefaultToken,
		Employees: map[string]string{"anna@example.com": "emp_102"},
		Project:   "aurora",
		Location:  loc,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := queue.Record{Seq: 1, Kind: queue.KindEntry, Email: "anna@example.com",
		Start: time.Date(2026, 3, 2, 21, 0, 0, 0, loc).UTC(), End: time.Date(2026, 3, 3, 1, 0, 0, 0, loc).UTC()}
	if err := c.Send(context.Background(), rec, false); err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range srv.Records() {
		fmt.Println(r.Employee, r.Date, r.Seconds, *r.Description)
	}
	// Output:
	// /api/employees/emp_102 2026-03-02T00:00:00+00:00 10800 Stampclock 21:00-24:00
	// /api/employees/emp_102 2026-03-03T00:00:00+00:00 3600 Stampclock 00:00-01:00
}
