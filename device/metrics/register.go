package metrics

import "github.com/prometheus/client_golang/prometheus"

// Register adds the collector of another part of stampd (e.g. the site's
// badges) to the served metrics.
func (m *Metrics) Register(c prometheus.Collector) error {
	return m.reg.Register(c)
}
