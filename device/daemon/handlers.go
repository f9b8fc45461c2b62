package daemon

import (
	"context"
	"fmt"
	"strings"
	"time"

	"stampclock/device/ctlproto"
	"stampclock/device/readers"
	"stampclock/queue"
	"stampclock/reader"
	"stampclock/uplink"
)

// listQueue lists the records still in the queues (queue.list).
func (d *Daemon) listQueue(a ListArgs) ([]queue.Item, error) {
	if a.State != "" && a.State != "pending" && a.State != "held" && a.State != "dead" && a.State != "quarantined" && a.State != "withdrawn" {
		return nil, fmt.Errorf("queue list: state %q; want pending, held, dead, quarantined or withdrawn", a.State)
	}
	if a.Limit <= 0 || a.Limit > 10_000 {
		a.Limit = 1000
	}
	keep, err := recordFilter(a.Email, "", a.From, a.To)
	if err != nil {
		return nil, err
	}
	items := []queue.Item{}
	after := a.After
	for len(items) < a.Limit {
		batch, err := d.store.Queued(a.Uplink, a.State, after, 1000)
		if err != nil || len(batch) == 0 {
			return items, err
		}
		for _, it := range batch {
			after = max(after, it.Record.Seq)
			if keep(it.Record) && len(items) < a.Limit {
				items = append(items, it)
			}
		}
	}
	return items, nil
}

// retryDead queues dead letters again (queue.retry).
func (d *Daemon) retryDead(a RetryArgs) (RetryResult, error) {
	n, err := d.store.RetryDead(a.Uplink, a.Seqs, d.opts.Clock.Now())
	if err != nil {
		return RetryResult{}, err
	}
	d.wake()
	return RetryResult{Retried: n}, nil
}

func (d *Daemon) status() (Status, error) {
	var s Status
	qs, err := d.store.Stats()
	if err != nil {
		return s, err
	}
	s.Device, s.Version, s.Reader, s.Started = d.cfg.Device.ID, d.opts.Version, d.cfg.Reader.Type, d.started
	s.Clock.Now, s.Clock.Synced, s.Clock.Timezone = d.opts.Clock.Now(), d.opts.Clock.Synced(), d.cfg.Punch.Timezone
	s.Clock.Boot, _ = d.opts.Clock.Boot()
	s.Clock.Untrusted = qs.Untrusted
	s.StoreAlarm = d.alarm
	s.QuarantineAlarm = quarantineAlarm(qs.Quarantined)
	s.StoreWarning = d.storeWarn.get()
	s.OtherStores = d.otherStores
	s.ConfigProblems = d.cfgWatch.get()
	if d.health != nil {
		h := d.health()
		s.ReaderHealth = &h
	}
	s.Queue = qs
	for _, u := range qs.Uplinks {
		s.QueueDepth.Pending += u.Pending
		s.QueueDepth.Held += u.Held
		s.QueueDepth.Dead += u.Dead
		s.QueueDepth.Delivered += u.Delivered
		s.QueueDepth.Quarantined += u.Quarantined
	}
	s.Uplinks = d.uplinkStatuses(qs)
	if d.site != nil {
		sb := d.site.Status()
		s.SiteBadges = &sb
	}
	d.shifts.status(&s)
	s.Taps = ctlproto.TapStats(d.agent.Stats())
	s.Enrolling = d.agent.Enrolling()
	s.MetricsError = d.sideErr.get()
	return s, nil
}

// report is the terminal's state for an uplink that publishes a status
// (uplink.Env.Report): clock, reader, alarms, and per uplink its queue
// depth, state, last delivery and last error.
func (d *Daemon) report() uplink.Report {
	var st uplink.Report
	st.Clock = &uplink.ReportClock{Now: d.opts.Clock.Now().UTC(), Synced: d.opts.Clock.Synced(), Timezone: d.cfg.Punch.Timezone}
	if d.health != nil {
		h := d.health()
		st.Reader = &uplink.ReportReader{OK: h.OK, LastError: h.LastError}
	}
	if a := d.alarm; a != nil {
		st.StoreAlarm = fmt.Sprintf("damaged store moved aside to %s at %s: %s", a.MovedTo, a.At.UTC().Format(time.RFC3339), a.Error)
	}
	qs, err := d.store.Stats()
	if err != nil {
		st.LastError, st.LastErrorAt = err.Error(), d.opts.Clock.Now().UTC()
		return st
	}
	st.Clock.Untrusted = qs.Untrusted
	if st.StoreAlarm == "" {
		st.StoreAlarm = quarantineAlarm(qs.Quarantined)
	}
	for _, e := range d.uplinkStatuses(qs) {
		u := e.Queue
		us := uplink.ReportUplink{
			Name: e.Uplink, State: e.State, Pending: u.Pending, Held: u.Held, Dead: u.Dead, Delivered: u.Delivered,
			LastDelivery: u.LastDelivery, LastError: u.LastError, LastErrorAt: u.LastErrorAt,
		}
		st.Uplinks = append(st.Uplinks, us)
		if us.LastDelivery.After(st.LastDelivery) {
			st.LastDelivery = us.LastDelivery
		}
		if us.LastErrorAt.After(st.LastErrorAt) {
			st.LastError, st.LastErrorAt = us.LastError, us.LastErrorAt
		}
	}
	for _, p := range d.cfgWatch.get() {
		st.ConfigProblems = append(st.ConfigProblems, uplink.ReportProblem{Check: p.Check, Problem: p.Problem})
	}
	return st
}

