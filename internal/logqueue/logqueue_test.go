package logqueue

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"stampclock/internal/waitfor"
)

// gate is a log reader that takes nothing until it is opened, like a
// stalled journald.
type gate struct {
	open chan struct{}
	mu   sync.Mutex
	buf  bytes.Buffer
}

func newGate() *gate { return &gate{open: make(chan struct{})} }

func (g *gate) Write(p []byte) (int, error) {
	<-g.open
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.buf.Write(p)
}

func (g *gate) String() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.buf.String()
}

func TestWriter_StalledReader_WritesReturnLinesKeepOrder(t *testing.T) {
	g := newGate()
	w := New(g, 100)
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		for i := range 50 {
			fmt.Fprintf(w, "line %d\n", i)
		}
	}()
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		t.Fatal("writes waited for a stalled reader")
	}
	if got := g.String(); got != "" {
		t.Fatalf("written while the reader was stalled: %q", got)
	}
	close(g.open)
	var want strings.Builder
	for i := range 50 {
		fmt.Fprintf(&want, "line %d\n", i)
	}
	waitfor.Until(t, 10*time.Second, "all 50 lines in order", func() bool { return g.String() == want.String() })
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestWriter_QueueFull_DropsCountedAndReported(t *testing.T) {
	g := newGate()
	w := New(g, 4)
	// The run goroutine may hold one line in hand besides the 4 queued.
	for i := range 20 {
		fmt.Fprintf(w, "line %d\n", i)
	}
	close(g.open)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out := g.String()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	kept := len(lines) - 1
	if kept < 4 || kept > 5 {
		t.Fatalf("%d lines kept of 20 with room for 4 (+1 in hand):\n%s", kept, out)
	}
	// Which lines are dropped depends on when the writing goroutine took
	// its first one; those kept keep their order.
	last := -1
	for _, l := range lines[:kept] {
		var n int
		if _, err := fmt.Sscanf(l, "line %d", &n); err != nil || n <= last {
			t.Fatalf("%q after line %d; want the lines kept in order:\n%s", l, last, out)
		}
		last = n
	}
	if want := fmt.Sprintf("logqueue: %d log lines dropped: the log's reader did not keep up", 20-kept); lines[kept] != want {
		t.Fatalf("last line = %q; want %q", lines[kept], want)
	}
}

func TestWriter_Close_WritesQueuedThenWritesDirectly(t *testing.T) {
	var mu sync.Mutex
	var buf bytes.Buffer
	w := New(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	}), 0)
	for i := range 3 {
		fmt.Fprintf(w, "before %d\n", i)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got := buf.String()
	mu.Unlock()
	if got != "before 0\nbefore 1\nbefore 2\n" {
		t.Fatalf("after Close: %q", got)
	}
	fmt.Fprintf(w, "after\n")
	mu.Lock()
	got = buf.String()
	mu.Unlock()
	if !strings.HasSuffix(got, "after\n") {
		t.Fatalf("a write after Close was not written at once: %q", got)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
