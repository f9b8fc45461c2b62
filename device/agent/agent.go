// Package agent is the terminal's heart: it takes taps from a reader,
// decides start or stop, commits the punch to the queue and only then gives
// feedback. It knows nothing of how records are delivered.
package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
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
	// Admin badges belong to no employee: a tap switches capture mode on
	// or off (unknown badges tapped meanwhile are collected as pending).
	Admin bool
}

// Enrollment asks that the next badge tapped be bound to Email.
type Enrollment struct {
	Email, Name string
	// Unverified: the email could not be checked against the users of the
	// time-tracking system (offline).
	Unverified bool
	// Replace allows re-binding a badge enrolled for someone else;
	// without it such a tap is refused.
	Replace bool
	// Done receives the result once; it must have room for one value.
	Done chan<- EnrollResult
}

// EnrollResult is the outcome of an Enrollment.
type EnrollResult struct {
	UID string
	Err error
}

// Errors of enrolment.
var (
	ErrEnrollReplaced = errors.New("agent: enrolment replaced by a newer one")
	ErrEnrollCanceled = errors.New("agent: enrolment canceled")
	ErrConfigBadge    = errors.New("agent: badge is defined in the config file")
	ErrBadgeTaken     = errors.New("agent: badge is enrolled for someone else")
)

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
	// MinTime is the earliest trustworthy wall-clock time (the build
	// date); earlier readings are treated as an unset clock. Default
	// clock.Earliest.
	MinTime time.Time
	// CaptureFor is how long capture mode lasts after an admin tap unless
	// ended by another. Default 5m.
	CaptureFor time.Duration
	// Observe, if set, is told every tap's outcome (metrics). It must not
	// block.
	Observe func(Outcome)
	// DayTotal, if set, returns the day's total of email for the local day
	// of at, shown with a stop (feedback.Event.DayTotal); ok false shows
	// none. It is called after the commit with the tap's lock held, so it
	// must return quickly: no network.
	DayTotal func(email string, at time.Time) (total time.Duration, ok bool)
	// Shared, if set, shares the shifts with the site ([site]
	// shared_shifts): see SharedShifts.
	Shared *SharedShifts
}

// Agent turns taps into committed punches.
type Agent struct {
	store Store
	opts  Options
	log   *slog.Logger

	mu      sync.Mutex       // serialises taps; guards the fields below
	badges  map[string]Badge // config badges by UID
	enroll  *Enrollment      // waiting for the next tap
	capture time.Duration    // capture mode on until this time since boot
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
		opts.Clock = &clock.System{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.CaptureFor <= 0 {
		opts.CaptureFor = 5 * time.Minute
	}
	a := &Agent{store: store, opts: opts, log: opts.Logger}
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

// Outcome is what a tap did (declared in package feedback, so that its
// observers need not link the store).
type Outcome = feedback.Outcome

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
	st := a.stamp(t)
	at := st.at
	a.stats.Taps++
	if o, ok := a.special(uid, st); ok {
		a.observe(o)
		return o
	}
	o := a.commitTap(uid, st, a.capturing())
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
	if len(o.Records) > 0 {
		// One line for the tap's records.
		r := o.Records[0]
		a.log.Info("committed", "records", committedRecords(o.Records), "badge", r.UID, "email", r.Email)
	}
	ev := feedback.Event{Kind: o.Kind, UID: uid, Email: o.Email, At: at}
	if b, ok := a.badges[uid]; ok {
		ev.Name = b.Name
	}
	if o.Err != nil {
		ev.Msg = "not stored"
	}
	if o.Kind == feedback.StopOK && o.Email != "" && a.opts.DayTotal != nil {
		if total, ok := a.opts.DayTotal(o.Email, at); ok {
			ev.DayTotal = total
		}
	}
	a.show(ev)
	if len(o.Records) > 0 && a.opts.OnCommit != nil {
		a.opts.OnCommit(o.Records)
	}
	a.observe(o)
	return o
}

// committedRecords describes records for the log as "seq kind[/action or
// event]", comma-separated: "41 punch/stop, 42 entry".
func committedRecords(recs []queue.Record) string {
	var b strings.Builder
	for i, r := range recs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.FormatUint(r.Seq, 10))
		b.WriteByte(' ')
		b.WriteString(string(r.Kind))
		switch {
		case r.Action != "":
			b.WriteString("/" + r.Action)
		case r.Event != "":
			b.WriteString("/" + r.Event)
		}
	}
	return b.String()
}

