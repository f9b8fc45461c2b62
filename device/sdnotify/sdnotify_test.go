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

// handTicker is a Notifier.Tick whose ticks the test sends.
type handTicker struct {
	period chan time.Duration // receives the period Watchdog asked for
	c      chan time.Time
}

func newHandTicker() *handTicker {
	return &handTicker{period: make(chan time.Duration, 1), c: make(chan time.Time)}
}

func (h *handTicker) tick(d time.Duration) (<-chan time.Time, func()) {
	h.period <- d
	return h.c, func() {}
}

// noMore fails the test if another datagram is queued on c. Call it after
// Watchdog returned: then nothing more can arrive.
func noMore(t *testing.T, c *net.UnixConn) {
	t.Helper()
	if got := recv(t, c, 10*time.Millisecond); got != "" {
		t.Errorf("extra datagram %q", got)
	}
}

func TestWatchdog_Healthy_PingsAtHalfIntervalOncePerTick(t *testing.T) {
	c := listen(t)
	const timeout = 200 * time.Millisecond
	watchdogEnv(t, timeout)
	ht := newHandTicker()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- (&sdnotify.Notifier{Tick: ht.tick}).Watchdog(ctx, func() bool { return true }) }()

	if d := <-ht.period; d != timeout/2 {
		t.Errorf("ticker period %v, want half the watchdog timeout %v", d, timeout/2)
	}
	if got := recv(t, c, 5*time.Second); got != "WATCHDOG=1" {
		t.Fatalf("first ping: got %q, want WATCHDOG=1", got)
	}
	for i := 0; i < 4; i++ {
		ht.c <- time.Time{}
		if got := recv(t, c, 5*time.Second); got != "WATCHDOG=1" {
			t.Fatalf("ping after tick %d: got %q, want WATCHDOG=1", i+1, got)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Watchdog: %v", err)
	}
	noMore(t, c)
}

func TestWatchdog_Unhealthy_PingsStopAndResume(t *testing.T) {
	c := listen(t)
	watchdogEnv(t, 100*time.Millisecond)
	ht := newHandTicker()
	checks := make(chan bool)
	var healthy atomic.Bool
	healthy.Store(true)
	probe := func() bool {
		h := healthy.Load()
		checks <- h
		return h
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- (&sdnotify.Notifier{Tick: ht.tick}).Watchdog(ctx, probe) }()
	<-ht.period

	<-checks
	if got := recv(t, c, 5*time.Second); got != "WATCHDOG=1" {
		t.Fatalf("while healthy: got %q, want WATCHDOG=1", got)
	}
	healthy.Store(false)
	for i := 0; i < 3; i++ {
		ht.c <- time.Time{}
		if <-checks {
			t.Fatal("probe reported healthy")
		}
	}
	healthy.Store(true)
	ht.c <- time.Time{}
	<-checks
	// One ping after recovery; noMore below proves the three unhealthy
	// ticks sent nothing.
	if got := recv(t, c, 5*time.Second); got != "WATCHDOG=1" {
		t.Fatalf("after recovery: got %q, want WATCHDOG=1", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Watchdog: %v", err)
	}
	noMore(t, c)
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
