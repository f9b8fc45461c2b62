package uplink

import (
	"context"
	"sync"
	"time"

	"stampclock/queue/record"
)

// StreamSender delivers several records at once and reports each record's
// answer as soon as it is known, for targets with many records in flight
// (MQTT). A Runner whose sender implements StreamSender settles the
// confirmed records in small group commits while later ones are still in
// flight, so a crash loses at most the answers of the last group, never a
// whole batch's progress. It takes precedence over BatchSender.
type StreamSender interface {
	// SendStream delivers claims, oldest first, and calls answer once per
	// claim with the claim's index and its result (nil: the receiver
	// confirmed it; otherwise an error classified as for Send). answer is
	// called from one goroutine at a time and may block while earlier
	// answers are committed. SendStream returns when every claim was
	// answered.
	SendStream(ctx context.Context, claims []record.Claim, answer func(i int, err error))
}

// MaxUnsettled bounds the answers a streaming runner holds before they are
// committed: the sender waits in answer while this many are queued for the
// next commit. With one commit running, at most 2×MaxUnsettled confirmed
// records are uncommitted at any moment; that and the sender's in-flight
// window bound the records a crash sends again.
const MaxUnsettled = 256

// groupSettler commits a stream's outcomes as they come, in group commits:
// whatever arrived while the previous commit ran goes into the next one.
type groupSettler struct {
	r    *Runner
	mu   sync.Mutex
	cond *sync.Cond
	buf  []record.Outcome
	done bool  // no more outcomes will come
	err  error // the first queue error; later outcomes are dropped
}

// drainStream vets claims with Check, streams the rest to ss and settles
// the answers in group commits. The first failure that is not a rejection
// or a hold drives the backoff.
func (r *Runner) drainStream(ctx context.Context, ss StreamSender, claims []record.Claim) (time.Duration, error) {
	g := &groupSettler{r: r}
	g.cond = sync.NewCond(&g.mu)
	settled := make(chan struct{})
	go func() {
		defer close(settled)
		g.loop()
	}()
	var failure error
	note := func(c record.Claim, err error) {
		o := record.Outcome{Seq: c.Record.Seq, At: c.Record.At, Result: record.Delivered}
		if err != nil {
			o = r.outcome(ctx, c, err)
			if failure == nil && backsOff(o.Result) {
				failure = err
			}
		}
		g.add(o)
	}
	send := make([]record.Claim, 0, len(claims))
	for _, c := range claims {
		if err := r.check(ctx, c.Record); err != nil {
			note(c, err)
			continue
		}
		send = append(send, c)
	}
	if len(send) > 0 {
		answered := make([]bool, len(send))
		ss.SendStream(ctx, send, func(i int, err error) {
			if i < 0 || i >= len(send) || answered[i] {
				return // a sender bug must not settle a record twice
			}
			answered[i] = true
			note(send[i], err)
		})
		for i, ok := range answered {
			if !ok {
				note(send[i], &Error{Class: Uncertain, Msg: "sender gave no answer for this record"})
			}
		}
	}
	g.close()
	<-settled
	if g.err != nil {
		return 0, g.err
	}
	if failure != nil {
		return r.backoff(failure), nil
	}
	r.mu.Lock()
	r.status.Failures = 0
	r.mu.Unlock()
	return 0, nil
}

// add queues o for the next commit, waiting while MaxUnsettled are queued.
func (g *groupSettler) add(o record.Outcome) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for len(g.buf) >= MaxUnsettled && g.err == nil {
		g.cond.Wait()
	}
	if g.err != nil {
		return // the records stay in flight: the next claim reconciles them
	}
	g.buf = append(g.buf, o)
	g.cond.Broadcast()
}

func (g *groupSettler) close() {
	g.mu.Lock()
	g.done = true
	g.cond.Broadcast()
	g.mu.Unlock()
}

// loop commits what has arrived until the stream is closed and empty.
func (g *groupSettler) loop() {
	r := g.r
	for {
		g.mu.Lock()
		for len(g.buf) == 0 && !g.done {
			g.cond.Wait()
		}
		group := g.buf
		g.buf = nil
		g.cond.Broadcast()
		g.mu.Unlock()
		if len(group) == 0 {
			return // done and nothing left
		}
		now := r.opts.Now()
		if err := r.q.Settle(r.name, group, now); err != nil {
			g.mu.Lock()
			g.err = err
			g.buf = nil
			g.cond.Broadcast()
			g.mu.Unlock()
			return
		}
		r.count(group, now)
		if r.opts.Settled != nil {
			r.opts.Settled(group)
		}
	}
}
