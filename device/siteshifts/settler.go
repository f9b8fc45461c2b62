package siteshifts

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"stampclock/device/clock"
	"stampclock/device/punch"
	"stampclock/queue"
)

// Taps is where the Settler reads the site's taps: the store of the
// site's tap exchange, in the Settler's queue transaction.
type Taps interface {
	// SiteTaps returns every stored site tap of email (compared
	// case-insensitively; the terminal's own taps and its peers'), in any
	// order.
	SiteTaps(tx *queue.Tx, email string) ([]queue.SiteTap, error)
	// SiteTapEmails returns the employees with stored site taps.
	SiteTapEmails(tx *queue.Tx) ([]string, error)
}

// Store is the part of the queue the Settler uses.
type Store interface {
	Update(fn func(*queue.Tx) error) ([]queue.Record, error)
	View(fn func(*queue.Tx) error) error
	SiteEntryCounts() (delivered, retracted uint64, err error)
}

// Options configure a Settler.
type Options struct {
	// Device is this terminal's device.id: it delivers the entries whose
	// stop was tapped here. Required.
	Device string
	// Rules are the punch rules; zero means punch.DefaultRules.
	Rules punch.Rules
	// Settle is how old a deciding tap must be before its entry is
	// delivered ([site] settle); used as given, 0 delivers at once.
	Settle time.Duration
	// Poll is how often the Settler looks again without a Kick ([site]
	// poll). Default 2s.
	Poll time.Duration
	// Now is the wall clock; default time.Now. Timers start the waits;
	// default clock.RealTimers.
	Now    func() time.Time
	Timers clock.Timers
	// Trusted, if set, tells whether the clock's time now can be trusted;
	// while it cannot, nothing is settled (whether a tap is settle old is
	// unknown).
	Trusted func(now time.Time) bool
	// Appended, if set, is called after records were committed (the
	// daemon wakes its uplink runners). It must not block.
	Appended func([]queue.Record)
	// Logger receives a line per record written; default discards.
	Logger *slog.Logger
}

// Status is the Settler's state for `stampctl status`.
type Status struct {
	// Delivered and Retracted count the site entries (and missing stops)
	// this terminal's ledger holds as delivered and as withdrawn.
	Delivered uint64 `json:"delivered"`
	Retracted uint64 `json:"retracted"`
	// Waiting counts this terminal's entries waiting for Settle to pass;
	// NextSettle is when the first of them is due.
	Waiting    int       `json:"waiting_to_settle"`
	NextSettle time.Time `json:"next_settle,omitzero"`
	// LastError is the last failed pass's error, cleared by a good one.
	LastError string `json:"last_error,omitempty"`
}

// Settler delivers this terminal's share of the site's entries: for each
// employee whose taps changed or whose entries wait to settle, it pairs
// the site's taps (Pair), plans (Plan) and, in one queue transaction,
// appends the entry, missing_stop and retraction records and updates the
// ledger.
type Settler struct {
	o     Options
	store Store
	taps  Taps
	log   *slog.Logger
	kick  chan struct{}

	mu      sync.Mutex
	all     bool               // look at every employee with taps
	dirty   map[string]bool    // taps arrived (lower-case emails)
	waiting map[string]Actions // the last plan of employees with entries waiting
	lastErr string
}

