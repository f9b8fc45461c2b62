package fault

import (
	"log"
	"sync"
)

// TB is what a fake needs from its environment: *testing.T and
// *testing.B have it, and Standalone provides it outside tests.
type TB interface {
	Helper()
	Logf(format string, args ...any)
	Cleanup(func())
}

// Standalone is a TB for running fakes outside a test (Examples, demos):
// it logs with the standard logger when Verbose is set and runs the
// cleanups, last first, on Close.
type Standalone struct {
	Verbose bool

	mu       sync.Mutex
	cleanups []func()
}

// Helper does nothing.
func (*Standalone) Helper() {}

// Logf logs when Verbose is set.
func (s *Standalone) Logf(format string, args ...any) {
	if s.Verbose {
		log.Printf(format, args...)
	}
}

// Cleanup registers f to run on Close.
func (s *Standalone) Cleanup(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cleanups = append(s.cleanups, f)
}

// Close runs the registered cleanups, last first (stopping the fakes).
func (s *Standalone) Close() {
	s.mu.Lock()
	fs := s.cleanups
	s.cleanups = nil
	s.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}
