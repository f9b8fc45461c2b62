package uplink

import (
	"context"
	"testing"
	"time"
)

// fakeTimers is an injected After whose timers fire only when a test says.
type fakeTimers struct {
	asked chan time.Duration
	fire  chan time.Time
}

func newFakeTimers() *fakeTimers {
	return &fakeTimers{asked: make(chan time.Duration, 100), fire: make(chan time.Time)}
}

func (f *fakeTimers) After(d time.Duration) <-chan time.Time {
	f.asked <- d
	return f.fire
}

// runResume runs a runner over one record whose first send fails with
// first; it returns once the runner waits out the backoff.
func runResume(t *testing.T, first error) (*Runner, *scripted, *fakeTimers) {
	t.Helper()
	q := newQueue(t, 1)
	snd := &scripted{answers: []error{first}}
	ft := newFakeTimers()
	r := NewRunner("rest", q, snd, Options{MinBackoff: time.Hour, MaxBackoff: time.Hour, Idle: time.Hour, After: ft.After, Rand: func() float64 { return 0.5 }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case d := <-ft.asked:
		if d < 30*time.Minute {
			t.Fatalf("backoff %v, want about an hour", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("runner did not back off")
	}
	if st := r.Status(); st.State != "backoff" {
		t.Fatalf("state %q", st.State)
	}
	return r, snd, ft
}

// The defect 7: a backoff that had grown long outlived the broker's
// outage. A Resume (the client reconnected) ends it at once.
func TestResume_EndsAnHourLongBackoff(t *testing.T) {
	r, snd, ft := runResume(t, &Error{Class: Retry, Msg: "connection refused"})
	r.Wake() // news of a new record does not end a backoff
	r.Resume()
	select {
	case d := <-ft.asked: // delivered, and now idle
		if d != time.Hour {
			t.Fatalf("next wait %v, want the idle hour", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Resume did not end the backoff")
	}
	if calls := snd.Calls(); len(calls) != 2 {
		t.Fatalf("calls = %+v, want the retry right after Resume", calls)
	}
	if st := r.Status(); st.Delivered != 1 || st.Failures != 0 || st.LastError != "" {
		t.Fatalf("status = %+v, want delivered with the old error forgotten", st)
	}
}

// A server's Retry-After is its own word on when to come back: a reconnect
// does not cut it.
func TestResume_DoesNotCutTheServersRetryAfter(t *testing.T) {
	r, snd, ft := runResume(t, &Error{Class: Retry, Status: 503, RetryAfter: 2 * time.Hour})
	r.Resume()
	if n := len(r.resume); n != 0 {
		t.Fatal("Resume signalled the end of a Retry-After wait")
	}
	if st := r.Status(); st.State != "backoff" || st.NextTry.IsZero() {
		t.Fatalf("status = %+v", st)
	}
	ft.fire <- time.Now() // the Retry-After has passed
	eventually(t, "delivery after the Retry-After", func() bool { return r.Status().Delivered == 1 })
	if calls := snd.Calls(); len(calls) != 2 {
		t.Fatalf("calls = %+v", calls)
	}
}

// A Resume from before a backoff (a connect by the sender itself, which then
// failed) does not end the backoff that follows.
func TestResume_FromBeforeTheBackoffIsForgotten(t *testing.T) {
	q := newQueue(t, 0)
	r := NewRunner("rest", q, &scripted{}, Options{})
	r.mu.Lock()
	r.status.State = "backoff"
	r.mu.Unlock()
	r.Resume()
	if len(r.resume) != 1 {
		t.Fatal("Resume during a backoff did not signal")
	}
	r.backoff(&Error{Class: Retry})
	if len(r.resume) != 0 {
		t.Fatal("a stale Resume survived into the next backoff")
	}
}
