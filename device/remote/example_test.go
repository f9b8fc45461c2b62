package remote_test

import (
	"fmt"

	"stampclock/device/ctlproto"
	"stampclock/device/remote"
)

// Which commands a terminal with mqtt.remote_commands = "viewer" runs.
func ExampleServed() {
	for _, cmd := range []string{"status", "reload", "enroll", "format"} {
		if err := remote.Served(cmd, ctlproto.Viewer); err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(cmd, "runs")
	}
	// Output:
	// status runs
	// command "reload" needs role admin; this terminal allows viewer commands over MQTT
	// command "enroll" is not served over MQTT
	// unknown command "format"
}
