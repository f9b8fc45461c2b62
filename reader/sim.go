package reader

import (
	"context"
	"errors"
)

// ErrSimClosed is returned by Sim.Inject after the simulator stopped.
var ErrSimClosed = errors.New("reader: simulator stopped")

// Sim is the simulated reader used by tests, the demo and `stampctl tap`.
// Taps are injected with Inject and delivered to the running agent in order.
type Sim struct {
	in   chan Tap
	done chan struct{}
}

// NewSim returns a simulator with a small inbound buffer.
func NewSim() *Sim {
	return &Sim{in: make(chan Tap), done: make(chan struct{})}
}

// Inject hands a tap to the agent and returns once the agent's reader loop
// has taken it, or when ctx or the simulator ends.
func (s *Sim) Inject(ctx context.Context, t Tap) error {
	if t.Source == "" {
		t.Source = "sim"
	}
	select {
	case s.in <- t:
		return nil
	case <-s.done:
		return ErrSimClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run forwards injected taps to out until ctx is done.
func (s *Sim) Run(ctx context.Context, out chan<- Tap) error {
	defer close(s.done)
	for {
		select {
		case t := <-s.in:
			select {
			case out <- t:
			case <-ctx.Done():
				return ctx.Err()
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
