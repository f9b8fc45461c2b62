// Package logqueue passes log lines to their reader from a goroutine of
// its own, so that nothing the daemon does waits on the log: a tap's
// answer does not wait for journald to take its line, and a stalled
// journald does not stall taps. Lines keep their order; when the reader
// falls so far behind that the queue is full, lines are dropped, counted
// and the count is written once there is room again.
//
// Lines still queued when the process is killed are lost; Close writes
// them on a normal exit. The durable record of a tap is the store, never
// the log.
package logqueue

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// DefaultLines is how many lines a Writer queues by default.
const DefaultLines = 1024

// Writer queues each Write as one line (slog handlers write a record with
// one call) and writes the lines to the underlying writer in order.
type Writer struct {
	out   io.Writer
	lines chan []byte
	done  chan struct{}

	mu      sync.RWMutex // held to write while open, taken to close
	closed  bool
	dropped atomic.Uint64 // since the count was last written
}

// New starts a Writer queueing up to n lines (DefaultLines if n <= 0)
// for out.
func New(out io.Writer, n int) *Writer {
	if n <= 0 {
		n = DefaultLines
	}
	w := &Writer{out: out, lines: make(chan []byte, n), done: make(chan struct{})}
	go w.run()
	return w
}

// Write queues a copy of p and returns at once. After Close it writes p
// to the underlying writer itself.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return w.out.Write(p)
	}
	defer w.mu.RUnlock()
	select {
	case w.lines <- append([]byte(nil), p...):
	default:
		w.dropped.Add(1)
	}
	return len(p), nil
}

func (w *Writer) run() {
	defer close(w.done)
	for line := range w.lines {
		_, _ = w.out.Write(line) // nowhere better to report it
		if len(w.lines) > 0 {
			continue
		}
		// Caught up: the lines written before the drops are out.
		w.reportDropped()
	}
}

// Close writes the lines still queued and returns when they are written.
// Later Writes go to the underlying writer directly.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	close(w.lines)
	w.mu.Unlock()
	<-w.done
	w.reportDropped()
	return nil
}

// reportDropped writes how many lines were dropped since it last did, if
// any were.
func (w *Writer) reportDropped() {
	if n := w.dropped.Swap(0); n > 0 {
		_, _ = fmt.Fprintf(w.out, "logqueue: %d log lines dropped: the log's reader did not keep up\n", n)
	}
}
