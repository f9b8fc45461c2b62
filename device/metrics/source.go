package metrics

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// sourceCollector turns a Source into gauges when the registry is
// gathered; it holds no state of its own.
type sourceCollector struct {
	src    Source
	queue  *prometheus.Desc
	reader *prometheus.Desc
	clock  *prometheus.Desc
	config *prometheus.Desc
}

func newSourceCollector(src Source) *sourceCollector {
	return &sourceCollector{
		src: src,
		queue: prometheus.NewDesc(namespace+"_queue_records",
			"Records in the queue per uplink and state.",
			[]string{"uplink", "state"}, nil),
		reader: prometheus.NewDesc(namespace+"_reader_up",
			"1 if the badge reader answers, 0 if not; absent without a hardware reader.",
			nil, nil),
		clock: prometheus.NewDesc(namespace+"_clock_synced",
			"1 if the system clock is synchronised, 0 if not.",
			nil, nil),
		config: prometheus.NewDesc(namespace+"_config_problems",
			"Configuration problems found by stampd's check of its uplinks (login, time type, users); 0 when all is well.",
			nil, nil),
	}
}

func (c *sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.queue
	ch <- c.reader
	ch <- c.clock
	ch <- c.config
}

func (c *sourceCollector) Collect(ch chan<- prometheus.Metric) {
	depth, err := c.src.QueueDepth()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.queue, fmt.Errorf("metrics: queue depth: %w", err))
	} else {
		for uplink, states := range depth {
			byState := make(map[string]uint64, len(knownQueueStates))
			for _, s := range knownQueueStates {
				byState[s] = 0
			}
			for s, n := range states {
				byState[labelValue(s)] += n
			}
			for s, n := range byState {
				ch <- prometheus.MustNewConstMetric(c.queue, prometheus.GaugeValue, float64(n), uplink, s)
			}
		}
	}
	if ok, known := c.src.ReaderOK(); known {
		ch <- prometheus.MustNewConstMetric(c.reader, prometheus.GaugeValue, b2f(ok))
	}
	ch <- prometheus.MustNewConstMetric(c.clock, prometheus.GaugeValue, b2f(c.src.ClockSynced()))
	ch <- prometheus.MustNewConstMetric(c.config, prometheus.GaugeValue, float64(c.src.ConfigProblems()))
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
