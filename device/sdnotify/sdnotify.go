package sdnotify

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// Notifier sends state to systemd. The zero value uses the real
// NOTIFY_SOCKET and WATCHDOG_USEC from the environment.
type Notifier struct {
	// Notify sends one state string such as "READY=1". It reports false
	// when there is no service manager to tell. Default: go-systemd's
	// daemon.SdNotify, which reads NOTIFY_SOCKET.
	Notify func(state string) (sent bool, err error)
	// WatchdogInterval returns the unit's watchdog timeout, 0 when the
	// watchdog is off or meant for another process. Default: go-systemd's
	// daemon.SdWatchdogEnabled, which reads WATCHDOG_USEC and WATCHDOG_PID.
	WatchdogInterval func() (time.Duration, error)
	// Tick returns a channel that receives every d, and a function that
	// stops it. Default: a time.Ticker. Tests pass ticks by hand.
	Tick func(d time.Duration) (c <-chan time.Time, stop func())
	// Logger gets the first failed watchdog ping and the first ping skipped
	// because the service is unhealthy; repeats are only counted. Default: none.
	Logger *slog.Logger
}

func (n *Notifier) notify(state string) error {
	f := n.Notify
	if f == nil {
		f = func(s string) (bool, error) { return daemon.SdNotify(false, s) }
	}
	if _, err := f(state); err != nil {
		return fmt.Errorf("sdnotify: send %q: %w", state, err)
	}
	return nil
}

// Ready tells systemd that start-up is done (READY=1).
func (n *Notifier) Ready() error { return n.notify(daemon.SdNotifyReady) }

// Stopping tells systemd that shutdown has begun (STOPPING=1).
func (n *Notifier) Stopping() error { return n.notify(daemon.SdNotifyStopping) }

// Status sets the one-line status shown by `systemctl status` (STATUS=…).
// Newlines would end the field, so they are replaced by spaces.
func (n *Notifier) Status(s string) error {
	b := []byte(s)
	for i, c := range b {
		if c == '\n' || c == '\r' {
			b[i] = ' '
		}
	}
	return n.notify("STATUS=" + string(b))
}

// Watchdog pings systemd (WATCHDOG=1) every half watchdog interval while
// healthy returns true, and skips the ping while it returns false, so
// systemd kills and restarts a service whose main loop stopped. healthy is
// called once per interval and may block for up to the interval.
//
// Watchdog returns nil at once when the watchdog is off (no WatchdogSec,
// not under systemd); otherwise it runs until ctx is done and returns nil.
// A failed ping is logged once and retried at the next tick.
func (n *Notifier) Watchdog(ctx context.Context, healthy func() bool) error {
	f := n.WatchdogInterval
	if f == nil {
		f = func() (time.Duration, error) { return daemon.SdWatchdogEnabled(false) }
	}
	interval, err := f()
	if err != nil {
		return fmt.Errorf("sdnotify: watchdog: %w", err)
	}
	if interval <= 0 {
		return nil
	}
	tick := n.Tick
	if tick == nil {
		tick = func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		}
	}
	ticks, stop := tick(interval / 2)
	defer stop()
	var failed, skipped int
	for {
		if healthy() {
			if err := n.notify(daemon.SdNotifyWatchdog); err != nil {
				failed++
				if failed == 1 && n.Logger != nil {
					n.Logger.Warn("watchdog ping failed; retrying each tick", "err", err)
				}
			} else if skipped > 0 || failed > 0 {
				if n.Logger != nil {
					n.Logger.Info("watchdog pings resumed", "skipped", skipped, "failed", failed)
				}
				skipped, failed = 0, 0
			}
		} else {
			skipped++
			if skipped == 1 && n.Logger != nil {
				n.Logger.Warn("unhealthy: withholding watchdog pings", "timeout", interval)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticks:
		}
	}
}