// The range of times `stampctl tap --at` accepts.
var (
	earliestTap = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	latestTap   = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

func (d *Daemon) tap(ctx context.Context, a TapArgs) (TapResult, error) {
	if d.sim == nil {
		return TapResult{}, fmt.Errorf("tap: the reader is %q; taps can be injected only with reader.type = %s", d.cfg.Reader.Type, strings.Join(readers.Injecting(), " or "))
	}
	uid, err := reader.ParseUID(a.UID)
	if err != nil {
		return TapResult{}, fmt.Errorf("tap: %w", err)
	}
	t := reader.Tap{UID: uid, Source: d.cfg.Reader.Type}
	if a.At != "" {
		at, err := time.Parse(time.RFC3339, a.At)
		if err != nil {
			return TapResult{}, fmt.Errorf("tap: --at %q: want RFC 3339 like 2026-03-02T08:00:00+01:00", a.At)
		}
		// Differences of times in this range fit a time.Duration; far
		// beyond it the punch rules' arithmetic overflows.
		if at.Before(earliestTap) || !at.Before(latestTap) {
			return TapResult{}, fmt.Errorf("tap: --at %s is outside %s to %s", a.At, earliestTap.Format("2006-01-02"), latestTap.Format("2006-01-02"))
		}
		t.At, t.Given = at, true
		if err := d.checkGivenOrder(reader.FormatUID(uid), at); err != nil {
			return TapResult{}, err
		}
	}
	o := d.agent.HandleTap(t)
	res := TapResult{Result: o.Kind.String(), UID: o.UID, Email: o.Email, Record: o.Records}
	for _, r := range o.Records {
		res.Seqs = append(res.Seqs, r.Seq)
	}
	if o.Err != nil {
		res.Error = o.Err.Error()
	}
	return res, nil
}

func (d *Daemon) export(a ExportArgs) (ExportPage, error) {
	if a.Limit <= 0 || a.Limit > 5000 {
		a.Limit = 5000
	}
	keep, err := recordFilter(a.Email, a.Kind, a.From, a.To)
	if err != nil {
		return ExportPage{}, err
	}
	st, err := d.store.Stats()
	if err != nil {
		return ExportPage{}, err
	}
	page := ExportPage{Records: []queue.Record{}, LastSeq: st.LastSeq}
	// Scan a bounded window so a page answers quickly even when the
	// filter keeps few records.
	scan, err := d.store.Records(a.After, a.Limit*4, nil)
	if err != nil {
		return ExportPage{}, err
	}
	for _, r := range scan {
		page.Next = r.Seq
		if !keep(r) {
			continue
		}
		page.Records = append(page.Records, r)
		if len(page.Records) == a.Limit {
			break
		}
	}
	if len(scan) == 0 {
		page.Next = 0
	}
	return page, nil
}

// recordFilter keeps records of an employee, of a kind and in [from, to);
// empty arguments do not filter.
func recordFilter(email, kind, from, to string) (func(queue.Record) bool, error) {
	var f, t time.Time
	for _, x := range []struct {
		s   string
		t   *time.Time
		key string
	}{{from, &f, "from"}, {to, &t, "to"}} {
		if x.s == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339, x.s)
		if err != nil {
			return nil, fmt.Errorf("--%s %q: want RFC 3339 like 2026-03-01T00:00:00+01:00", x.key, x.s)
		}
		*x.t = v
	}
	switch kind {
	case "", string(queue.KindPunch), string(queue.KindEntry), string(queue.KindEvent), string(queue.KindRetract):
	default:
		return nil, fmt.Errorf("--kind %q: want punch, entry, event or retract", kind)
	}
	return func(r queue.Record) bool {
		return (email == "" || strings.EqualFold(r.Email, email)) &&
			(kind == "" || string(r.Kind) == kind) &&
			(f.IsZero() || !r.At.Before(f)) && (t.IsZero() || r.At.Before(t))
	}, nil
}
