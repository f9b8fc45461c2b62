package readertest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"stampclock/reader"
)

// closingSim is a reader.Sim that counts Close calls.
type closingSim struct {
	*reader.Sim
	closed atomic.Int32
}

func (c *closingSim) Close() error { c.closed.Add(1); return nil }

func TestRun_DeliversTapsThenStopsAndClosesAtCleanup(t *testing.T) {
	sim := &closingSim{Sim: reader.NewSim()}
	t.Run("inner", func(t *testing.T) {
		out := Run(t, sim, 1)
		if err := sim.Inject(context.Background(), reader.Tap{UID: []byte{1, 2}}); err != nil {
			t.Fatal(err)
		}
		if tap := Recv(t, out, 5*time.Second); tap.UIDString() != "0102" || tap.Source != "sim" {
			t.Errorf("tap %s from %s, want 0102 from sim", tap.UIDString(), tap.Source)
		}
	})
	// The inner test's cleanup ended the run: the simulator is stopped.
	if err := sim.Inject(context.Background(), reader.Tap{UID: []byte{3}}); !errors.Is(err, reader.ErrSimClosed) {
		t.Errorf("Inject after cleanup = %v, want ErrSimClosed", err)
	}
	if n := sim.closed.Load(); n != 1 {
		t.Errorf("Close called %d times, want once", n)
	}
}

func TestEventually_ReturnsOnceTheConditionHolds(t *testing.T) {
	var n atomic.Int32
	go func() {
		for range 3 {
			n.Add(1)
		}
	}()
	Eventually(t, "three increments", func() bool { return n.Load() == 3 })
}
