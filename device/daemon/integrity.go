package daemon

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"stampclock/device/clock"
	"stampclock/device/config"
	"stampclock/queue"
	"stampclock/uplink"
)

// openStore checks the store file, moves a damaged one aside (never
// deleting it) and opens the store, fresh if it had to.
func (d *Daemon) openStore(specs []queue.UplinkSpec) (*queue.Store, error) {
	path := d.cfg.Store.Path
	if err := queue.Identify(path); errors.Is(err, fs.ErrPermission) {
		return nil, config.PathError("store.path", path, err)
	} else if err != nil {
		return nil, fmt.Errorf("store.path: %w; refusing to use or move it", err)
	}
	// Before bbolt opens (and commits to) the file: a damaged meta page
	// makes bbolt fall back to the older state without a word.
	commits := queue.CheckCommits(path)
	var damage error
	if d.opts.CheckStore != nil {
		switch err := d.opts.CheckStore(path); {
		case err == nil:
		case errors.Is(err, queue.ErrUndecodable):
			// The pages are sound: the damaged records are quarantined by
			// the record check after start (recordCheck).
		case errors.Is(err, queue.ErrCorrupt):
			damage = err
		default:
			return nil, fmt.Errorf("store.path: %w", err)
		}
	}
	if damage != nil {
		now := d.opts.Clock.Now()
		to, err := queue.MoveAside(path, now)
		if err != nil {
			return nil, fmt.Errorf("store %s is damaged (%v) and could not be moved aside: %w", path, damage, err)
		}
		d.alarm = &StoreAlarm{At: now, MovedTo: to, Error: damage.Error()}
		d.log.Error("STORE DAMAGED: moved aside, starting with a fresh store; export what is readable with `stampctl salvage`",
			"store", path, "moved_to", to, "err", damage)
	}
	switch {
	case damage != nil || commits == nil:
	case errors.Is(commits, queue.ErrCommitLost):
		d.alarm = &StoreAlarm{At: d.opts.Clock.Now(), Error: commits.Error()}
		d.log.Error("STORE ALARM: the last acknowledged commit may be lost; compare the last punches with the employees (stampctl queue export)", "store", path, "err", commits)
	default:
		d.log.Warn("store meta page damaged; nothing lost, it is rewritten at the next commit", "store", path, "err", commits)
	}
	others := otherStores(path)
	store, err := queue.Open(path, queue.Options{Uplinks: specs})
	if err != nil {
		return nil, config.PathError("store.path", path, err)
	}
	if d.otherStores = otherStoresNote(path, others); d.otherStores != "" {
		d.log.Warn("NEW STORE: " + d.otherStores)
	}
	if d.alarm != nil {
		detail := "store alarm: " + d.alarm.Error
		if d.alarm.MovedTo != "" {
			detail = fmt.Sprintf("damaged store moved to %s: %s", d.alarm.MovedTo, d.alarm.Error)
		}
		if err := d.recordEvent(store, queue.EventStoreFault, detail); err != nil {
			store.Close()
			return nil, err
		}
	}
	return store, nil
}

// checkTimes vets an entry before a time-tracking system gets it: times
// that are not trustworthy (clock not synchronised, or before the build
// date) are held until the clock synchronises in the same boot; a time
// before 2020 given explicitly is refused for good.
func (d *Daemon) checkTimes(r queue.Record) error {
	if !r.Trusted() {
		boot := r.Boot
		if boot == "" {
			boot = r.StartBoot
		}
		return &uplink.Error{Class: uplink.Hold, Msg: fmt.Sprintf("clock not synchronised when stamped (boot %s): held until it synchronises in that boot", boot)}
	}
	for _, t := range []time.Time{r.Start, r.End} {
		if !t.IsZero() && t.Before(clock.Earliest) {
			return &uplink.Error{Class: uplink.Permanent, Msg: fmt.Sprintf("time %s is before %s: the terminal's clock was not set", t.UTC().Format(time.RFC3339), clock.Earliest.Format("2006-01-02"))}
		}
	}
	return nil
}

// clockLoop corrects the times stamped while the clock was not trustworthy
// as soon as it is, in the same boot, and lets the uplinks send them.
func (d *Daemon) clockLoop(ctx context.Context) error {
	t := d.opts.Timers.NewTicker(d.opts.ClockPoll)
	defer t.Stop()
	for {
		now := d.opts.Clock.Now()
		if clock.Trusted(now, d.opts.Clock.Synced(), d.opts.MinTime) {
			boot, mono := d.opts.Clock.Boot()
			n, err := d.store.CorrectBoot(boot, now, mono)
			switch {
			case err != nil:
				d.log.Error("correcting times after clock sync", "err", err)
			case n > 0:
				d.log.Info("clock synchronised: corrected times stamped before", "records", n, "boot", boot)
				d.wake()
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
		}
	}
}

// recordEvent appends an event to store, stamped with the clock like a
// tap (boot id, monotonic reading, trust), so it reaches MQTT and the
// operator.
func (d *Daemon) recordEvent(store *queue.Store, event, detail string) error {
	at := d.opts.Clock.Now()
	boot, mono := d.opts.Clock.Boot()
	_, err := store.Update(func(tx *queue.Tx) error {
		_, err := tx.Append(queue.Record{Kind: queue.KindEvent, Event: event, At: at, Detail: detail,
			ClockSynced: clock.Trusted(at, d.opts.Clock.Synced(), d.opts.MinTime), Boot: boot, Mono: mono})
		return err
	})
	return err
}