// New returns a Settler writing to store and reading the taps from taps.
// It looks at every employee once when it runs.
func New(store Store, taps Taps, o Options) *Settler {
	if o.Rules == (punch.Rules{}) {
		o.Rules = punch.DefaultRules
	}
	if o.Poll <= 0 {
		o.Poll = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timers == nil {
		o.Timers = clock.RealTimers{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Settler{
		o: o, store: store, taps: taps,
		log:     o.Logger.With("part", "siteshifts"),
		kick:    make(chan struct{}, 1),
		all:     true,
		dirty:   map[string]bool{},
		waiting: map[string]Actions{},
	}
}

// Kick tells the Settler that taps of email arrived (or were made). It
// never blocks.
func (s *Settler) Kick(email string) {
	s.mu.Lock()
	s.dirty[strings.ToLower(email)] = true
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run settles until ctx is done, every Poll and at each Kick. It returns
// nil on cancellation.
func (s *Settler) Run(ctx context.Context) error {
	t := s.o.Timers.NewTicker(s.o.Poll)
	defer t.Stop()
	for {
		if err := s.Pass(); err != nil {
			s.log.Error("settling site shifts", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
		case <-s.kick:
		}
	}
}

// Pass settles, once, the employees kicked since the last pass, those
// whose entries came due and, on the first pass, every employee with
// taps. An employee that fails stays due for the next pass.
func (s *Settler) Pass() error {
	now := s.o.Now()
	if s.o.Trusted != nil && !s.o.Trusted(now) {
		return nil // everything stays due
	}
	s.mu.Lock()
	all := s.all
	s.all = false
	due := s.dirty
	s.dirty = map[string]bool{}
	for email, a := range s.waiting {
		if !now.Before(a.Next) {
			due[email] = true
		}
	}
	s.mu.Unlock()
	if all {
		err := s.store.View(func(tx *queue.Tx) error {
			emails, err := s.taps.SiteTapEmails(tx)
			for _, e := range emails {
				due[strings.ToLower(e)] = true
			}
			return err
		})
		if err != nil {
			s.mu.Lock()
			s.all = true
			s.mu.Unlock()
			return s.failed(fmt.Errorf("siteshifts: list employees: %w", err))
		}
	}
	emails := make([]string, 0, len(due))
	for e := range due {
		emails = append(emails, e)
	}
	slices.Sort(emails)
	var first error
	for _, email := range emails {
		if _, err := s.Settle(email, now); err != nil {
			s.mu.Lock()
			s.dirty[email] = true
			s.mu.Unlock()
			if first == nil {
				first = err
			}
		}
	}
	return s.failed(first)
}

func (s *Settler) failed(err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastErr = ""
	if err != nil {
		s.lastErr = err.Error()
	}
	return err
}

// Settle pairs the taps of email and, in one queue transaction, writes
// what Plan says this terminal must at now: a retraction per withdrawn
// entry first, then the new entries and missing stops, each with its
// ledger change. It returns the Actions it carried out.
func (s *Settler) Settle(email string, now time.Time) (Actions, error) {
	var a Actions
	recs, err := s.store.Update(func(tx *queue.Tx) error {
		taps, err := s.taps.SiteTaps(tx, email)
		if err != nil {
			return fmt.Errorf("read taps: %w", err)
		}
		ledger, err := tx.SiteEntries(email)
		if err != nil {
			return err
		}
		res := Pair(taps, s.o.Rules)
		a = Plan(res, s.o.Device, ledger, now, s.o.Settle)
		for _, e := range a.Retract {
			r, err := tx.Append(retraction(e, res, now))
			if err != nil {
				return err
			}
			e.State, e.RetractSeq = queue.SiteRetracted, r.Seq
			if err := tx.PutSiteEntry(e); err != nil {
				return err
			}
		}
		for _, e := range a.Create {
			r, err := tx.Append(queue.Record{
				Kind: queue.KindEntry, At: e.Stop.At, ClockSynced: true, StartSynced: true,
				UID: e.Stop.UID, Email: e.Stop.Email, Start: e.Start.At, End: e.Stop.At, SiteEntry: e.ID,
			})
			if err != nil {
				return err
			}
			if err := tx.PutSiteEntry(queue.SiteEntry{ID: e.ID, Email: r.Email, Kind: queue.KindEntry, Seq: r.Seq,
				State: queue.SiteDelivered, Start: r.Start, End: r.End}); err != nil {
				return err
			}
		}
		for _, m := range a.Report {
			r, err := tx.Append(queue.Record{
				Kind: queue.KindEvent, Event: queue.EventMissingStop, At: m.Next.At, ClockSynced: true,
				UID: m.Start.UID, Email: m.Start.Email, Start: m.Start.At, StartSynced: true, SiteEntry: m.ID,
				Detail: fmt.Sprintf("shift started %s at %s had no stop within %s", m.Start.At.UTC().Format(time.RFC3339), m.Start.Origin, s.o.Rules.MaxShift),
			})
			if err != nil {
				return err
			}
			if err := tx.PutSiteEntry(queue.SiteEntry{ID: m.ID, Email: r.Email, Kind: queue.KindEvent, Seq: r.Seq,
				State: queue.SiteDelivered, Start: r.Start}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Actions{}, fmt.Errorf("siteshifts: settle %s: %w", email, err)
	}
	s.mu.Lock()
	if a.Waiting > 0 {
		s.waiting[strings.ToLower(email)] = a
	} else {
		delete(s.waiting, strings.ToLower(email))
	}
	s.mu.Unlock()
	for _, r := range recs {
		s.log.Info("site shift", "kind", r.Kind, "event", r.Event, "seq", r.Seq, "site_entry", r.SiteEntry,
			"retracts", r.Retracts, "email", r.Email, "start", r.Start, "end", r.End)
	}
	if len(recs) > 0 && s.o.Appended != nil {
		s.o.Appended(recs)
	}
	return a, nil
}

// retraction is the record withdrawing e, saying why: what the pairing
// holds now over e's time.
func retraction(e queue.SiteEntry, res Result, now time.Time) queue.Record {
	var holders []string
	end := e.End
	if end.IsZero() {
		end = e.Start
	}
	for _, x := range res.Entries {
		if !x.Stop.At.Before(e.Start) && !x.Start.At.After(end) {
			holders = append(holders, fmt.Sprintf("%s (%s–%s)", x.ID, x.Start.At.UTC().Format(time.RFC3339), x.Stop.At.UTC().Format(time.RFC3339)))
		}
	}
	what := "entry"
	if e.Kind == queue.KindEvent {
		what = "missing stop"
	}
	detail := fmt.Sprintf("taps that arrived late changed the site's pairing: %s %s is withdrawn", what, e.ID)
	if len(holders) > 0 {
		detail += "; now " + strings.Join(holders, ", ")
	}
	return queue.Record{
		Kind: queue.KindRetract, At: now, ClockSynced: true, Email: e.Email,
		Start: e.Start, End: e.End, Retracts: e.Seq, SiteEntry: e.ID, Detail: detail,
	}
}

// Status returns the Settler's state.
func (s *Settler) Status() Status {
	var st Status
	d, r, err := s.store.SiteEntryCounts()
	s.mu.Lock()
	defer s.mu.Unlock()
	st.Delivered, st.Retracted = d, r
	for _, a := range s.waiting {
		st.Waiting += a.Waiting
		if !a.Next.IsZero() && (st.NextSettle.IsZero() || a.Next.Before(st.NextSettle)) {
			st.NextSettle = a.Next
		}
	}
	st.LastError = s.lastErr
	if err != nil && st.LastError == "" {
		st.LastError = err.Error()
	}
	return st
}
