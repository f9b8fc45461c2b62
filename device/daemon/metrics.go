package daemon

import (
	"context"

	"stampclock/device/agent"
	"stampclock/device/feedback"
	"stampclock/device/metrics"
	"stampclock/queue"
)

// metricsSource feeds the gauges read at scrape time.
type metricsSource struct{ d *Daemon }

func (s metricsSource) QueueDepth() (map[string]map[string]uint64, error) {
	st, err := s.d.store.Stats()
	if err != nil {
		return nil, err
	}
	out := make(map[string]map[string]uint64, len(st.Uplinks))
	for _, u := range st.Uplinks {
		out[u.Name] = map[string]uint64{"pending": u.Pending, "held": u.Held, "dead": u.Dead, "delivered": u.Delivered}
	}
	return out, nil
}

func (s metricsSource) ReaderOK() (ok, known bool) {
	if s.d.health == nil {
		return false, false
	}
	return s.d.health().OK, true
}

func (s metricsSource) ClockSynced() bool { return s.d.opts.Clock.Synced() }

func (s metricsSource) ConfigProblems() int { return len(s.d.cfgWatch.get()) }

// newMetrics builds the metrics when [metrics] listen is set.
func (d *Daemon) newMetrics() {
	if d.cfg.Metrics.Listen == "" {
		return
	}
	d.metrics = metrics.New(metricsSource{d})
	d.metrics.SetHealth(func() error {
		_, err := d.store.Stats()
		return err
	})
}

// observeTap counts a tap (agent.Options.Observe).
func (d *Daemon) observeTap(o agent.Outcome) {
	if d.metrics == nil {
		return
	}
	d.metrics.Tap(o.Kind.String())
	if o.Kind == feedback.Error {
		d.metrics.Error("store")
	}
	for _, r := range o.Records {
		if r.Kind == queue.KindPunch {
			d.metrics.Punch(r.Action)
		}
	}
}

// settledFor returns the Settled hook of one uplink's runner: it refreshes
// the MQTT status and counts deliveries and failures.
func (d *Daemon) settledFor(uplink string) func([]queue.Outcome) {
	return func(outcomes []queue.Outcome) {
		d.settled(outcomes)
		if d.metrics == nil {
			return
		}
		now := d.opts.Clock.Now()
		for _, o := range outcomes {
			switch o.Result {
			case queue.Delivered:
				d.metrics.Delivered(uplink, now.Sub(o.At))
			case queue.RetryLater:
				d.metrics.Error("uplink_retry")
			case queue.MaybeSent:
				d.metrics.Error("uplink_uncertain")
			case queue.Rejected:
				d.metrics.Error("uplink_rejected")
			}
		}
	}
}

// serveMetrics serves /metrics and /healthz until ctx is done.
func (d *Daemon) serveMetrics(ctx context.Context) error {
	if d.metrics == nil {
		return nil
	}
	d.log.Info("metrics listening", "addr", d.cfg.Metrics.Listen)
	return metrics.Serve(ctx, d.cfg.Metrics.Listen, d.metrics.Handler())
}
