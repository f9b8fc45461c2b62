// Package sdnotify tells systemd how stampd is doing: READY=1 once it
// serves, STOPPING=1 when it shuts down, a free-text STATUS= line, and
// WATCHDOG=1 pings at half the unit's WatchdogSec — sent only while a
// health check the caller supplies passes, so a hung main loop gets the
// service restarted.
//
// It wraps github.com/coreos/go-systemd/v22/daemon. Outside systemd
// (NOTIFY_SOCKET or WATCHDOG_USEC unset: a terminal, a test, a container
// without systemd) every call is a no-op that returns nil.
//
// It does not decide what "healthy" means; cmd/stampd does, by asking the
// daemon's control socket for its status.
package sdnotify
