package uplink

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"stampclock/queue"
	"stampclock/queue/queuetest"
)

// scripted is a Sender whose answers a test programs per call.
type scripted struct {
	mu      sync.Mutex
	answers []error // consumed in order; nil when exhausted
	calls   []call
	got     chan struct{}
}

type call struct {
	seq       uint64
	reconcile bool
}

func (s *scripted) Send(ctx context.Context, rec queue.Record, reconcile bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call{rec.Seq, reconcile})
	var err error
	if len(s.answers) > 0 {
		err, s.answers = s.answers[0], s.answers[1:]
	}
	if s.got != nil {
		select {
		case s.got <- struct{}{}:
		default:
		}
	}
	return err
}

func (s *scripted) Calls() []call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]call(nil), s.calls...)
}

func newQueue(t *testing.T, n int) *queue.Store {
	t.Helper()
	s := queuetest.Open(t, queue.Options{Uplinks: []queue.UplinkSpec{{Name: "rest"}}})
	for i := 0; i < n; i++ {
		if _, err := s.Update(func(tx *queue.Tx) error {
			_, err := tx.Append(queue.Record{Kind: queue.KindEntry, At: time.Unix(1_800_000_000+int64(i), 0)})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func pending(t *testing.T, s *queue.Store) (p, dead, done uint64) {
	t.Helper()
	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	u := st.Uplinks[0]
	return u.Pending, u.Dead, u.Delivered
}

func TestDrain_DeliversInOrderAcrossBatches(t *testing.T) {
	q := newQueue(t, 5)
	snd := &scripted{}
	r := NewRunner("rest", q, snd, Options{Batch: 2})
	for i := 0; i < 3; i++ {
		if wait, err := r.drainOnce(context.Background()); err != nil || wait != 0 {
			t.Fatalf("drain %d: wait %v err %v", i, wait, err)
		}
	}
	calls := snd.Calls()
	for i, c := range calls {
		if c.seq != uint64(i+1) || c.reconcile {
			t.Fatalf("calls = %+v, want seqs 1..5 in order without reconcile", calls)
		}
	}
	if p, _, done := pending(t, q); p != 0 || done != 5 {
		t.Fatalf("pending %d delivered %d", p, done)
	}
	if wait, _ := r.drainOnce(context.Background()); wait != r.opts.Idle {
		t.Fatalf("empty queue: wait %v, want idle %v", wait, r.opts.Idle)
	}
}

func TestDrain_PermanentDeadLettersAndGoesOn(t *testing.T) {
	q := newQueue(t, 3)
	snd := &scripted{answers: []error{nil, &Error{Class: Permanent, Status: 400, Msg: "starttime invalid"}}}
	r := NewRunner("rest", q, snd, Options{})
	if wait, err := r.drainOnce(context.Background()); wait != 0 || err != nil {
		t.Fatalf("wait %v err %v", wait, err)
	}
	if p, dead, done := pending(t, q); p != 0 || dead != 1 || done != 2 {
		t.Fatalf("pending %d dead %d delivered %d", p, dead, done)
	}
	d, _ := q.Queued("rest", "dead", 0, 10)
	if len(d) != 1 || d[0].Record.Seq != 2 {
		t.Fatalf("dead = %+v", d)
	}
}

func TestDrain_RetryStopsBatchKeepsOrderAndBacksOff(t *testing.T) {
	q := newQueue(t, 3)
	snd := &scripted{answers: []error{nil, &Error{Class: Retry, Status: 429, RetryAfter: 42 * time.Second}}}
	r := NewRunner("rest", q, snd, Options{Rand: func() float64 { return 0.5 }})
	wait, err := r.drainOnce(context.Background())
	if err != nil || wait != 42*time.Second {
		t.Fatalf("wait %v err %v; want Retry-After 42s", wait, err)
	}
	if n := len(snd.Calls()); n != 2 {
		t.Fatalf("%d calls, want 2: nothing sent after the failure", n)
	}
	if st := r.Status(); st.State != "backoff" || st.Failures != 1 {
		t.Fatalf("status = %+v", st)
	}
	r.drainOnce(context.Background())
	calls := snd.Calls()
	if calls[2].seq != 2 || calls[2].reconcile || calls[3].seq != 3 {
		t.Fatalf("calls = %+v, want seq 2 again (no reconcile: 429 is certain) then 3", calls)
	}
}

func TestDrain_UncertainReconcilesNextTime(t *testing.T) {
	q := newQueue(t, 1)
	snd := &scripted{answers: []error{errors.New("read: connection reset by peer")}}
	r := NewRunner("rest", q, snd, Options{})
	r.drainOnce(context.Background())
	r.drainOnce(context.Background())
	calls := snd.Calls()
	if len(calls) != 2 || calls[0].reconcile || !calls[1].reconcile {
		t.Fatalf("calls = %+v, want second call reconciling", calls)
	}
}

func TestBackoff_ExponentialCappedWithJitter(t *testing.T) {
	q := newQueue(t, 0)
	jitter := 0.0
	r := NewRunner("rest", q, &scripted{}, Options{MinBackoff: time.Second, MaxBackoff: 10 * time.Second, Rand: func() float64 { return jitter }})
	err := &Error{Class: Retry}
	want := []time.Duration{800 * time.Millisecond, 1600 * time.Millisecond, 3200 * time.Millisecond, 6400 * time.Millisecond, 8 * time.Second, 8 * time.Second}
	for i, w := range want {
		if got := r.backoff(err); got != w {
			t.Fatalf("failure %d: backoff %v, want %v", i+1, got, w)
		}
	}
	jitter = 0.999
	if got := r.backoff(err); got < 11*time.Second || got > 12*time.Second {
		t.Fatalf("max jitter: %v, want ~12s", got)
	}
}

func TestCheck_PermanentErrorDeadLettersWithoutSending(t *testing.T) {
	q := newQueue(t, 1)
	snd := &scripted{}
	r := NewRunner("rest", q, snd, Options{Check: func(context.Context, queue.Record) error {
		return &Error{Class: Permanent, Msg: "clock not set"}
	}})
	r.drainOnce(context.Background())
	if len(snd.Calls()) != 0 {
		t.Fatal("sent a record the check refused")
	}
	if _, dead, _ := pending(t, q); dead != 1 {
		t.Fatalf("dead = %d", dead)
	}
}

func TestRun_WakeDeliversAndCancelStops(t *testing.T) {
	q := newQueue(t, 0)
	snd := &scripted{got: make(chan struct{}, 1)}
	r := NewRunner("rest", q, snd, Options{Idle: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()
	q.Update(func(tx *queue.Tx) error {
		_, err := tx.Append(queue.Record{Kind: queue.KindEntry, At: time.Unix(1_800_000_000, 0)})
		return err
	})
	r.Wake()
	select {
	case <-snd.got:
	case <-time.After(10 * time.Second):
		t.Fatal("woken runner did not send")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		" 42 ":                          42 * time.Second,
		"-5":                            0,
		"Mon, 02 Mar 2026 08:01:30 GMT": 90 * time.Second,
		"Mon, 02 Mar 2026 07:00:00 GMT": 0,
		"soon":                          0,
	} {
		if got := RetryAfter(v, now); got != want {
			t.Errorf("RetryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestTransportError_DialIsRetryOtherwiseUncertain(t *testing.T) {
	dial := &net.OpError{Op: "dial", Err: errors.New("connection refused")}
	read := &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}
	if c := TransportError(dial).Class; c != Retry {
		t.Errorf("dial: %v", c)
	}
	if c := TransportError(&net.DNSError{Err: "no such host"}).Class; c != Retry {
		t.Errorf("dns: %v", c)
	}
	if c := TransportError(read).Class; c != Uncertain {
		t.Errorf("read: %v", c)
	}
}

func TestUnsureAndPartial(t *testing.T) {
	retry := &Error{Class: Retry, Status: 429, RetryAfter: 7 * time.Second}
	if u := Unsure(retry, "reconcile failed"); u.Class != Uncertain || u.Status != 429 || u.RetryAfter != 7*time.Second || !errors.Is(u, retry) {
		t.Errorf("Unsure(retry) = %+v", u)
	}
	if u := Unsure(&Error{Class: Permanent, Status: 400}, "x"); u.Class != Permanent {
		t.Errorf("Unsure(permanent) = %v, want permanent", u.Class)
	}
	if u := Unsure(errors.New("eof"), "x"); u.Class != Uncertain {
		t.Errorf("Unsure(plain) = %v", u.Class)
	}
	if err := Partial(retry, 0, 2, "segments"); err != error(retry) {
		t.Errorf("Partial with none delivered = %v, want the error itself", err)
	}
	if err := Partial(retry, 1, 2, "segments"); ClassOf(err) != Uncertain || !strings.Contains(err.Error(), "1 of 2 segments delivered") {
		t.Errorf("Partial = %v", err)
	}
}

func TestCheck_GetsRunContext_CutShortIsRetryNotMaybeSent(t *testing.T) {
	q := newQueue(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	checked := make(chan struct{})
	r := NewRunner("rest", q, &scripted{}, Options{Check: func(cctx context.Context, _ queue.Record) error {
		close(checked)
		<-cctx.Done() // a lookup that only ends because Run stops
		return &Error{Class: Retry, Msg: "locked days unknown", Err: cctx.Err()}
	}})
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	<-checked
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	// Nothing was sent, so the next runner sends without reconciling.
	snd := &scripted{}
	r2 := NewRunner("rest", q, snd, Options{})
	ctx2, cancel2 := context.WithCancel(context.Background())
	done2 := make(chan error, 1)
	go func() { done2 <- r2.Run(ctx2) }()
	eventually(t, "the record delivered", func() bool { return r2.Status().Delivered == 1 })
	cancel2()
	<-done2
	if calls := snd.Calls(); len(calls) != 1 || calls[0].reconcile {
		t.Fatalf("sends after a check cut short: %+v; want one without reconcile", calls)
	}
}