func (a *Agent) observe(o Outcome) {
	if a.opts.Observe != nil {
		a.opts.Observe(o)
	}
}

// Enroll binds the next tapped badge to e.Email; a pending enrolment is
// replaced. The returned cancel withdraws it if no tap came.
func (a *Agent) Enroll(e Enrollment) (cancel func()) {
	a.mu.Lock()
	if a.enroll != nil {
		a.enroll.Done <- EnrollResult{Err: ErrEnrollReplaced}
	}
	a.enroll = &e
	a.mu.Unlock()
	return func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.enroll == &e {
			a.enroll = nil
			e.Done <- EnrollResult{Err: ErrEnrollCanceled}
		}
	}
}

// Enrolling returns the email of the enrolment waiting for a tap, or "".
func (a *Agent) Enrolling() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.enroll == nil {
		return ""
	}
	return a.enroll.Email
}

// Capturing reports whether capture mode is on.
func (a *Agent) Capturing() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.capturing()
}

func (a *Agent) capturing() bool {
	_, mono := a.opts.Clock.Boot()
	return a.capture > 0 && mono < a.capture
}

// special handles taps that are not punches: an enrolment waiting for a
// badge, and admin badges switching capture mode.
func (a *Agent) special(uid string, st stamp) (Outcome, bool) {
	if e := a.enroll; e != nil {
		a.enroll = nil
		if cb, ok := a.badges[uid]; ok && !strings.EqualFold(cb.Email, e.Email) {
			err := fmt.Errorf("%w: %s belongs to %s there", ErrConfigBadge, uid, cb.Email)
			e.Done <- EnrollResult{UID: uid, Err: err}
			a.show(feedback.Event{Kind: feedback.Error, UID: uid, At: st.at, Msg: "not enrolled"})
			return Outcome{Kind: feedback.Error, UID: uid, Err: err}, true
		}
		_, err := a.store.Update(func(tx *queue.Tx) error {
			old, ok, err := tx.Badge(uid)
			if err != nil {
				return err
			}
			if ok && !strings.EqualFold(old.Email, e.Email) && !e.Replace {
				return fmt.Errorf("%w: %s is enrolled for %s; enrol with --replace to re-bind it", ErrBadgeTaken, uid, old.Email)
			}
			return tx.PutBadge(queue.Badge{UID: uid, Email: e.Email, Name: e.Name, Enrolled: st.at.UTC(), Unverified: e.Unverified})
		})
		e.Done <- EnrollResult{UID: uid, Err: err}
		if err != nil {
			a.log.Warn("enrolment refused; the tap counts as nothing", "badge", uid, "email", e.Email, "err", err)
			a.show(feedback.Event{Kind: feedback.Error, UID: uid, At: st.at, Msg: "not enrolled"})
			return Outcome{Kind: feedback.Error, UID: uid, Err: err}, true
		}
		a.log.Info("badge enrolled", "badge", uid, "email", e.Email)
		a.show(feedback.Event{Kind: feedback.Enrolled, UID: uid, Email: e.Email, Name: e.Name, At: st.at})
		return Outcome{Kind: feedback.Enrolled, UID: uid, Email: e.Email}, true
	}
	if b, ok := a.badges[uid]; ok && b.Admin {
		msg := "capture on"
		if a.capturing() {
			a.capture = 0
			msg = "capture off"
		} else {
			_, mono := a.opts.Clock.Boot()
			a.capture = mono + a.opts.CaptureFor
		}
		a.log.Info("admin badge: "+msg, "badge", uid)
		a.show(feedback.Event{Kind: feedback.Enrolled, UID: uid, Name: b.Name, At: st.at, Msg: msg})
		return Outcome{Kind: feedback.Enrolled, UID: uid}, true
	}
	return Outcome{}, false
}

