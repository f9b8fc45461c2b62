package uplink

import (
	"context"
	"sync"
	"testing"

	"stampclock/queue"
)

// batcher is a BatchSender answering per seq from a map; it records every
// batch it was handed.
type batcher struct {
	scripted
	mu      sync.Mutex
	answers map[uint64]error
	batches [][]call
}

func (b *batcher) SendBatch(ctx context.Context, claims []queue.Claim) []error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var batch []call
	errs := make([]error, len(claims))
	for i, c := range claims {
		batch = append(batch, call{c.Record.Seq, c.Reconcile})
		errs[i] = b.answers[c.Record.Seq]
		delete(b.answers, c.Record.Seq)
	}
	b.batches = append(b.batches, batch)
	return errs
}

func TestDrainBatch_UsesSendBatchAndSettlesEachAnswer(t *testing.T) {
	q := newQueue(t, 5)
	snd := &batcher{answers: map[uint64]error{
		2: &Error{Class: Permanent, Msg: "bad"},
		4: &Error{Class: Uncertain, Msg: "connection lost before PUBACK"},
	}}
	r := NewRunner("rest", q, snd, Options{Batch: 10, Rand: func() float64 { return 0.5 }})
	wait, err := r.drainOnce(context.Background())
	if err != nil || wait == 0 {
		t.Fatalf("wait %v err %v; want a backoff after the uncertain record", wait, err)
	}
	if len(snd.Calls()) != 0 {
		t.Fatalf("single-record Send used: %+v", snd.Calls())
	}
	if len(snd.batches) != 1 || len(snd.batches[0]) != 5 {
		t.Fatalf("batches = %+v, want one of 5", snd.batches)
	}
	if p, dead, done := pending(t, q); p != 1 || dead != 1 || done != 3 {
		t.Fatalf("pending %d dead %d delivered %d; want 1/1/3 (records after a failure keep their own answer)", p, dead, done)
	}
	if wait, err := r.drainOnce(context.Background()); err != nil || wait != 0 {
		t.Fatalf("second drain: wait %v err %v", wait, err)
	}
	if got := snd.batches[1]; len(got) != 1 || got[0].seq != 4 || !got[0].reconcile {
		t.Fatalf("second batch = %+v, want seq 4 with reconcile", got)
	}
	if p, _, done := pending(t, q); p != 0 || done != 4 {
		t.Fatalf("pending %d delivered %d", p, done)
	}
}

func TestDrainBatch_CheckRejectsBeforeSending(t *testing.T) {
	q := newQueue(t, 3)
	snd := &batcher{}
	r := NewRunner("rest", q, snd, Options{Check: func(_ context.Context, rec queue.Record) error {
		if rec.Seq == 2 {
			return &Error{Class: Permanent, Msg: "clock not set"}
		}
		return nil
	}})
	if wait, err := r.drainOnce(context.Background()); err != nil || wait != 0 {
		t.Fatalf("wait %v err %v", wait, err)
	}
	if b := snd.batches[0]; len(b) != 2 || b[0].seq != 1 || b[1].seq != 3 {
		t.Fatalf("batch = %+v, want seqs 1 and 3", b)
	}
	if p, dead, done := pending(t, q); p != 0 || dead != 1 || done != 2 {
		t.Fatalf("pending %d dead %d delivered %d", p, dead, done)
	}
}
