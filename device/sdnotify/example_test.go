package sdnotify_test

import (
	"context"
	"fmt"
	"time"

	"stampclock/device/sdnotify"
)

// A daemon reports ready once it serves, then feeds the watchdog only
// while a health probe passes. Outside systemd all of it is a no-op.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	healthy := func() bool { return true } // e.g. the control socket answers "status"

	if err := (&sdnotify.Notifier{}).Ready(); err != nil {
		fmt.Println("notify:", err)
	}
	_ = (&sdnotify.Notifier{}).Status("running")
	go (&sdnotify.Notifier{}).Watchdog(ctx, healthy)

	<-ctx.Done()
	_ = (&sdnotify.Notifier{}).Stopping()
	fmt.Println("stopped")
	// Output: stopped
}
