// Package agent is the terminal's heart: it takes taps from a reader,
// decides start or stop, commits the punch to the queue and only then gives
// feedback. It knows nothing of how records are delivered.
package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"stampclock/device/clock"
	"stampclock/device/feedback"
	"stampclock/device/punch"
	"stampclock/queue"
	"stampclock/reader"
)

// Feedback shows the outcome of a tap. Show must not block.
type Feedback interface {
	Show(feedback.Event)
}

// Store is the part of the queue the agent needs.
type Store interface {
	Update(fn func(*queue.Tx) error) ([]queue.Record, error)
}

// Badge is a configured badge.
type Badge struct {
	UID   string // uppercase hex
	Email string
	Name  string
}

// Options configure an Agent.
type Options struct {
	Rules    punch.Rules
	Clock    clock.Clock
	Feedback Feedback
	Logger   *slog.Logger
	// Badges from the config file; enrolled badges come from the store.
	Badges []Badge
	// OnCommit is called after each commit that appended records (e.g. to
	// wake the uplinks). It must not block.
	OnCommit func([]queue.Record)
}

// Agent turns taps into committed punches.
type Agent struct {
	store Store
	opts  Options
	log   *slog.Logger

	mu      sync.Mutex           // serialises taps; guards the fields below
	badges  map[string]Badge     // config badges by UID
	lastTap map[string]time.Time // by email, with monotonic readings
	stats   Stats
}

// Stats counts what the agent did since start.
type Stats struct {
	Taps        uint64 `json:"taps"`
	Starts      uint64 `json:"starts"`
	Stops       uint64 `json:"stops"`
	Ignored     uint64 `json:"ignored"`
	Unknown     uint64 `json:"unknown"`
	StoreErrors uint64 `json:"store_errors"`
	LastError   string `json:"last_error,omitempty"`
}

