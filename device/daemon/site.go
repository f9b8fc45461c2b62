package daemon

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"stampclock/device/sitebadges"
	"stampclock/uplink/mqtt"
)

// newSite builds the sharing of enrolled badges with the site ([site]
// name), on its own connection to the MQTT uplink's broker.
func (d *Daemon) newSite() (*sitebadges.Syncer, error) {
	if !d.cfg.Site.Enabled() {
		return nil, nil
	}
	m := mqtt.Of(d.cfg.Uplinks)
	conn, err := m.Conn("-badges")
	if err != nil {
		return nil, fmt.Errorf("config %s: site: %w", d.cfg.Path, err)
	}
	s, err := sitebadges.New(d.store, sitebadges.Options{
		Site: d.cfg.Site.Name, DeviceID: d.cfg.Device.ID, Conn: conn,
		Poll:             d.cfg.Site.Poll.Duration,
		TombstoneHorizon: d.cfg.Site.TombstoneHorizon.Duration,
		Local: func() map[string]string {
			out := map[string]string{}
			for uid, b := range d.configBadges() {
				out[uid] = b.Email
			}
			return out
		},
		Now: d.opts.Clock.Now, Timers: d.opts.Timers, Logger: d.log,
	})
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", d.cfg.Path, err)
	}
	if d.metrics != nil {
		if err := d.metrics.Register(siteCollector{s}); err != nil {
			return nil, fmt.Errorf("site badges metrics: %w", err)
		}
	}
	return s, nil
}

// siteCollector exports the site badges' status as metrics.
type siteCollector struct{ s *sitebadges.Syncer }

var (
	siteBadgesDesc = prometheus.NewDesc("stampclock_site_badges",
		"Badges of the site held here, by state: enrolled, removed (tombstones), pending (local changes not confirmed by the broker), shadowed (a config-file badge differs from the site's).",
		[]string{"state"}, nil)
	siteConflictsDesc = prometheus.NewDesc("stampclock_site_badge_conflicts_total",
		"Concurrent changes of one badge seen since start; the older write was lost (last writer wins).", nil, nil)
	siteMessagesDesc = prometheus.NewDesc("stampclock_site_badge_messages_total",
		"Badge messages since start, by direction: received, published, rejected (malformed).",
		[]string{"direction"}, nil)
	siteConnectedDesc = prometheus.NewDesc("stampclock_site_connected",
		"1 while the site's badge connection to the broker is up.", nil, nil)
)

func (c siteCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- siteBadgesDesc
	ch <- siteConflictsDesc
	ch <- siteMessagesDesc
	ch <- siteConnectedDesc
}

func (c siteCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.Status()
	for state, n := range map[string]int{"enrolled": st.Badges, "removed": st.Removed, "pending": st.Pending, "shadowed": len(st.Shadowed)} {
		ch <- prometheus.MustNewConstMetric(siteBadgesDesc, prometheus.GaugeValue, float64(n), state)
	}
	ch <- prometheus.MustNewConstMetric(siteConflictsDesc, prometheus.CounterValue, float64(st.Conflicts))
	for dir, n := range map[string]uint64{"received": st.Received, "published": st.Published, "rejected": st.Rejected} {
		ch <- prometheus.MustNewConstMetric(siteMessagesDesc, prometheus.CounterValue, float64(n), dir)
	}
	connected := 0.0
	if st.Connected {
		connected = 1
	}
	ch <- prometheus.MustNewConstMetric(siteConnectedDesc, prometheus.GaugeValue, connected)
}
