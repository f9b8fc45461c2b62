package uplink

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"stampclock/internal/backoff"
	"stampclock/queue/record"
)

// Sender delivers one record to a target.
type Sender interface {
	// Send delivers rec. When reconcile is true an earlier attempt may have
	// reached the receiver: Send must check the receiver first and return
	// nil without sending if the record is already there.
	Send(ctx context.Context, rec record.Record, reconcile bool) error
}

// BatchSender delivers several records at once, for targets that can keep
// many in flight (MQTT publishes with a window of outstanding PUBACKs). A
// Runner whose sender also implements BatchSender uses SendBatch.
type BatchSender interface {
	// SendBatch delivers claims, oldest first, and returns one error per
	// claim in the same order: nil means the receiver confirmed that record.
	// A claim's Reconcile tells, as for Send, that an earlier attempt may
	// have reached the receiver.
	SendBatch(ctx context.Context, claims []record.Claim) []error
}

// Queue is the part of the store a Runner needs.
type Queue interface {
	Claim(uplink string, n int, now time.Time) ([]record.Claim, error)
	Settle(uplink string, outcomes []record.Outcome, now time.Time) error
}

// settleClaimer is a Queue that settles a batch and claims the next one in
// one commit (queue.Store does). A Runner uses it when it is there.
type settleClaimer interface {
	SettleAndClaim(uplink string, outcomes []record.Outcome, busy []uint64, n int, now time.Time) ([]record.Claim, bool, error)
}

// Options configure a Runner. Zero values mean the documented defaults.
type Options struct {
	// Batch is how many records are claimed per commit. Default 256.
	Batch int
	// MinBackoff and MaxBackoff bound the wait after a failure; it doubles
	// per consecutive failure, with ±20% jitter. Defaults 1s and 5m.
	MinBackoff, MaxBackoff time.Duration
	// MaxRetryAfter caps a receiver's Retry-After. Default 1h.
	MaxRetryAfter time.Duration
	// Idle is how often an idle runner looks at the queue even without a
	// Wake. Default 30s.
	Idle time.Duration
	// SettleDelay is how long a runner whose batches go through keeps the
	// receiver's confirmations uncommitted: they are committed with the
	// next claim that commits anyway, or on their own when they have been
	// held this long (or MaxUnsettled of them are held), or when Run
	// stops. While a batch is being sent, the next one is claimed (in the
	// commit that holds the confirmations from before), so a backlog's
	// claims cost the sending no pause; it is sent when the batch before
	// it went through, and given back unsent when that one failed.
	// Records appended after the runner caught up are claimed by the
	// commit that appends them (queue.Store.SettleAndClaim), so taps in a
	// row cost no delivery commit that competes with the taps' own.
	// A confirmed record stays in flight in the store meanwhile, so a
	// crash in between makes the next start reconcile it, never send it
	// twice. It needs a Queue with SettleAndClaim (queue.Store). Zero (the
	// default) commits confirmations at once.
	SettleDelay time.Duration
	// Check, if set, vets a record before it is sent; an error of class
	// Permanent dead-letters it without sending. Its context ends with Run.
	Check func(context.Context, record.Record) error
	// Settled, if set, is called after every batch is settled, with its
	// outcomes (e.g. to refresh a status display). It must not block.
	Settled func([]record.Outcome)
	// Now and After are the clock; defaults time.Now and time.After.
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
	// Rand returns a float in [0,1) for jitter. Default math/rand/v2.
	Rand   func() float64
	Logger *slog.Logger
}

// Runner drains one uplink's share of the queue, oldest first.
type Runner struct {
	name   string
	q      Queue
	sender Sender
	opts   Options
	log    *slog.Logger
	wake   chan struct{}
	resume chan struct{} // Resume: the far end is back (resume.go)

	// unsettled: confirmations not yet committed (Options.SettleDelay),
	// held since heldSince; only the Run goroutine touches them.
	unsettled []record.Outcome
	heldSince time.Time
	// ahead: the next batch, claimed while the last one was sent
	// (Options.SettleDelay); only the Run goroutine touches it.
	ahead []record.Claim

	mu     sync.Mutex
	status Status
	// retryAfter: the current backoff is the receiver's Retry-After,
	// which Resume does not cut short.
	retryAfter bool
}