// New returns an agent writing to store.
func New(store Store, opts Options) *Agent {
	if opts.Rules.RepeatWindow == 0 {
		opts.Rules.RepeatWindow = punch.DefaultRules.RepeatWindow
	}
	if opts.Rules.MaxShift == 0 {
		opts.Rules.MaxShift = punch.DefaultRules.MaxShift
	}
	if opts.Clock == nil {
		opts.Clock = clock.System{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	a := &Agent{store: store, opts: opts, log: opts.Logger, lastTap: make(map[string]time.Time)}
	a.SetBadges(opts.Badges)
	return a
}

// SetBadges replaces the configured badges (on SIGHUP).
func (a *Agent) SetBadges(badges []Badge) {
	m := make(map[string]Badge, len(badges))
	for _, b := range badges {
		m[b.UID] = b
	}
	a.mu.Lock()
	a.badges = m
	a.mu.Unlock()
}

// Stats returns the counters.
func (a *Agent) Stats() Stats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stats
}

// Outcome is what a tap did.
type Outcome struct {
	Kind    feedback.Kind
	UID     string
	Email   string
	Records []queue.Record // what was committed
	Err     error
}

// Run reads taps from src until ctx is done. The tap being handled when ctx
// ends is committed before Run returns.
func (a *Agent) Run(ctx context.Context, src reader.Source) error {
	taps := make(chan reader.Tap)
	errc := make(chan error, 1)
	go func() { errc <- src.Run(ctx, taps) }()
	for {
		select {
		case t := <-taps:
			a.HandleTap(t)
		case err := <-errc:
			if err != nil && !errors.Is(err, context.Canceled) {
				return fmt.Errorf("agent: reader: %w", err)
			}
			return nil
		}
	}
}

// HandleTap decides, commits and gives feedback for one tap.
func (a *Agent) HandleTap(t reader.Tap) Outcome {
	a.mu.Lock()
	defer a.mu.Unlock()
	uid := reader.FormatUID(t.UID)
	at := t.At
	if at.IsZero() {
		at = a.opts.Clock.Now()
	}
	synced := a.opts.Clock.Synced()
	a.stats.Taps++
	o := a.commitTap(uid, at, synced)
	switch {
	case o.Err != nil:
		a.stats.StoreErrors++
		a.stats.LastError = o.Err.Error()
		a.log.Error("punch not stored", "badge", uid, "err", o.Err)
	case o.Kind == feedback.UnknownBadge:
		a.stats.Unknown++
		a.log.Warn("unknown badge", "badge", uid)
	case o.Kind == feedback.AlreadyStamped:
		a.stats.Ignored++
		a.log.Info("already stamped", "badge", uid, "email", o.Email)
	case o.Kind == feedback.StartOK:
		a.stats.Starts++
	case o.Kind == feedback.StopOK:
		a.stats.Stops++
	}
	for _, r := range o.Records {
		attrs := []any{"seq", r.Seq, "kind", r.Kind}
		if r.Action != "" {
			attrs = append(attrs, "action", r.Action)
		}
		if r.Event != "" {
			attrs = append(attrs, "event", r.Event)
		}
		a.log.Info("committed", append(attrs, "badge", r.UID, "email", r.Email)...)
	}
	ev := feedback.Event{Kind: o.Kind, UID: uid, Email: o.Email, At: at}
	if b, ok := a.badges[uid]; ok {
		ev.Name = b.Name
	}
	if o.Err != nil {
		ev.Msg = "not stored"
	}
	if a.opts.Feedback != nil {
		a.opts.Feedback.Show(ev)
	}
	if len(o.Records) > 0 && a.opts.OnCommit != nil {
		a.opts.OnCommit(o.Records)
	}
	return o
}

// commitTap runs the punch rules and commits the result in one transaction.
func (a *Agent) commitTap(uid string, at time.Time, synced bool) Outcome {
	o := Outcome{UID: uid}
	var decision punch.Decision
	recs, err := a.store.Update(func(tx *queue.Tx) error {
		email := ""
		if b, ok := a.badges[uid]; ok {
			email = b.Email
		} else {
			eb, ok, err := tx.Badge(uid)
			if err != nil {
				return err
			}
			if ok {
				email = eb.Email
			}
		}
		o.Email = email
		if email == "" {
			o.Kind = feedback.UnknownBadge
			if err := tx.NoteUnknown(uid, at); err != nil {
				return err
			}
			_, err := tx.Append(queue.Record{Kind: queue.KindEvent, Event: queue.EventUnknownBadge, At: at, ClockSynced: synced, UID: uid})
			return err
		}
		e, _, err := tx.Employee(email)
		if err != nil {
			return err
		}
		decision = punch.Decide(e, a.lastTap[email], at, a.opts.Rules)
		base := queue.Record{At: at, ClockSynced: synced, UID: uid, Email: email}
		switch decision.Action {
		case punch.Ignore:
			o.Kind = feedback.AlreadyStamped
			return nil
		case punch.Start:
			if decision.MissingStop {
				ev := base
				ev.Kind, ev.Event = queue.KindEvent, queue.EventMissingStop
				ev.Start, ev.StartSeq, ev.UID = e.Start, e.StartSeq, e.StartUID
				ev.Detail = fmt.Sprintf("shift started %s had no stop within %s", e.Start.UTC().Format(time.RFC3339), a.opts.Rules.MaxShift)
				if _, err := tx.Append(ev); err != nil {
					return err
				}
			}
			p := base
			p.Kind, p.Action = queue.KindPunch, queue.ActionStart
			p, err := tx.Append(p)
			if err != nil {
				return err
			}
			o.Kind = feedback.StartOK
			return tx.PutEmployee(queue.Employee{Email: email, Open: true, Start: at, StartSeq: p.Seq, StartUID: uid, LastTap: at, LastUID: uid})
		default:
			p := base
			p.Kind, p.Action = queue.KindPunch, queue.ActionStop
			p, err := tx.Append(p)
			if err != nil {
				return err
			}
			en := base
			en.Kind = queue.KindEntry
			en.Start, en.End, en.StartSeq, en.StopSeq = e.Start, at, e.StartSeq, p.Seq
			if _, err := tx.Append(en); err != nil {
				return err
			}
			o.Kind = feedback.StopOK
			return tx.PutEmployee(queue.Employee{Email: email, LastTap: at, LastUID: uid})
		}
	})
	if err != nil {
		return Outcome{Kind: feedback.Error, UID: uid, Email: o.Email, Err: err}
	}
	if decision.Action != punch.Ignore && o.Email != "" {
		a.lastTap[o.Email] = at
	}
	o.Records = recs
	return o
}
