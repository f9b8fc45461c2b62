package keyboard

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"stampclock/internal/waitfor"
	"stampclock/reader"
	"stampclock/reader/readertest"
)

// fifo makes a named pipe in a temp dir: a real file the Reader opens by
// path and reads through the poller, like a device node.
func fifo(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "event-kbd")
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	return path
}

// plugIn opens the pipe for writing (waiting for the reader) and writes
// data, and returns the writer: closing it is the unplug. The writer stays
// open until the data was read: a pipe keeps what was written while either
// end is open, so a reader that closes its end right after the writer
// came (it saw the last unplug's EOF) reads the data after its reopen. A
// write meeting no reader at all (EPIPE, nothing written) is tried again
// once the reader has reopened. (data fits one atomic pipe write.)
func plugIn(t *testing.T, path string, data []byte) *os.File {
	t.Helper()
	w, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	var werr error
	waitfor.Until(t, 5*time.Second, "the badge written to the pipe", func() bool {
		_, werr = w.Write(data)
		if werr != nil && !errors.Is(werr, syscall.EPIPE) {
			t.Fatal(werr)
		}
		return werr == nil
	})
	return w
}

func recvTap(t *testing.T, out <-chan reader.Tap) reader.Tap {
	t.Helper()
	return readertest.Recv(t, out, 5*time.Second)
}

func TestRun_Pipe_TapsAndReopen(t *testing.T) {
	path := fifo(t)
	r, err := Open(Options{Path: path, NoGrab: true, Format: FormatHex, Logger: quiet(),
		ReopenMin: time.Millisecond, ReopenMax: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan reader.Tap, 4)
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, out) }()

	for _, uid := range []string{"04A3B2C1", "DEADBEEF"} {
		s := newStream(PlatformTimevalSize)
		s.typeLine(LayoutUS, uid)
		w := plugIn(t, path, s.bytes())
		if tap := recvTap(t, out); tap.UIDString() != uid || tap.Source != "keyboard" {
			t.Errorf("tap %s from %s, want %s from keyboard", tap.UIDString(), tap.Source, uid)
		}
		w.Close() // unplug
		// The next writer must find the device unplugged: a writer that
		// opens the pipe before the reader read the EOF joins the same
		// open, and no reopen is needed.
		waitfor.Until(t, 5*time.Second, "the reader to see the unplug", func() bool {
			s := r.Stats()
			return !s.Connected || s.Opens >= 2
		})
	}
	if s := r.Stats(); s.Opens < 2 || s.Lines != 2 || s.OpenErrors == 0 {
		t.Errorf("stats %+v: want two lines and a reopen", s)
	}

	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if err := r.Close(); err != nil {
		t.Error(err)
	}
}

func TestRun_CancelWhileBlockedInRead(t *testing.T) {
	path := fifo(t)
	r, err := Open(Options{Path: path, NoGrab: true, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// Hold a writer open without writing: the read blocks.
	w, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, make(chan reader.Tap)) }()
	// Cancel once the device is open and being read.
	waitfor.Until(t, 5*time.Second, "the device open and being read", func() bool { return r.Stats().Connected })
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("closing the fd did not unblock the read")
	}
}

func TestOpen_GrabOnPipe_NotEvdev(t *testing.T) {
	_, err := Open(Options{Path: fifo(t), Logger: quiet()})
	if !errors.Is(err, ErrNotEvdev) {
		t.Errorf("Open = %v, want ErrNotEvdev", err)
	}
}

func TestOpen_Errors(t *testing.T) {
	if _, err := Open(Options{}); err == nil {
		t.Error("Open without path succeeded")
	}
	if _, err := Open(Options{Path: filepath.Join(t.TempDir(), "missing")}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open missing = %v, want ErrNotExist", err)
	}
}

func TestBackoff_CappedWithJitter(t *testing.T) {
	r := &Reader{opts: Options{ReopenMin: 100 * time.Millisecond, ReopenMax: time.Second}}
	for n, hi := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 10: time.Second} {
		for range 20 {
			if d := r.retry().Wait(n); d < hi/2 || d > hi {
				t.Errorf("backoff(%d) = %v, want %v..%v", n, d, hi/2, hi)
			}
		}
	}
}
