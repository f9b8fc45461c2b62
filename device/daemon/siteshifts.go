package daemon

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"stampclock/device/agent"
	"stampclock/device/clock"
	"stampclock/device/ctlproto"
	"stampclock/device/punch"
	"stampclock/device/siteshifts"
	"stampclock/device/sitetaps"
	"stampclock/queue"
	"stampclock/uplink/mqtt"
)

// siteShifts are the parts of shifts across terminals ([site]
// shared_shifts): the exchange of the site's taps and the Settler that
// delivers this terminal's share of the entries.
type siteShifts struct {
	taps    *sitetaps.Exchange
	settler *siteshifts.Settler
	// trusted tells whether the clock can be trusted to settle; nil
	// with [site] settle "0s".
	trusted func(time.Time) bool
	now     func() time.Time
}

// newSiteShifts builds the exchange of the site's taps, on its own
// connection to the MQTT uplink's broker, and the Settler; nil without
// [site] shared_shifts.
func (d *Daemon) newSiteShifts() (*siteShifts, error) {
	if !d.cfg.Site.Enabled() || !d.cfg.Site.SharedShifts {
		return nil, nil
	}
	m := mqtt.Of(d.cfg.Uplinks)
	conn, err := m.Conn("-taps")
	if err != nil {
		return nil, fmt.Errorf("config %s: site: %w", d.cfg.Path, err)
	}
	ss := &siteShifts{now: d.opts.Clock.Now}
	rules := d.punchRules()
	var trusted func(time.Time) bool
	if d.cfg.Site.SettleDelay() > 0 {
		// Whether a stop is settle old needs a clock that can be
		// trusted; with "0s" the clock is not asked at all.
		trusted = func(now time.Time) bool { return clock.Trusted(now, d.opts.Clock.Synced(), d.opts.MinTime) }
	}
	ss.trusted = trusted
	ss.settler = siteshifts.New(d.store, sitetaps.Taps{}, siteshifts.Options{
		Device: d.cfg.Device.ID, Rules: rules, Settle: d.cfg.Site.SettleDelay(), Poll: d.cfg.Site.Poll.Duration,
		Now: d.opts.Clock.Now, Timers: d.opts.Timers, Trusted: trusted,
		Appended: d.wakeFor,
		Logger:   d.log,
	})
	ss.taps, err = sitetaps.New(d.store, sitetaps.Options{
		Site: d.cfg.Site.Name, DeviceID: d.cfg.Device.ID, Conn: conn,
		OnStored: func(taps []queue.SiteTap) {
			for _, st := range taps {
				ss.settler.Kick(st.Email)
			}
		},
		Now: d.opts.Clock.Now, Timers: d.opts.Timers, Logger: d.log,
	})
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", d.cfg.Path, err)
	}
	if d.metrics != nil {
		if err := d.metrics.Register(siteTapsCollector{ss.taps}); err != nil {
			return nil, fmt.Errorf("site taps metrics: %w", err)
		}
	}
	return ss, nil
}

func (d *Daemon) punchRules() punch.Rules {
	return punch.Rules{RepeatWindow: d.cfg.Punch.RepeatWindow.Duration, MaxShift: d.cfg.Punch.MaxShift.Duration}
}

// agentOptions is the agent's part: nil without shared shifts. A tap
// stored wakes the exchange (to publish it) and the Settler.
func (ss *siteShifts) agentOptions(device string, rules punch.Rules) *agent.SharedShifts {
	if ss == nil {
		return nil
	}
	return &agent.SharedShifts{
		Origin: device,
		Door: func(known []queue.SiteTap, t queue.SiteTap) punch.Decision {
			return siteshifts.Door(known, t, rules)
		},
		Stored: func(st queue.SiteTap) {
			ss.taps.Kick()
			ss.settler.Kick(st.Email)
		},
	}
}

// run starts the exchange, the Settler and the pruning of old taps.
func (ss *siteShifts) run(d *Daemon, run func(string, func(context.Context) error)) {
	if ss == nil {
		return
	}
	run("site taps", ss.taps.Run)
	run("site shifts", ss.settler.Run)
	run("site taps prune", d.pruneSiteTaps)
}