// Status is a runner's state as shown by `stampctl status`.
type Status struct {
	Uplink string `json:"uplink"`
	// State is "idle", "sending" or "backoff".
	State        string    `json:"state"`
	Failures     int       `json:"consecutive_failures"`
	NextTry      time.Time `json:"next_try,omitzero"`
	LastError    string    `json:"last_error,omitempty"`
	LastErrorAt  time.Time `json:"last_error_at,omitzero"`
	LastDelivery time.Time `json:"last_delivery,omitzero"`
	Delivered    uint64    `json:"delivered_since_start"`
	Rejected     uint64    `json:"rejected_since_start"`
}

// NewRunner returns a runner delivering uplink name's records with sender.
func NewRunner(name string, q Queue, sender Sender, opts Options) *Runner {
	if opts.Batch <= 0 {
		opts.Batch = 256
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Minute
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = time.Hour
	}
	if opts.Idle <= 0 {
		opts.Idle = 30 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.After == nil {
		opts.After = time.After
	}
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Runner{
		name: name, q: q, sender: sender, opts: opts,
		log:    opts.Logger.With("uplink", name),
		wake:   make(chan struct{}, 1),
		resume: make(chan struct{}, 1),
		status: Status{Uplink: name, State: "idle"},
	}
}

// Wake tells the runner there is something new to send. It never blocks.
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Status returns the runner's current state. LastError is the latest
// failure since the last delivery: a delivery after it clears it.
func (r *Runner) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.status
	if st.LastDelivery.After(st.LastErrorAt) {
		st.LastError, st.LastErrorAt = "", time.Time{}
	}
	return st
}

// Run delivers until ctx is done. It returns nil on cancellation, after
// committing the confirmations it still holds.
func (r *Runner) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		wait, err := r.drainOnce(ctx)
		if err != nil {
			r.log.Error("queue error", "err", err)
			wait = r.opts.MaxBackoff
		}
		if wait == 0 {
			continue
		}
		r.wait(ctx, wait, r.Status().State == "backoff")
	}
	// A batch claimed ahead was never sent: back to pending.
	r.unsettled = append(r.unsettled, notSent(r.ahead)...)
	r.ahead = nil
	if err := r.settleHeld(); err != nil {
		// They stay in flight: the next start reconciles them.
		r.log.Error("queue error", "err", err)
	}
	return nil
}

// notSent returns the outcomes of claims that were never sent.
func notSent(claims []record.Claim) []record.Outcome {
	out := make([]record.Outcome, 0, len(claims))
	for _, c := range claims {
		out = append(out, record.Outcome{Seq: c.Record.Seq, At: c.Record.At, Result: record.NotSent})
	}
	return out
}

// claim claims the next batch, committing the confirmations held from the
// last ones in the same commit when the queue can, and passing over busy,
// the records of a batch being sent meanwhile. When the claim needs no
// commit (records claimed by their append), confirmations held for
// SettleDelay, or MaxUnsettled of them, are committed on their own.
func (r *Runner) claim(busy []uint64) ([]record.Claim, error) {
	sc, ok := r.q.(settleClaimer)
	if !ok {
		return r.q.Claim(r.name, r.opts.Batch, r.opts.Now())
	}
	now := r.opts.Now()
	claims, settled, err := sc.SettleAndClaim(r.name, r.unsettled, busy, r.opts.Batch, now)
	if err != nil {
		return nil, err
	}
	switch {
	case settled:
		r.settled(r.unsettled, now)
		r.unsettled = nil
	case len(r.unsettled) >= MaxUnsettled || (len(r.unsettled) > 0 && now.Sub(r.heldSince) >= r.opts.SettleDelay):
		if err := r.settleHeld(); err != nil {
			return nil, err
		}
	}
	return claims, nil
}

// settleHeld commits the confirmations held from the last batch, if any.
func (r *Runner) settleHeld() error {
	if len(r.unsettled) == 0 {
		return nil
	}
	now := r.opts.Now()
	if err := r.q.Settle(r.name, r.unsettled, now); err != nil {
		return err
	}
	r.settled(r.unsettled, now)
	r.unsettled = nil
	return nil
}

