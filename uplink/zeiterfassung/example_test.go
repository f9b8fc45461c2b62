package zeiterfassung_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"stampclock/queue"
	"stampclock/uplink"
	"stampclock/uplink/zeiterfassung"
	"stampclock/uplink/zeiterfassung/zeittest"
)

// Send delivers an entry; one that spans the end of summer time is split in
// two so that each part keeps its true length.
func Example() {
	srv := zeittest.New(zeittest.Options{
		Email:     "admin@example.com",
		Password:  "api-password",
		Users:     []string{"maier@example.com"},
		TimeTypes: []zeittest.IDName{{ID: "tt-1", Name: "Arbeitszeit"}},
	})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := zeiterfassung.New(zeiterfassung.Options{
		BaseURL:    ts.URL,
		Email:      "admin@example.com",
		Password:   "api-password",
		TimeTypeID: "tt-1",
		Location:   berlin,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	for _, rec := range []queue.Record{
		{Seq: 1, Kind: queue.KindEntry, Email: "maier@example.com",
			Start: time.Date(2026, 10, 23, 6, 0, 0, 0, time.UTC), End: time.Date(2026, 10, 23, 14, 30, 0, 0, time.UTC)},
		{Seq: 2, Kind: queue.KindEntry, Email: "maier@example.com", // night shift, 9h
			Start: time.Date(2026, 10, 24, 20, 0, 0, 0, time.UTC), End: time.Date(2026, 10, 25, 5, 0, 0, 0, time.UTC)},
	} {
		if err := c.Send(ctx, rec, false); err != nil {
			fmt.Println("class", uplink.ClassOf(err), err)
		}
	}
	for _, e := range srv.Entries() {
		fmt.Println(e.UserEmail, e.StartTime, e.EndTime)
	}
	// Output:
	// maier@example.com 2026-10-23T08:00:00 2026-10-23T16:30:00
	// maier@example.com 2026-10-24T22:00:00 2026-10-25T03:00:00
	// maier@example.com 2026-10-25T02:00:00 2026-10-25T06:00:00
}
