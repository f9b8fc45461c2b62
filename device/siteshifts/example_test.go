package siteshifts_test

import (
	"fmt"
	"time"

	"stampclock/device/punch"
	"stampclock/device/siteshifts"
	"stampclock/queue"
)

// Anna taps in at the front door and out at the warehouse. The warehouse
// was cut off and first saw only its own taps; when the front door's tap
// arrives the pairing changes, and the warehouse retracts the entry it
// delivered and delivers the right one.
func Example() {
	at := func(h, m int) time.Time { return time.Date(2026, 3, 2, h, m, 0, 0, time.UTC) }
	in := queue.SiteTap{Origin: "front", Seq: 1, At: at(8, 0), Email: "anna@example.com"}
	lunch := queue.SiteTap{Origin: "warehouse", Seq: 1, At: at(12, 0), Email: "anna@example.com"}
	out := queue.SiteTap{Origin: "warehouse", Seq: 2, At: at(16, 30), Email: "anna@example.com"}
	rules := punch.DefaultRules
	settle := 2 * time.Minute

	// At the door, during the split: the warehouse knows only its taps.
	fmt.Println("16:30 at the warehouse:", siteshifts.Door([]queue.SiteTap{lunch}, out, rules).Action)

	split := siteshifts.Plan(siteshifts.Pair([]queue.SiteTap{lunch, out}, rules), "warehouse", nil, at(17, 0), settle)
	fmt.Println("delivered during the split:", split.Create[0].ID)
	ledger := map[string]queue.SiteEntry{split.Create[0].ID: {ID: split.Create[0].ID, Seq: 41, State: queue.SiteDelivered}}

	healed := siteshifts.Plan(siteshifts.Pair([]queue.SiteTap{out, in, lunch}, rules), "warehouse", ledger, at(18, 0), settle)
	fmt.Println("retract:", healed.Retract[0].ID, "(record", healed.Retract[0].Seq, ")")
	fmt.Println("deliver:", healed.Create[0].ID)
	// Output:
	// 16:30 at the warehouse: stop
	// delivered during the split: warehouse:1-warehouse:2
	// retract: warehouse:1-warehouse:2 (record 41 )
	// deliver: front:1-warehouse:1
}