// settled counts outcomes committed at now and reports them.
func (r *Runner) settled(outcomes []record.Outcome, now time.Time) {
	if len(outcomes) == 0 {
		return
	}
	r.count(outcomes, now)
	if r.opts.Settled != nil {
		r.opts.Settled(outcomes)
	}
}

// lingerForMore waits up to Options.SettleDelay for a Wake: true when one
// came (claim the new records with the held confirmations), false when the
// delay ran out or ctx ended.
func (r *Runner) lingerForMore(ctx context.Context) bool {
	timer := r.opts.After(r.opts.SettleDelay)
	select {
	case <-ctx.Done():
		return false
	case <-timer:
		return false
	case <-r.resume:
		return true
	case <-r.wake:
		return true
	}
}

// wait sleeps for d or until ctx is done. A Wake ends an idle wait early;
// it does not cut a backoff short, a Resume does.
func (r *Runner) wait(ctx context.Context, d time.Duration, backingOff bool) {
	timer := r.opts.After(d)
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer:
			return
		case <-r.resume:
			return
		case <-r.wake:
			if !backingOff {
				return
			}
		}
	}
}

// drainOnce sends one batch. It returns how long to wait before the next
// batch: 0 to go on at once.
func (r *Runner) drainOnce(ctx context.Context) (time.Duration, error) {
	claims := r.ahead
	r.ahead = nil
	if claims == nil {
		var err error
		if claims, err = r.claim(nil); err != nil {
			return 0, err
		}
	}
	if len(claims) == 0 {
		r.setState("idle", time.Time{})
		if len(r.unsettled) > 0 && r.lingerForMore(ctx) {
			return 0, nil // claim what came with the held confirmations
		}
		if err := r.settleHeld(); err != nil {
			return 0, err
		}
		return r.opts.Idle, nil
	}
	r.setState("sending", time.Time{})
	if ss, ok := r.sender.(StreamSender); ok {
		return r.drainStream(ctx, ss, claims)
	}
	// A retraction is sent only once every outcome before it is committed:
	// whether its entry was sent (or withdrawn unsent) is then in the
	// store for the sender to read. Records claimed with it after others
	// wait for the next round (rest).
	var rest []record.Claim
	if i := firstRetraction(claims); i > 0 {
		claims, rest = claims[:i], claims[i:]
	} else if i == 0 && len(r.unsettled) > 0 {
		now := r.opts.Now()
		if err := r.q.Settle(r.name, r.unsettled, now); err != nil {
			return 0, err
		}
		r.settled(r.unsettled, now)
		r.unsettled = nil
	}
	_, canHold := r.q.(settleClaimer)
	hold := canHold && r.opts.SettleDelay > 0 && rest == nil && !retracting(claims)
	// Holding confirmations, claim the next batch while this one is sent:
	// the claim's commit (with the confirmations held from before) costs
	// the sending no pause.
	var next []record.Claim
	var claimErr error
	claimed := make(chan struct{})
	if hold {
		busy := make([]uint64, len(claims))
		for i, c := range claims {
			busy[i] = c.Record.Seq
		}
		go func() {
			defer close(claimed)
			next, claimErr = r.claim(busy)
		}()
	} else {
		close(claimed)
	}
	var outcomes []record.Outcome
	var failure error
	if bs, ok := r.sender.(BatchSender); ok {
		outcomes, failure = r.sendBatch(ctx, bs, claims)
	} else {
		outcomes, failure = r.sendEach(ctx, claims)
	}
	r.takeReceipts(outcomes)
	<-claimed
	if failure == nil && claimErr == nil && hold {
		// Held until a claim that commits, or the delay's end.
		if len(r.unsettled) == 0 {
			r.heldSince = r.opts.Now()
		}
		r.unsettled = append(r.unsettled, outcomes...)
		if len(next) > 0 {
			r.ahead = next
		}
		r.mu.Lock()
		r.status.Failures = 0
		r.mu.Unlock()
		return 0, nil
	}
	// Confirmations still held go with this batch's outcomes: a backoff
	// may last minutes. A batch claimed ahead goes back unsent: an
	// employee's later entries wait for the failed one.
	outcomes = append(r.unsettled, outcomes...)
	outcomes = append(outcomes, notSent(next)...)
	if failure != nil || claimErr != nil {
		outcomes = append(outcomes, notSent(rest)...)
		rest = nil
	}
	now := r.opts.Now()
	if err := r.q.Settle(r.name, outcomes, now); err != nil {
		return 0, err
	}
	r.unsettled = nil
	r.settled(outcomes, now)
	if claimErr != nil {
		return 0, claimErr
	}
	if failure != nil {
		return r.backoff(failure), nil
	}
	r.ahead = rest
	r.mu.Lock()
	r.status.Failures = 0
	r.mu.Unlock()
	return 0, nil
}

