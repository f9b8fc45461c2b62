package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"stampclock/device/control"
	"stampclock/device/daemon"
)

// A journald that stops reading (its stream socket full) must not stall
// taps: stampd's standard error here is a pipe nobody reads until the
// taps are done. Writing the log in the tap's path, the first tap after
// the pipe's 64 KiB filled up waited for a reader forever.
func TestStampd_LogReaderStalled_TapsStillAnswered(t *testing.T) {
	e := newEnv(t, 4) // log level debug: several lines a tap
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// The process writes into the pipe itself: no goroutine here reads it.
	p := e.startLogTo(w, filepath.Join(binDir, "stampd"))
	w.Close()

	// 600 taps write far more than the pipe (64 KiB) and the log's queue
	// (1,024 lines) hold.
	start := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)
	for i := range 600 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var res daemon.TapResult
		at := start.Add(time.Duration(i/4) * time.Hour).Add(time.Duration(i%4) * time.Second)
		err := control.Call(ctx, e.socket, "tap", daemon.TapArgs{UID: fmt.Sprintf("%08X", 0xB0000000+i%4), At: at.Format(time.RFC3339)}, &res)
		cancel()
		if err != nil {
			t.Fatalf("tap %d with the log's reader stalled: %v", i, err)
		}
		if res.Result != "start_ok" && res.Result != "stop_ok" {
			t.Fatalf("tap %d answered %q", i, res.Result)
		}
	}

	// The reader comes back: what was dropped is said, and a normal stop
	// writes what is still queued.
	logged := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(r)
		logged <- b
	}()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
		if p.err != nil {
			t.Fatalf("stampd after SIGTERM: %v", p.err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("stampd did not stop within 30s of SIGTERM")
	}
	var out []byte
	select {
	case out = <-logged:
	case <-time.After(10 * time.Second):
		t.Fatal("the log pipe was not closed after stampd exited")
	}
	if !bytes.Contains(out, []byte("log lines dropped: the log's reader did not keep up")) {
		t.Errorf("no count of dropped lines in the log (%d bytes):\n%s", len(out), tail(string(out), 2000))
	}
	if !strings.Contains(string(out), `msg=committed`) {
		t.Errorf("no tap in the log:\n%s", tail(string(out), 2000))
	}
}
