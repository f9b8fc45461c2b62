// Package waitfor is how a test waits on the state it checks: it polls a
// condition until it holds and fails the test, naming what it waited for,
// when a deadline passes. Never a sleep followed by an assertion.
package waitfor

import "time"

// TB is the part of testing.TB Until uses.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Until polls ok, first every millisecond and then less often (up to
// every 10 ms), until it holds; after timeout t fails, naming what.
func Until(t TB, timeout time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	pause := time.Millisecond
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(pause)
		pause = min(2*pause, 10*time.Millisecond)
	}
}