// Receipter is a Sender that tells what the receiver stored for a record
// it delivered (Outcome.Receipt), to be kept with the confirmation.
type Receipter interface {
	// Receipt returns, and forgets, the receipt of record seq, which
	// the sender has just delivered; "" for none.
	Receipt(seq uint64) string
}

// takeReceipts puts the sender's receipts into the delivered outcomes.
func (r *Runner) takeReceipts(outcomes []record.Outcome) {
	rc, ok := r.sender.(Receipter)
	if !ok {
		return
	}
	for i, o := range outcomes {
		if o.Result == record.Delivered {
			outcomes[i].Receipt = rc.Receipt(o.Seq)
		}
	}
}

// retracting tells whether claims hold a retraction. Its confirmation is
// committed at once, with those held before it, instead of being held:
// should stampd die before it is committed, the retraction is sent again,
// and a receiver can only look for the withdrawn entry by what it holds,
// which the entry that replaced it, delivered by another terminal, may
// hold too (the same minutes); a second delete would take that one.
func retracting(claims []record.Claim) bool { return firstRetraction(claims) >= 0 }

// firstRetraction is the index of the first retraction in claims; -1 if
// there is none.
func firstRetraction(claims []record.Claim) int {
	return slices.IndexFunc(claims, func(c record.Claim) bool { return c.Record.Kind == record.KindRetract })
}

// sendEach sends claims one at a time and stops at the first failure that
// is not a rejection.
func (r *Runner) sendEach(ctx context.Context, claims []record.Claim) ([]record.Outcome, error) {
	outcomes := make([]record.Outcome, 0, len(claims))
	var failure error
	for _, c := range claims {
		if failure != nil || ctx.Err() != nil {
			outcomes = append(outcomes, record.Outcome{Seq: c.Record.Seq, At: c.Record.At, Result: record.NotSent})
			continue
		}
		o := record.Outcome{Seq: c.Record.Seq, At: c.Record.At, Result: record.Delivered}
		if err := r.send(ctx, c); err != nil {
			o = r.outcome(ctx, c, err)
			if backsOff(o.Result) {
				failure = err
			}
		}
		outcomes = append(outcomes, o)
	}
	return outcomes, failure
}

// sendBatch vets claims with Check, hands the rest to bs in one call and
// maps each answer to an outcome. Unlike sendEach, a failure does not stop
// the records after it: the sender had them in flight together, and each
// one's own answer decides. The first failure drives the backoff.
func (r *Runner) sendBatch(ctx context.Context, bs BatchSender, claims []record.Claim) ([]record.Outcome, error) {
	outcomes := make([]record.Outcome, len(claims))
	var failure error
	send := make([]record.Claim, 0, len(claims))
	idx := make([]int, 0, len(claims))
	for i, c := range claims {
		outcomes[i] = record.Outcome{Seq: c.Record.Seq, At: c.Record.At, Result: record.Delivered}
		if err := r.check(ctx, c.Record); err != nil {
			outcomes[i] = r.outcome(ctx, c, err)
			if failure == nil && backsOff(outcomes[i].Result) {
				failure = err // a failing check backs off like a failing send
			}
			continue
		}
		send = append(send, c)
		idx = append(idx, i)
	}
	var errs []error
	if len(send) > 0 {
		errs = bs.SendBatch(ctx, send)
	}
	for j, i := range idx {
		var err error
		if j < len(errs) {
			err = errs[j]
		} else {
			err = &Error{Class: Uncertain, Msg: "sender gave no answer for this record"}
		}
		if err == nil {
			continue
		}
		outcomes[i] = r.outcome(ctx, claims[i], err)
		if failure == nil && backsOff(outcomes[i].Result) {
			failure = err
		}
	}
	return outcomes, failure
}

