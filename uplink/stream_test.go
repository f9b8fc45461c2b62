package uplink

import (
	"context"
	"testing"
	"time"

	"stampclock/internal/waitfor"
	"stampclock/queue"
)

// streamer is a StreamSender that answers claims from a script: answers
// before gate are given at once, the rest only after release is closed.
type streamer struct {
	scripted
	gate    int
	release chan struct{}
	answers map[uint64]error
}

func (s *streamer) SendStream(ctx context.Context, claims []queue.Claim, answer func(int, error)) {
	for i, c := range claims {
		if i == s.gate && s.release != nil {
			<-s.release
		}
		s.mu.Lock()
		s.calls = append(s.calls, call{c.Record.Seq, c.Reconcile})
		err := s.answers[c.Record.Seq]
		s.mu.Unlock()
		answer(i, err)
	}
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	waitfor.Until(t, 10*time.Second, what, ok)
}

// The defect 6: a batch of 4,096 was settled only when all of it
// was answered, so a crash threw away every confirmation. A streaming
// runner commits what the receiver confirmed while the rest is in flight.
func TestDrainStream_ConfirmedRecordsCommittedWhileTheBatchIsInFlight(t *testing.T) {
	q := newQueue(t, 1000)
	snd := &streamer{gate: 600, release: make(chan struct{})}
	r := NewRunner("rest", q, snd, Options{Batch: 4096})
	done := make(chan error, 1)
	go func() { _, err := r.drainOnce(context.Background()); done <- err }()
	// The store commits a confirmed chunk before the runner counts it:
	// wait for both.
	eventually(t, "600 confirmed records committed and counted before the batch ends", func() bool {
		_, _, delivered := pending(t, q)
		return delivered == 600 && r.Status().Delivered == 600
	})
	if st := r.Status(); st.Delivered != 600 || st.State != "sending" {
		t.Fatalf("status mid-batch = %+v", st)
	}
	close(snd.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if p, _, delivered := pending(t, q); p != 0 || delivered != 1000 {
		t.Fatalf("pending %d delivered %d", p, delivered)
	}
}

// A crash mid-stream (here: the store reopened while the stream is stuck)
// leaves exactly the unconfirmed records to claim again, marked Reconcile.
func TestDrainStream_AfterCrashOnlyUnconfirmedAreClaimedAgain(t *testing.T) {
	q := newQueue(t, 500)
	snd := &streamer{gate: 300, release: make(chan struct{})}
	r := NewRunner("rest", q, snd, Options{Batch: 4096})
	go r.drainOnce(context.Background())
	eventually(t, "300 committed", func() bool { _, _, d := pending(t, q); return d == 300 })
	// What a restart would do: claim again, with the first stream stuck.
	claims, err := q.Claim("rest", 4096, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(claims) != 200 || claims[0].Record.Seq != 301 || !claims[0].Reconcile {
		t.Fatalf("claimed %d, first %+v; want 200 from seq 301, reconciling", len(claims), claims[0])
	}
	close(snd.release)
}

func TestDrainStream_EachAnswerSettledFailureBacksOff(t *testing.T) {
	q := newQueue(t, 5)
	snd := &streamer{answers: map[uint64]error{
		2: &Error{Class: Permanent, Msg: "bad"},
		4: &Error{Class: Uncertain, Msg: "connection lost before PUBACK"},
	}}
	r := NewRunner("rest", q, snd, Options{Rand: func() float64 { return 0.5 }})
	wait, err := r.drainOnce(context.Background())
	if err != nil || wait != time.Second {
		t.Fatalf("wait %v err %v, want the first backoff 1s", wait, err)
	}
	if p, dead, done := pending(t, q); p != 1 || dead != 1 || done != 3 {
		t.Fatalf("pending %d dead %d delivered %d", p, dead, done)
	}
	claims, _ := q.Claim("rest", 10, time.Now())
	if len(claims) != 1 || claims[0].Record.Seq != 4 || !claims[0].Reconcile {
		t.Fatalf("claims = %+v", claims)
	}
}

func TestDrainStream_CheckedRecordsNeverReachTheSender(t *testing.T) {
	q := newQueue(t, 3)
	snd := &streamer{}
	r := NewRunner("rest", q, snd, Options{Check: func(_ context.Context, rec queue.Record) error {
		if rec.Seq == 2 {
			return &Error{Class: Hold, Msg: "day locked"}
		}
		return nil
	}})
	if wait, err := r.drainOnce(context.Background()); wait != 0 || err != nil {
		t.Fatalf("wait %v err %v", wait, err)
	}
	if calls := snd.Calls(); len(calls) != 2 || calls[0].seq != 1 || calls[1].seq != 3 {
		t.Fatalf("calls = %+v", calls)
	}
	st, _ := q.Stats()
	if u := st.Uplinks[0]; u.Held != 1 || u.Delivered != 2 {
		t.Fatalf("stats = %+v", u)
	}
}
