package sitebadges_test

import (
	"fmt"

	"stampclock/device/sitebadges"
)

// Two terminals re-bind the same badge while cut off from each other: the
// larger version wins wherever the two meet, and the loss is a conflict.
func ExampleMerge() {
	enrolled := sitebadges.Entry{UID: "04A1B2C3", Email: "anna@example.com",
		Version: sitebadges.Version{Wall: 1000, Node: "door-1"}}
	atDoor1 := sitebadges.Entry{UID: "04A1B2C3", Email: "anton@example.com",
		Version: sitebadges.Version{Wall: 2000, Node: "door-1"}, Base: enrolled.Version}
	atDoor2 := sitebadges.Entry{UID: "04A1B2C3", Email: "berta@example.com",
		Version: sitebadges.Version{Wall: 2500, Node: "door-2"}, Base: enrolled.Version}

	held, res := sitebadges.Merge(atDoor1, true, atDoor2) // door-1 hears of door-2's change
	fmt.Println(held.Email, res.Outcome, res.Conflict)
	held, res = sitebadges.Merge(atDoor2, true, atDoor1) // and door-2 of door-1's
	fmt.Println(held.Email, res.Outcome, res.Conflict)
	// Output:
	// berta@example.com applied true
	// berta@example.com stale true
}