// outcome maps a failed send of c to what the queue should record.
func (r *Runner) outcome(ctx context.Context, c record.Claim, err error) record.Outcome {
	o := record.Outcome{Seq: c.Record.Seq, At: c.Record.At, Msg: err.Error(), MaybeStored: MaybeStoredOf(err)}
	switch {
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		o.Result, o.Msg = record.MaybeSent, "interrupted by shutdown"
	case ClassOf(err) == Permanent:
		o.Result = record.Rejected
		r.log.Warn("rejected: dead-lettered", "seq", c.Record.Seq, "err", err)
	case ClassOf(err) == Hold:
		o.Result = record.Held
		r.log.Info("held", "seq", c.Record.Seq, "reason", err)
	case ClassOf(err) == Withdrawn:
		o.Result = record.Withdrawn
		r.log.Info("withdrawn: not sent", "seq", c.Record.Seq, "reason", err)
	case ClassOf(err) == Retry:
		o.Result = record.RetryLater
	default:
		o.Result = record.MaybeSent
	}
	return o
}

// settledAside tells whether a record that was not delivered was settled
// for a reason of its own (dead-lettered, held, withdrawn), not by a
// failure of the receiver that the runner backs off from.
func backsOff(res record.Result) bool {
	return res != record.Rejected && res != record.Held && res != record.Withdrawn
}

func (r *Runner) send(ctx context.Context, c record.Claim) error {
	if err := r.check(ctx, c.Record); err != nil {
		return err
	}
	return r.sender.Send(ctx, c.Record, c.Reconcile)
}

// check runs Options.Check on rec, if set. Nothing has been sent yet, so a
// check cut short because Run is stopping is retried later like any failed
// lookup, not reconciled as a send that may have reached the receiver.
func (r *Runner) check(ctx context.Context, rec record.Record) error {
	if r.opts.Check == nil {
		return nil
	}
	err := r.opts.Check(ctx, rec)
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return &Error{Class: Retry, Msg: "check interrupted by shutdown: " + err.Error()}
	}
	return err
}

func (r *Runner) count(outcomes []record.Outcome, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, o := range outcomes {
		switch o.Result {
		case record.Delivered:
			r.status.Delivered++
			r.status.LastDelivery = now
		case record.Rejected:
			r.status.Rejected++
			r.status.LastError, r.status.LastErrorAt = o.Msg, now
		case record.RetryLater, record.MaybeSent:
			r.status.LastError, r.status.LastErrorAt = o.Msg, now
		}
	}
}

// backoff computes the wait after a failed batch: capped exponential with
// jitter, at least the receiver's Retry-After.
func (r *Runner) backoff(err error) time.Duration {
	r.mu.Lock()
	r.status.Failures++
	n := r.status.Failures
	r.mu.Unlock()
	d := backoff.Policy{Min: r.opts.MinBackoff, Max: r.opts.MaxBackoff, Low: 0.8, Spread: 0.4, Rand: r.opts.Rand}.Wait(n)
	ra := min(RetryAfterOf(err), r.opts.MaxRetryAfter)
	if ra > d {
		d = ra
	}
	if n == 1 {
		r.log.Warn("delivery failed; backing off", "err", err, "wait", d)
	} else {
		r.log.Debug("delivery failed again", "err", err, "failures", n, "wait", d)
	}
	r.enterBackoff(ra > 0 && ra >= d, r.opts.Now().Add(d))
	return d
}

func (r *Runner) setState(s string, next time.Time) {
	r.mu.Lock()
	r.status.State, r.status.NextTry = s, next
	r.mu.Unlock()
}