// status fills the site's shifts into status.
func (ss *siteShifts) status(s *ctlproto.Status) {
	if ss == nil {
		return
	}
	st := ss.taps.Status()
	s.SiteTaps = &st
	sh := ss.settler.Status()
	s.SiteShifts = &ctlproto.SiteShifts{Delivered: sh.Delivered, Retracted: sh.Retracted, Waiting: sh.Waiting, NextSettle: sh.NextSettle, LastError: sh.LastError}
	if ss.trusted != nil && !ss.trusted(ss.now()) {
		s.SiteShifts.Paused = "the clock is not synchronised: no entry is delivered until it is (or set [site] settle = \"0s\")"
	}
}

// pruneSiteTaps deletes, once an hour, the stretches of the site's taps
// older than [site] tap_retention that are done with, with their ledger
// rows (sitetaps.Prune).
func (d *Daemon) pruneSiteTaps(ctx context.Context) error {
	t := d.opts.Timers.NewTicker(time.Hour)
	defer t.Stop()
	const limit = 10_000
	for {
		before := d.opts.Clock.Now().Add(-d.cfg.Site.TapRetention.Duration)
		for {
			p, err := sitetaps.Prune(d.store, d.cfg.Device.ID, d.punchRules(), before, limit)
			if err != nil {
				d.log.Error("prune site taps", "err", err)
				break
			}
			if p.Taps > 0 || p.Entries > 0 {
				d.log.Info("pruned the site's old taps", "taps", p.Taps, "ledger_rows", p.Entries, "kept_stretches", p.Kept)
			}
			if p.Taps < limit || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
		}
	}
}

// siteTapsCollector exports the exchange of the site's taps as metrics.
type siteTapsCollector struct{ x *sitetaps.Exchange }

var (
	siteTapsPeersDesc = prometheus.NewDesc("stampclock_site_tap_peers",
		"Other terminals of the site whose taps are held here.", nil, nil)
	siteTapsBehindDesc = prometheus.NewDesc("stampclock_site_taps_behind",
		"Taps the site's terminals announced that are not held here yet.", nil, nil)
	siteTapsUnpublishedDesc = prometheus.NewDesc("stampclock_site_taps_unpublished",
		"Own taps the broker has not confirmed yet.", nil, nil)
	siteTapsMessagesDesc = prometheus.NewDesc("stampclock_site_tap_messages_total",
		"Tap messages since start, by outcome: received, duplicate, published, rejected (malformed), conflict (held with other content), replayed (published again for a peer).",
		[]string{"outcome"}, nil)
	siteTapsReplaysDesc = prometheus.NewDesc("stampclock_site_tap_replays_asked_total",
		"Replay requests sent to peers since start.", nil, nil)
	siteTapsConnectedDesc = prometheus.NewDesc("stampclock_site_taps_connected",
		"1 while the connection for the site's taps is up.", nil, nil)
)

func (c siteTapsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{siteTapsPeersDesc, siteTapsBehindDesc, siteTapsUnpublishedDesc, siteTapsMessagesDesc, siteTapsReplaysDesc, siteTapsConnectedDesc} {
		ch <- d
	}
}

func (c siteTapsCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.x.Status()
	ch <- prometheus.MustNewConstMetric(siteTapsPeersDesc, prometheus.GaugeValue, float64(st.Peers))
	ch <- prometheus.MustNewConstMetric(siteTapsBehindDesc, prometheus.GaugeValue, float64(st.Behind))
	ch <- prometheus.MustNewConstMetric(siteTapsUnpublishedDesc, prometheus.GaugeValue, float64(st.Unpublished))
	for outcome, n := range map[string]uint64{"received": st.Received, "duplicate": st.Duplicates, "published": st.Published,
		"rejected": st.Rejected, "conflict": st.Conflicts, "replayed": st.ReplaysAnswered} {
		ch <- prometheus.MustNewConstMetric(siteTapsMessagesDesc, prometheus.CounterValue, float64(n), outcome)
	}
	ch <- prometheus.MustNewConstMetric(siteTapsReplaysDesc, prometheus.CounterValue, float64(st.ReplaysAsked))
	connected := 0.0
	if st.Connected {
		connected = 1
	}
	ch <- prometheus.MustNewConstMetric(siteTapsConnectedDesc, prometheus.GaugeValue, connected)
}
