package blikk_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"stampclock/queue"
	"stampclock/uplink"
	"stampclock/uplink/blikk"
	"stampclock/uplink/blikk/blikktest"
)

// Send delivers an entry as time reports; a night shift becomes one report
// per date, and the German break rules take 45 minutes off a 9½-hour shift.
func Example() {
	srv := blikktest.New(blikktest.Options{
		AppID: "app-id", AppSecret: "app-secret",
		Users: []blikktest.User{{ID: 12, FirstName: "Anna", LastName: "Maier"}},
	})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := blikk.New(blikk.Options{
		BaseURL: ts.URL, AppID: "app-id", AppSecret: "app-secret",
		Users:      map[string]int{"maier@example.com": 12},
		ActivityID: 1, TimeCodeID: 1, TimeArticleID: 1,
		Location:   berlin,
		BreakRules: blikk.GermanBreaks,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	for _, rec := range []queue.Record{
		{Seq: 1, Kind: queue.KindEntry, Email: "maier@example.com",
			Start: time.Date(2026, 6, 10, 6, 0, 0, 0, time.UTC), End: time.Date(2026, 6, 10, 14, 30, 0, 0, time.UTC)},
		{Seq: 2, Kind: queue.KindEntry, Email: "maier@example.com", // night shift
			Start: time.Date(2026, 6, 12, 19, 0, 0, 0, time.UTC), End: time.Date(2026, 6, 13, 4, 30, 0, 0, time.UTC)},
		{Seq: 3, Kind: queue.KindEntry, Email: "new@example.com",
			Start: time.Date(2026, 6, 13, 6, 0, 0, 0, time.UTC), End: time.Date(2026, 6, 13, 7, 0, 0, 0, time.UTC)},
	} {
		if err := c.Send(ctx, rec, false); err != nil {
			fmt.Println(uplink.ClassOf(err), err)
		}
	}
	for _, r := range srv.Reports() {
		brk := 0
		if r.BreakMinutes != nil {
			brk = *r.BreakMinutes
		}
		fmt.Println(r.UserID, r.Date, r.ClockStart, r.ClockEnd, r.Hours, brk)
	}
	// Output:
	// permanent blikk: send seq 3: employee "new@example.com" has no Blikk user id (add it to the uplink's users)
	// 12 2026-06-10 08:00 16:30 8 30
	// 12 2026-06-12 21:00 23:59 3 0
	// 12 2026-06-13 00:00 06:30 5.75 45
}
