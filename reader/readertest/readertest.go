// Package readertest holds what the badge readers' tests share: running a
// reader until the test ends, waiting for its next tap, and waiting for a
// state it reaches. It simulates no hardware; each reader's own fake
// (rdm6300test, pn532test, mfrc522test, wiegandtest) does that.
package readertest

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"stampclock/reader"
)

// Run runs src until the test ends and returns the channel it sends taps
// to, with room for buf taps. When the test ends, Run cancels the run,
// reports an error unless src's Run returned context.Canceled, and then
// closes src if it has a Close method.
func Run(t testing.TB, src reader.Source, buf int) chan reader.Tap {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan reader.Tap, buf)
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, out) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
		if c, ok := src.(io.Closer); ok {
			if err := c.Close(); err != nil {
				t.Error(err)
			}
		}
	})
	return out
}

// Recv returns the next tap from out, failing the test when none comes
// within d.
func Recv(t testing.TB, out <-chan reader.Tap, d time.Duration) reader.Tap {
	t.Helper()
	select {
	case tap := <-out:
		return tap
	case <-time.After(d):
		t.Fatalf("no tap within %v", d)
		return reader.Tap{}
	}
}

// Eventually polls cond until it holds, failing the test after 5s with
// what it waited for.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
