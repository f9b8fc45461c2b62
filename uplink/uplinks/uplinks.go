// Package uplinks is the list of delivery targets declared as an
// uplink.Kind: config loading decodes and validates their sections, the
// daemon builds and runs the enabled ones, `stampctl check` runs their
// checks, all by walking All. Adding a target is its package plus one line
// here.
package uplinks

import (
	"stampclock/uplink"
	"stampclock/uplink/blikk"
	"stampclock/uplink/flowtly"
	"stampclock/uplink/mqtt"
	"stampclock/uplink/webhook"
	"stampclock/uplink/zeiterfassung"
)

// All returns the uplinks declared as a Kind, in the order their pending
// sets are opened and their status is shown.
func All() []uplink.Kind {
	return []uplink.Kind{
		// One line per uplink, e.g. zeiterfassung.Kind(),
		zeiterfassung.Kind(),
		blikk.Kind(),
		flowtly.Kind(),
		webhook.Kind(),
		mqtt.Kind(),
	}
}
