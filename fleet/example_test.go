package fleet_test

import (
	"fmt"
	"time"

	"stampclock/fleet"
	"stampclock/uplink/mqtt"
)

// A terminal whose Last Will is on its status topic: the last online
// status it left on …/seen says when it was last heard of, and so the
// window in which it went away.
func ExampleJudge() {
	last := time.Date(2026, 3, 2, 7, 40, 0, 0, time.UTC)
	seen := &mqtt.Status{DeviceID: "door-2", Online: true, At: last, StatusInterval: 60, KeepAlive: 30,
		Uplinks: []mqtt.UplinkStatus{{Name: "zeiterfassung", Pending: 12}}}
	will := &mqtt.Status{DeviceID: "door-2", Online: false, Reason: mqtt.ReasonConnectionLost, StatusInterval: 60, KeepAlive: 30}
	t := fleet.Judge(last.Add(time.Hour), will, seen, 30*time.Second)
	fmt.Println(t.State, t.Reason)
	fmt.Println("gone between", t.Since.Format("15:04:05"), "and", t.GoneBy.Format("15:04:05"))
	fmt.Println("pending as last seen:", t.Pending)
	// Output:
	// offline connection_lost
	// gone between 07:40:00 and 07:41:45
	// pending as last seen: 12
}
