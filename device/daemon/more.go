package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"stampclock/device/config"
	"stampclock/queue"
	"stampclock/uplink"
	"stampclock/uplink/daytotal"
)

// moreState is the read side: where day totals come from and the locked
// days every time-tracking uplink checks.
type moreState struct {
	// local sums the queue's entries; always set once the store is open.
	local *daytotal.Local
	// source answers `stampctl daytotal`: local or a remote system.
	source     daytotal.Source
	sourceName string
	// remote caches a remote source's totals for the display after a
	// stop; nil when the source is local.
	remote *totalCache
	// timesheets is the timesheets API when it is used (its lock cache is
	// emptied on queue.release); locks is set with locks.enabled.
	timesheets *daytotal.Timesheets
	locks      *daytotal.Locks
	// lockTimeout bounds one locked-days lookup.
	lockTimeout time.Duration
}

// newMoreUplinks builds the read side (day totals, locked days) from the
// config.
func (d *Daemon) newMoreUplinks() error {
	return d.newReadSide()
}

// newReadSide builds the day-total sources and the locked-days check.
func (d *Daemon) newReadSide() error {
	cfg, m := d.cfg, &d.more
	local, err := daytotal.NewLocal(d.store, cfg.Location)
	if err != nil {
		return err
	}
	m.local, m.source, m.sourceName = local, local, config.SourceLocal
	if cfg.UsesTimesheets() {
		t := cfg.DayTotal.Timesheets
		ts, err := daytotal.NewTimesheets(daytotal.TimesheetsOptions{
			BaseURL: t.URL, Token: t.Token, Account: t.Account, OrganizationID: t.OrganizationID,
			People: t.People, Location: cfg.Location, LockTTL: t.LockTTL.Duration, Timeout: t.Timeout.Duration,
			HTTPClient: d.opts.HTTPClient, Logger: d.log,
		})
		if err != nil {
			return fmt.Errorf("config %s: daytotal.timesheets: %w", cfg.Path, err)
		}
		m.timesheets = ts
		if cfg.DayTotal.Source == config.SourceTimesheets {
			m.source, m.sourceName = ts, config.SourceTimesheets
		}
		if cfg.Locks.Enabled {
			if m.locks, err = daytotal.NewLocks(ts, cfg.Location); err != nil {
				return err
			}
			// A month's timesheet is one request; allow a retry's worth.
			m.lockTimeout = 2 * t.Timeout.Duration
		}
	}
	if cfg.DayTotal.Source == config.SourceClockodo {
		k := cfg.DayTotal.Clockodo
		c, err := daytotal.NewClockodo(daytotal.ClockodoOptions{
			BaseURL: k.URL, APIUser: k.APIUser, APIKey: k.APIKey, ExternalApplication: k.ExternalApplication,
			Users: k.Users, Location: cfg.Location, Timeout: k.Timeout.Duration,
			HTTPClient: d.opts.HTTPClient, Logger: d.log,
		})
		if err != nil {
			return fmt.Errorf("config %s: daytotal.clockodo: %w", cfg.Path, err)
		}
		m.source, m.sourceName = c, config.SourceClockodo
	}
	if m.sourceName != config.SourceLocal {
		m.remote = &totalCache{src: m.source, log: d.log, m: map[totalKey]time.Duration{}, busy: map[totalKey]bool{}}
	}
	return nil
}

// checkEntry vets an entry for a time-tracking uplink: checkTimes, then,
// with locks.enabled, the locked days. An entry on a locked day is held with
// the reason; an employee without a timesheets person_id is held too (the
// days cannot be checked, and retrying would block the uplink); a failed
// lookup is retried later, and the entry is not sent meanwhile.
func (d *Daemon) checkEntry(r queue.Record) error {
	if err := d.checkTimes(r); err != nil {
		return err
	}
	if d.more.locks == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), d.more.lockTimeout)
	defer cancel()
	err := d.more.locks.Check(ctx, r)
	if err == nil {
		return nil
	}
	if h, ok := daytotal.IsHeld(err); ok {
		return &uplink.Error{Class: uplink.Hold, Msg: h.Reason} // err says the reason again
	}
	if errors.Is(err, daytotal.ErrUnknownPerson) {
		return &uplink.Error{Class: uplink.Hold, Msg: fmt.Sprintf("locked days of %s cannot be checked: no person_id in daytotal.timesheets.people; add it, restart stampd and release the entry", r.Email)}
	}
	return err
}

// dayTotalAfterStop is the agent's DayTotal hook: the total of email on the
// local day of at. The local source is asked at once (a read of the
// queue); a remote source is never waited for: the last value fetched is
// shown (none at first) and a fetch is started in the background.
func (d *Daemon) dayTotalAfterStop(email string, at time.Time) (time.Duration, bool) {
	day := daytotal.DateOf(at, d.cfg.Location)
	if d.more.remote != nil {
		return d.more.remote.get(email, day, d.remoteTimeout())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	total, err := d.more.local.DayTotal(ctx, email, day)
	if err != nil {
		d.log.Warn("day total", "email", email, "err", err)
		return 0, false
	}
	return total, true
}

// remoteTimeout bounds one request to the remote day-total source.
func (d *Daemon) remoteTimeout() time.Duration {
	if d.cfg.DayTotal.Source == config.SourceClockodo {
		return d.cfg.DayTotal.Clockodo.Timeout.Duration
	}
	return d.cfg.DayTotal.Timesheets.Timeout.Duration
}

type totalKey struct {
	email string
	day   daytotal.Date
}

// totalCache keeps the day totals last fetched from a remote source, for
// the display after a stop, and fetches at most one of each in the
// background at a time.
type totalCache struct {
	src daytotal.Source
	log *slog.Logger

	mu   sync.Mutex
	m    map[totalKey]time.Duration
	busy map[totalKey]bool
}

// get returns the cached total of email on day, if any, and starts a
// background fetch of it unless one is running.
func (c *totalCache) get(email string, day daytotal.Date, timeout time.Duration) (time.Duration, bool) {
	k := totalKey{email, day}
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	if !c.busy[k] {
		c.busy[k] = true
		go c.fetch(k, timeout)
	}
	return v, ok
}

func (c *totalCache) fetch(k totalKey, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	total, err := c.src.DayTotal(ctx, k.email, k.day)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.busy, k)
	if err != nil {
		c.log.Warn("day total", "email", k.email, "day", k.day.String(), "err", err)
		return
	}
	c.putLocked(k, total)
}

// peek returns the cached total of email on day, if any, fetching nothing.
func (c *totalCache) peek(email string, day daytotal.Date) (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[totalKey{email, day}]
	return v, ok
}

// put stores a total fetched elsewhere (by `stampctl daytotal`).
func (c *totalCache) put(email string, day daytotal.Date, total time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(totalKey{email, day}, total)
}

// putLocked stores a total and forgets those of days before yesterday.
func (c *totalCache) putLocked(k totalKey, total time.Duration) {
	c.m[k] = total
	old := k.day.AddDays(-1)
	for key := range c.m {
		if key.day.Before(old) {
			delete(c.m, key)
		}
	}
}
