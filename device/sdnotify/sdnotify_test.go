package sdnotify_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"stampclock/device/sdnotify"
)

// listen creates a unix datagram socket in a temp dir, points NOTIFY_SOCKET
// at it, and returns it for reading what the package sends.
func listen(t *testing.T) *net.UnixConn {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify.sock")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatalf("listen %s: %v", path, err)
	}
	t.Cleanup(func() { c.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	return c
}

// recv reads one datagram, or returns "" when none comes within d.
func recv(t *testing.T, c *net.UnixConn, d time.Duration) string {
	t.Helper()
	buf := make([]byte, 4096)
	_ = c.SetReadDeadline(time.Now().Add(d))
	n, err := c.Read(buf)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ""
	}
	if err != nil {
		t.Fatalf("read notify socket: %v", err)
	}
	return string(buf[:n])
}

// watchdogEnv sets the watchdog timeout for this process.
func watchdogEnv(t *testing.T, timeout time.Duration) {
	t.Helper()
	t.Setenv("WATCHDOG_USEC", strconv.FormatInt(timeout.Microseconds(), 10))
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
}

func TestReadyStoppingStatus_UnderSystemd_Arrive(t *testing.T) {
	c := listen(t)
	for _, tc := range []struct {
		send func() error
		want string
	}{
		{(&sdnotify.Notifier{}).Ready, "READY=1"},
		{func() error { return (&sdnotify.Notifier{}).Status("delivering\n3 pending") }, "STATUS=delivering 3 pending"},
		{(&sdnotify.Notifier{}).Stopping, "STOPPING=1"},
	} {
		if err := tc.send(); err != nil {
			t.Fatalf("send %s: %v", tc.want, err)
		}
		if got := recv(t, c, time.Second); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestNotUnderSystemd_NoOp(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	t.Setenv("WATCHDOG_USEC", "")
	if err := (&sdnotify.Notifier{}).Ready(); err != nil {
		t.Errorf("Ready: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- (&sdnotify.Notifier{}).Watchdog(context.Background(), func() bool { return true }) }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Watchdog: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Watchdog blocked with the watchdog off")
	}
}

func TestWatchdog_OtherProcess_NoOp(t *testing.T) {
	listen(t)
	t.Setenv("WATCHDOG_USEC", "100000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()+1))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	if err := (&sdnotify.Notifier{}).Watchdog(ctx, func() bool { return true }); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > time.Second {
		t.Error("Watchdog ran for a watchdog meant for another process")
	}
}

func TestWatchdog_BadInterval_Error(t *testing.T) {
	listen(t)
	t.Setenv("WATCHDOG_USEC", "soon")
	t.Setenv("WATCHDOG_PID", "")
	if err := (&sdnotify.Notifier{}).Watchdog(context.Background(), func() bool { return true }); err == nil {
		t.Error("Watchdog accepted WATCHDOG_USEC=soon")
	}
}

func TestWatchdog_Healthy_PingsAtHalfInterval(t *testing.T) {
	c := listen(t)
	const timeout = 200 * time.Millisecond
	watchdogEnv(t, timeout)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- (&sdnotify.Notifier{}).Watchdog(ctx, func() bool { return true }) }()

	if got := recv(t, c, time.Second); got != "WATCHDOG=1" {
		t.Fatalf("first ping: got %q, want WATCHDOG=1", got)
	}
	start := time.Now()
	for i := 0; i < 4; i++ {
		if got := recv(t, c, time.Second); got != "WATCHDOG=1" {
			t.Fatalf("ping %d: got %q, want WATCHDOG=1", i+2, got)
		}
	}
	// Four ticks at timeout/2 = 400ms; allow for a slow CI machine but
	// catch pinging at the full interval (800ms) or flooding.
	if el := time.Since(start); el < 300*time.Millisecond || el > 700*time.Millisecond {
		t.Errorf("4 pings took %v, want about %v", el, 2*timeout)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Watchdog: %v", err)
	}
}

func TestWatchdog_Unhealthy_PingsStopAndResume(t *testing.T) {
	c := listen(t)
	const timeout = 100 * time.Millisecond
	watchdogEnv(t, timeout)
	var healthy atomic.Bool
	healthy.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go (&sdnotify.Notifier{}).Watchdog(ctx, healthy.Load)

	if got := recv(t, c, time.Second); got != "WATCHDOG=1" {
		t.Fatalf("while healthy: got %q, want WATCHDOG=1", got)
	}
	healthy.Store(false)
	// A ping already past its health check may still arrive; drain it.
	recv(t, c, timeout/2+20*time.Millisecond)
	if got := recv(t, c, 3*timeout); got != "" {
		t.Fatalf("while unhealthy: got %q, want no ping for %v", got, 3*timeout)
	}
	healthy.Store(true)
	if got := recv(t, c, time.Second); got != "WATCHDOG=1" {
		t.Fatalf("after recovery: got %q, want WATCHDOG=1", got)
	}
}

func TestWatchdog_InjectedNotifier_SkipsUnhealthy(t *testing.T) {
	var sent []string
	n := &sdnotify.Notifier{
		Notify:           func(s string) (bool, error) { sent = append(sent, s); return true, nil },
		WatchdogInterval: func() (time.Duration, error) { return 20 * time.Millisecond, nil },
	}
	checks := 0
	ctx, cancel := context.WithCancel(context.Background())
	// Healthy on checks 1 and 3, unhealthy on 2 and 4; cancel after 4.
	err := n.Watchdog(ctx, func() bool {
		checks++
		if checks == 4 {
			cancel()
		}
		return checks%2 == 1
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != 2 {
		t.Errorf("sent %q after 4 checks (2 healthy), want 2 pings", sent)
	}
}