func (a *Agent) show(ev feedback.Event) {
	if a.opts.Feedback != nil {
		a.opts.Feedback.Show(ev)
	}
}

// stamp is when a tap happened, as far as the terminal can tell.
type stamp struct {
	at      time.Time
	trusted bool
	boot    string
	mono    time.Duration
}

// stamp reads the clock for a tap. A time given by an operator (the
// simulator's --at) is taken as it is: trusted, with no monotonic reading.
func (a *Agent) stamp(t reader.Tap) stamp {
	if t.Given && !t.At.IsZero() {
		return stamp{at: t.At, trusted: true}
	}
	boot, mono := a.opts.Clock.Boot()
	now := a.opts.Clock.Now()
	return stamp{at: now, trusted: clock.Trusted(now, a.opts.Clock.Synced(), a.opts.MinTime), boot: boot, mono: mono}
}

// commitTap runs the punch rules and commits the result in one transaction.
// In capture mode an unknown badge is collected as pending.
func (a *Agent) commitTap(uid string, st stamp, capture bool) Outcome {
	o := Outcome{UID: uid}
	at := st.at
	var siteTap *queue.SiteTap // stored with shared shifts
	recs, err := a.store.Update(func(tx *queue.Tx) error {
		siteTap = nil
		email := ""
		if b, ok := a.badges[uid]; ok && !b.Admin {
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
		base := queue.Record{At: at, ClockSynced: st.trusted, Boot: st.boot, Mono: st.mono, UID: uid, Email: email}
		if email == "" {
			o.Kind = feedback.UnknownBadge
			if err := tx.NoteUnknown(uid, at, capture); err != nil {
				return err
			}
			ev := base
			ev.Kind, ev.Event = queue.KindEvent, queue.EventUnknownBadge
			_, err := tx.Append(ev)
			return err
		}
		e, _, err := tx.Employee(email)
		if err != nil {
			return err
		}
		if a.opts.Shared != nil && st.trusted {
			kind, stored, err := a.sharedTap(tx, base)
			o.Kind, siteTap = kind, &stored
			return err
		}
		el := punch.Elapsed{HaveLast: !e.LastTap.IsZero()}
		if el.HaveLast {
			el.SinceLast = punch.Since(e.LastTap, e.LastBoot, e.LastMono, at, st.boot, st.mono)
		}
		if e.Open {
			el.ShiftAge = punch.Since(e.Start, e.StartBoot, e.StartMono, at, st.boot, st.mono)
		}
		decision := punch.Decide(e, el, a.opts.Rules)
		last := queue.Employee{Email: email, LastTap: at, LastUID: uid, LastBoot: st.boot, LastMono: st.mono}
		switch decision.Action {
		case punch.Ignore:
			o.Kind = feedback.AlreadyStamped
			return nil
		case punch.Start:
			if decision.MissingStop {
				ev := base
				ev.Kind, ev.Event = queue.KindEvent, queue.EventMissingStop
				ev.Start, ev.StartSeq, ev.UID = e.Start, e.StartSeq, e.StartUID
				ev.StartSynced, ev.StartBoot, ev.StartMono = e.StartSynced, e.StartBoot, e.StartMono
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
			last.Open, last.Start, last.StartSeq, last.StartUID = true, at, p.Seq, uid
			last.StartSynced, last.StartBoot, last.StartMono = st.trusted, st.boot, st.mono
			return tx.PutEmployee(last)
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
			en.StartSynced, en.StartBoot, en.StartMono = e.StartSynced, e.StartBoot, e.StartMono
			if e.StartBoot != "" && e.StartBoot == st.boot {
				// Same boot: the duration is the monotonic one, whatever
				// the wall clock did meanwhile.
				en.End = e.Start.Add(st.mono - e.StartMono)
			}
			if _, err := tx.Append(en); err != nil {
				return err
			}
			o.Kind = feedback.StopOK
			return tx.PutEmployee(last)
		}
	})
	if err != nil {
		return Outcome{Kind: feedback.Error, UID: uid, Email: o.Email, Err: err}
	}
	if siteTap != nil && a.opts.Shared.Stored != nil {
		a.opts.Shared.Stored(*siteTap)
	}
	o.Records = recs
	return o
}
