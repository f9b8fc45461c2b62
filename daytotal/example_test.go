package daytotal_test

import (
	"context"
	"fmt"
	"time"

	"stampclock/daytotal"
	"stampclock/queue"
)

func ExampleLocal() {
	loc, _ := time.LoadLocation("Europe/Berlin")
	q := fakeEntries{
		{Seq: 1, Kind: queue.KindEntry, Email: "anna@example.com",
			Start: time.Date(2026, 3, 2, 22, 0, 0, 0, loc), End: time.Date(2026, 3, 3, 1, 30, 0, 0, loc), At: time.Date(2026, 3, 3, 1, 30, 0, 0, loc)},
	}
	l, _ := daytotal.NewLocal(q, loc)
	for _, d := range []daytotal.Date{{2026, 3, 2}, {2026, 3, 3}} {
		total, _ := l.DayTotal(context.Background(), "anna@example.com", d)
		fmt.Println(d, total)
	}
	// Output:
	// 2026-03-02 2h0m0s
	// 2026-03-03 1h30m0s
}
