package daemon

import (
	"context"
	"fmt"
	"strings"
	"time"

	"stampclock/queue"
	"stampclock/uplink"
)

// listedSpecs names the pending sets of the uplinks of the list
// (uplink/uplinks) the config enables, each with the records it takes.
func (d *Daemon) listedSpecs() []queue.UplinkSpec {
	var specs []queue.UplinkSpec
	for _, u := range d.cfg.EnabledUplinks() {
		specs = append(specs, queue.UplinkSpec{Name: u.Kind.Name, Kinds: u.Kind.Records()})
	}
	return specs
}

// newListed builds the enabled uplinks of the list and their runners; a
// time-tracking uplink's entries pass checkEntry before they are sent. Enrolment
// asks each whose sender lists whom it delivers for (userLister). Each uplink may
// end its runner's backoff (Env.Resume), read the terminal's state
// (Env.Report), be told of changes (Built.Changed) and show a connection
// (Built.Conn).
func (d *Daemon) newListed() error {
	d.conns = map[string]func() uplink.ConnState{}
	for _, u := range d.cfg.EnabledUplinks() {
		name := u.Kind.Name
		var r *uplink.Runner
		b, err := u.Kind.New(u.Section, uplink.Env{
			DeviceID: d.cfg.Device.ID, Location: d.cfg.Location, Now: d.opts.Clock.Now, After: d.opts.Timers.After,
			Logger: d.log, HTTPClient: d.opts.HTTPClient,
			Ledger: d.store, Version: d.opts.Version,
			Resume: func() { r.Resume() }, // called only once the runners run
			Report: d.report,
		})
		if err != nil {
			return fmt.Errorf("config %s: %w", d.cfg.Path, namedBy(name, err))
		}
		o := uplink.Options{
			Batch:      b.Batch,
			MinBackoff: d.opts.MinBackoff, MaxBackoff: d.opts.MaxBackoff,
			Settled: d.settledFor(name),
			Now:     d.opts.Clock.Now,
			After:   d.opts.Timers.After, // backoff, idle and settle waits
			Logger:  d.opts.Logger,
			// Confirmations are committed together, up to a second
			// late: taps in a row cost no delivery commit of their own.
			SettleDelay: time.Second,
		}
		if u.Kind.Entries {
			o.Check = d.checkEntry
		}
		r = uplink.NewRunner(name, d.store, b.Sender, o)
		d.runners = append(d.runners, r)
		d.runnerKinds = append(d.runnerKinds, u.Kind.Records())
		if ul, ok := b.Sender.(userLister); ok {
			d.users = append(d.users, userList{of: name, l: ul}) // enrolment checks emails against its users
		}
		if b.Run != nil {
			d.uplinkRuns = append(d.uplinkRuns, b.Run)
		}
		if b.Changed != nil {
			d.changed = append(d.changed, b.Changed)
		}
		if b.Conn != nil {
			d.conns[name] = b.Conn
		}
	}
	return nil
}

// runListed starts, with run, what the listed uplinks run beside their
// runners.
func (d *Daemon) runListed(run func(string, func(context.Context) error)) {
	for _, f := range d.uplinkRuns {
		run("uplink", f)
	}
}

// namedBy prefixes err with the uplink's name unless it names the uplink
// already ("zeiterfassung: …"), so no message says it twice.
func namedBy(name string, err error) error {
	if strings.HasPrefix(err.Error(), name+": ") {
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}
