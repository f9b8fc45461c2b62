package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

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
		out[u.Name] = map[string]uint64{"pending": u.Pending, "held": u.Held, "dead": u.Dead, "delivered": u.Delivered, "quarantined": u.Quarantined, "withdrawn": u.Withdrawn}
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
	if d.opts.OnTap != nil {
		d.opts.OnTap(o)
	}
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

// settledFor returns the Settled hook of one uplink's runner: it tells the
// uplinks of the change (a published status) and counts deliveries and
// failures.
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
//
// The endpoint is a side service: when its port cannot be had (in use,
// no permission) or serving fails, the daemon goes on taking taps; the
// failure is logged once, shown in status (MetricsError) and retried
// every HealthPoll.
func (d *Daemon) serveMetrics(ctx context.Context) error {
	if d.metrics == nil {
		return nil
	}
	addr := d.cfg.Metrics.Listen
	failures := 0
	for {
		var lc net.ListenConfig
		ln, err := lc.Listen(ctx, "tcp", addr)
		if err == nil {
			if failures > 0 {
				d.log.Info("metrics listening again", "addr", addr, "failed_attempts", failures)
			} else {
				d.log.Info("metrics listening", "addr", addr)
			}
			failures = 0
			d.sideErr.set("")
			err = metrics.ServeListener(ctx, ln, d.metrics.Handler())
		}
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			err = errors.New("metrics: server ended")
		}
		if failures == 0 {
			d.log.Error("METRICS ENDPOINT DOWN (taps go on); retrying", "addr", addr, "err", err)
		}
		failures++
		d.sideErr.set(fmt.Sprintf("metrics endpoint %s down (taps go on; retrying, %d attempts): %v", addr, failures, err))
		select {
		case <-ctx.Done():
			return nil
		case <-d.opts.Timers.After(d.opts.HealthPoll):
		}
	}
}

// sideFault is the state of a side service, safe for concurrent use.
type sideFault struct {
	mu  sync.Mutex
	msg string
}

func (f *sideFault) set(msg string) {
	f.mu.Lock()
	f.msg = msg
	f.mu.Unlock()
}

func (f *sideFault) get() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msg
}
