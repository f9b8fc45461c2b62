package daemon

import (
	"fmt"

	"stampclock/device/config"
	"stampclock/queue"
	"stampclock/uplink"
	"stampclock/uplink/blikk"
	"stampclock/uplink/flowtly"
)

// Queue names of Blikk and Flowtly; each has its own pending set.
const (
	uplinkBlikk   = "blikk"
	uplinkFlowtly = "flowtly"
)

// entrySpecs names the queue's pending sets of the time-tracking uplinks
// built by newEntryUplinks, one per enabled uplink, each with the record
// kinds it takes.
func (d *Daemon) entrySpecs() []queue.UplinkSpec {
	var specs []queue.UplinkSpec
	if d.cfg.Blikk.Enabled() {
		specs = append(specs, queue.UplinkSpec{Name: uplinkBlikk, Kinds: []queue.Kind{queue.KindEntry}})
	}
	if d.cfg.Flowtly.Enabled() {
		specs = append(specs, queue.UplinkSpec{Name: uplinkFlowtly, Kinds: []queue.Kind{queue.KindEntry}})
	}
	return specs
}

// newEntryUplinks builds the read side (day totals, locked days) and the
// time-tracking uplinks besides Zeiterfassung (Blikk, Flowtly) from the
// config.
func (d *Daemon) newEntryUplinks() error {
	if err := d.newReadSide(); err != nil {
		return err
	}
	cfg := d.cfg
	if cfg.Blikk.Enabled() {
		b := cfg.Blikk
		// The client's rate limiter and token expiry run on the real,
		// monotonic clock (its default), not on the injected wall clock.
		client, err := blikk.New(blikk.Options{
			BaseURL: b.URL, AppID: b.AppID, AppSecret: b.AppSecret, Users: b.Users,
			ActivityID: b.ActivityID, TimeCodeID: b.TimeCodeID, TimeArticleID: b.TimeArticleID,
			ProjectID: b.ProjectID, InternalProjectID: b.InternalProjectID, Comment: b.Comment,
			Location: cfg.Location, BreakRules: b.BreakRules(),
			Timeout: b.Timeout.Duration, RequestsPerSecond: b.RequestsPerSecond,
			RateMargin: b.RateMargin.Duration, HoursGross: b.Hours == config.BlikkHoursGross,
			HTTPClient: d.opts.HTTPClient, Logger: d.log.With("uplink", uplinkBlikk),
			Twins: uplink.Twins{Ledger: d.store, Uplink: uplinkBlikk},
		})
		if err != nil {
			return fmt.Errorf("config %s: blikk: %w", cfg.Path, err)
		}
		d.runners = append(d.runners, d.entryRunner(uplinkBlikk, client))
	}
	if cfg.Flowtly.Enabled() {
		f := cfg.Flowtly
		client, err := flowtly.New(flowtly.Options{
			BaseURL: f.URL, Token: f.Token, AuthHeader: f.AuthHeader, AuthScheme: f.AuthScheme,
			Employees: f.Employees, Project: f.Project, IRIPrefix: f.IRIPrefix,
			Location: cfg.Location, Description: f.Description, Timeout: f.Timeout.Duration,
			LocalMidnight: f.Date == config.FlowtlyDateLocalMidnight,
			HTTPClient:    d.opts.HTTPClient, Logger: d.log.With("uplink", uplinkFlowtly),
			Twins: uplink.Twins{Ledger: d.store, Uplink: uplinkFlowtly},
		})
		if err != nil {
			return fmt.Errorf("config %s: flowtly: %w", cfg.Path, err)
		}
		d.runners = append(d.runners, d.entryRunner(uplinkFlowtly, client))
	}
	return nil
}

// entryRunner returns the runner of a time-tracking uplink: entries are
// vetted by checkEntry (trusted times, unlocked days) before they are sent.
func (d *Daemon) entryRunner(name string, s uplink.Sender) *uplink.Runner {
	return uplink.NewRunner(name, d.store, s, uplink.Options{
		Check:      d.checkEntry,
		MinBackoff: d.opts.MinBackoff, MaxBackoff: d.opts.MaxBackoff,
		Settled: d.settledFor(name),
		Now:     d.opts.Clock.Now,
		Logger:  d.opts.Logger,
	})
}
