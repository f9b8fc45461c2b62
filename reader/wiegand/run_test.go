package wiegand

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"stampclock/reader"
	"stampclock/reader/readertest"
	"stampclock/reader/wiegand/wiegandtest"
)

// startRun runs a hardware-less Reader; events are pushed through its GPIO
// handler as gpiocdev's watcher would.
func startRun(t *testing.T, opts Options) (*Reader, chan reader.Tap) {
	t.Helper()
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	r, err := newReader(opts)
	if err != nil {
		t.Fatal(err)
	}
	return runReader(t, r)
}

// runReader runs r until the test ends.
func runReader(t *testing.T, r *Reader) (*Reader, chan reader.Tap) {
	t.Helper()
	return r, readertest.Run(t, r, 8)
}

func waitTap(t *testing.T, out <-chan reader.Tap) reader.Tap {
	t.Helper()
	return readertest.Recv(t, out, 2*time.Second)
}

func TestRun_FrameThenSilence_TapAfterGap(t *testing.T) {
	at := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	r, out := startRun(t, Options{D0: 17, D1: 27, Gap: 5 * time.Millisecond, Now: func() time.Time { return at }})
	g := wiegandtest.New(wiegandtest.Options{D0: 17, D1: 27})
	for _, ev := range g.Train(10*time.Millisecond, wiegandtest.H10301(0x12, 0x3456), wiegandtest.H10306(1, 2)) {
		r.handle(ev)
	}
	for _, want := range []string{"123456", "00010002"} {
		tap := waitTap(t, out)
		if tap.UIDString() != want || tap.Source != "wiegand" || !tap.At.Equal(at) {
			t.Errorf("tap %+v (%s), want %s from wiegand at %v", tap, tap.UIDString(), want, at)
		}
	}
	if s := r.Stats(); s.Frames != 2 {
		t.Errorf("stats %+v", s)
	}
}

func TestRun_BadFrames_NoTap(t *testing.T) {
	r, out := startRun(t, Options{D0: 0, D1: 1, Gap: 5 * time.Millisecond})
	g := wiegandtest.New(wiegandtest.Options{})
	evs := g.Train(10*time.Millisecond, wiegandtest.Flip(wiegandtest.H10301(1, 1), 0), "1", wiegandtest.H10301(2, 2))
	for _, ev := range evs {
		r.handle(ev)
	}
	if tap := waitTap(t, out); tap.UIDString() != "020002" {
		t.Errorf("tap %s, want only the good frame 020002", tap.UIDString())
	}
	select {
	case tap := <-out:
		t.Errorf("unexpected tap %s", tap.UIDString())
	case <-time.After(20 * time.Millisecond):
	}
	if s := r.Stats(); s.BadParity != 1 || s.Noise != 1 || s.Frames != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestRun_HandlerOverflow_SpoilsFrame(t *testing.T) {
	opts := Options{D0: 0, D1: 1, EventBuffer: 4, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	r, err := newReader(opts)
	if err != nil {
		t.Fatal(err)
	}
	// Strip sequence numbers (uAPI v1) so only the handler's own drop
	// count reveals the loss.
	evs := wiegandtest.New(wiegandtest.Options{}).Frame(wiegandtest.H10301(3, 3))
	for i := range evs {
		evs[i].Seqno = 0
		r.handle(evs[i]) // Run is not running: all but 4 overflow
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan reader.Tap, 1)
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, out) }()
	deadline := time.Now().Add(2 * time.Second)
	for r.Stats().Lost == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if s := r.Stats(); s.Dropped != uint64(len(evs)-4) || s.Lost != 1 || len(out) != 0 {
		t.Errorf("stats %+v, %d taps", s, len(out))
	}
}
