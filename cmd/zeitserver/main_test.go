package main

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"stampclock/internal/syncbuf"
	"stampclock/internal/waitfor"
)

// The upgrade test takes the server down and up again with signals while
// the entries stored before stay: SIGUSR1 answers 503, SIGUSR2 serves again.
func TestRun_SignalsTakeDownAndUp(t *testing.T) {
	var out, errs syncbuf.Buffer
	done := make(chan error, 1)
	go func() { done <- run([]string{"-addr", "127.0.0.1:0"}, &out, &errs) }()
	listening := regexp.MustCompile(`listening on http://(\S+) `)
	waitfor.Until(t, 5*time.Second, "listening on", func() bool { return listening.MatchString(out.String()) })
	url := "http://" + listening.FindStringSubmatch(out.String())[1] + "/api/hello/sayhello"
	status := func() int {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	signal := func(sig syscall.Signal, line string) {
		t.Helper()
		n := strings.Count(out.String(), line)
		if err := syscall.Kill(os.Getpid(), sig); err != nil {
			t.Fatal(err)
		}
		waitfor.Until(t, 5*time.Second, line, func() bool { return strings.Count(out.String(), line) > n })
	}

	if got := status(); got != http.StatusOK {
		t.Fatalf("up: status %d, want 200", got)
	}
	signal(syscall.SIGUSR1, "zeitserver: down\n")
	if got := status(); got != http.StatusServiceUnavailable {
		t.Fatalf("after SIGUSR1: status %d, want 503", got)
	}
	signal(syscall.SIGUSR2, "zeitserver: up\n")
	if got := status(); got != http.StatusOK {
		t.Fatalf("after SIGUSR2: status %d, want 200", got)
	}

	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v (stderr: %s)", err, errs.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not end after SIGTERM")
	}
}
