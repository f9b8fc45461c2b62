package ctlproto_test

import (
	"encoding/json"
	"fmt"

	"stampclock/device/ctlproto"
)

// A client builds a request's arguments from the protocol's types and asks
// the table whether a web login may run it.
func Example() {
	args, _ := json.Marshal(ctlproto.TapArgs{UID: "04A1B2C3", At: "2026-03-02T08:00:00+01:00"})
	fmt.Println(ctlproto.CmdTap, string(args))

	need, _ := ctlproto.RoleOf(ctlproto.CmdTap)
	fmt.Println("viewer may tap:", ctlproto.Viewer.Allows(need))
	// Output:
	// tap {"uid":"04A1B2C3","at":"2026-03-02T08:00:00+01:00"}
	// viewer may tap: false
}
