package daemon

import (
	"context"
	"fmt"
	"time"

	"stampclock/daytotal"
	"stampclock/device/config"
	"stampclock/queue"
)

// readSide is where day totals come from and the locked days every
// time-tracking uplink checks.
type readSide struct {
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

// newReadSide builds the day-total sources and the locked-days check.
func (d *Daemon) newReadSide() error {
	cfg, m := d.cfg, &d.reads
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
			HTTPClient: d.opts.HTTPClient, Logger: d.log, Now: d.opts.Clock.Now,
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
		m.remote = newTotalCache(m.source, d.log)
	}
	return nil
}

// checkEntry vets an entry for a time-tracking uplink: an entry a
// retraction withdrew is never sent (checkWithdrawn); checkTimes, then,
// with locks.enabled, the locked days. An entry on a locked day is held with
// the reason; an employee without a timesheets person_id is held too (the
// days cannot be checked, and retrying would block the uplink); a failed
// lookup is retried later, and the entry is not sent meanwhile.
func (d *Daemon) checkEntry(ctx context.Context, r queue.Record) error {
	if err := d.checkWithdrawn(r); err != nil {
		return err
	}
	if err := d.checkTimes(r); err != nil {
		return err
	}
	if d.reads.locks == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, d.reads.lockTimeout)
	defer cancel()
	return d.reads.locks.Check(ctx, r)
}

// dayTotalAfterStop is the agent's DayTotal hook: the total of email on the
// local day of at. The local source is asked at once (a read of the
// queue); a remote source is never waited for: the last value fetched is
// shown (none at first) and a fetch is started in the background.
func (d *Daemon) dayTotalAfterStop(email string, at time.Time) (time.Duration, bool) {
	day := daytotal.DateOf(at, d.cfg.Location)
	if d.reads.remote != nil {
		return d.reads.remote.get(email, day, d.remoteTimeout())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	total, err := d.reads.local.DayTotal(ctx, email, day)
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
