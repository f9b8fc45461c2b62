package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every stampd metric name.
const namespace = "stampclock"

// Label values known in advance (read-only tables, never modified). They are initialised to zero at New so
// their series exist before the first event, which keeps rate() and
// alerting rules simple.
var (
	knownTapResults  = []string{"start_ok", "stop_ok", "already_stamped", "unknown_badge", "error"}
	knownPunchKinds  = []string{"start", "stop"}
	knownErrorClass  = []string{"store", "uplink_retry", "uplink_uncertain", "uplink_rejected", "reader"}
	knownQueueStates = []string{"pending", "held", "dead", "delivered"}
)

// latencyBuckets spans a delivery that a receiver confirms within 10ms
// up to one that waited a week in the queue: a terminal offline over a
// long weekend or a holiday is normal, not an outlier. Upper bounds in
// seconds.
var latencyBuckets = []float64{
	0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, // up to a minute: online
	300, 900, 3600, 4 * 3600, 12 * 3600, // minutes to hours: a network hiccup
	86400, 2 * 86400, 4 * 86400, 7 * 86400, // days: offline
}

// Source supplies the state that metrics read at scrape time. Its
// methods may be called concurrently, from the HTTP server's goroutines,
// and should return quickly.
type Source interface {
	// QueueDepth returns the number of records per uplink and state
	// ("pending", "held", "dead", "delivered"). Missing known states
	// are reported as zero. An error fails the scrape with that error,
	// so Prometheus marks the target down rather than showing a stale
	// or empty queue.
	QueueDepth() (map[string]map[string]uint64, error)
	// ReaderOK reports whether the badge reader answers. known is false
	// when there is no hardware reader (the simulator); the reader_up
	// gauge is then omitted rather than reported as healthy.
	ReaderOK() (ok, known bool)
	// ClockSynced reports whether the system clock is synchronised.
	ClockSynced() bool
	// ConfigProblems is the number of configuration problems stampd's
	// own check of its uplinks found (0: none).
	ConfigProblems() int
}

// Metrics records stampd's counters and serves them with the gauges of
// a Source. All methods are safe for concurrent use.
type Metrics struct {
	reg       *prometheus.Registry
	taps      *prometheus.CounterVec
	punches   *prometheus.CounterVec
	delivered *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	errors    *prometheus.CounterVec

	mu     sync.Mutex
	health func() error
}

// New returns Metrics on a fresh private registry. src may be nil: the
// queue, reader and clock gauges are then not exported.
func New(src Source) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		taps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "taps_total",
			Help: "Badge taps at the terminal by result.",
		}, []string{"result"}),
		punches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "punches_total",
			Help: "Punches committed to the queue by kind.",
		}, []string{"kind"}),
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "delivered_total",
			Help: "Records confirmed by the receiver, per uplink.",
		}, []string{"uplink"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "delivery_latency_seconds",
			Help:    "Time from tap commit to receiver confirmation, per uplink.",
			Buckets: latencyBuckets,
		}, []string{"uplink"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "errors_total",
			Help: "Errors by class.",
		}, []string{"class"}),
	}
	for _, v := range knownTapResults {
		m.taps.WithLabelValues(v)
	}
	for _, v := range knownPunchKinds {
		m.punches.WithLabelValues(v)
	}
	for _, v := range knownErrorClass {
		m.errors.WithLabelValues(v)
	}
	m.reg.MustRegister(m.taps, m.punches, m.delivered, m.latency, m.errors,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if src != nil {
		m.reg.MustRegister(newSourceCollector(src))
	}
	return m
}

// Tap counts a badge tap by its result: "start_ok", "stop_ok",
// "already_stamped", "unknown_badge" or "error".
func (m *Metrics) Tap(result string) { m.taps.WithLabelValues(labelValue(result)).Inc() }

// Punch counts a punch committed to the queue by kind: "start" or "stop".
func (m *Metrics) Punch(kind string) { m.punches.WithLabelValues(labelValue(kind)).Inc() }

// Delivered counts a record the receiver on uplink confirmed, latency
// after the tap was committed. A negative latency (the wall clock was set
// back between commit and confirmation) is recorded as zero.
func (m *Metrics) Delivered(uplink string, latency time.Duration) {
	if uplink == "" {
		uplink = "unknown"
	}
	m.delivered.WithLabelValues(uplink).Inc()
	m.latency.WithLabelValues(uplink).Observe(max(latency, 0).Seconds())
}

// Error counts an error by class, such as "store", "uplink_retry",
// "uplink_uncertain", "uplink_rejected" or "reader". Classes are
// constants in the caller, never error text.
func (m *Metrics) Error(class string) { m.errors.WithLabelValues(labelValue(class)).Inc() }

// SetHealth sets the check behind /healthz: nil, or f returning nil,
// answers 200 "ok"; an error answers 503 with its text.
func (m *Metrics) SetHealth(f func() error) {
	m.mu.Lock()
	m.health = f
	m.mu.Unlock()
}

// Handler serves GET /metrics from the private registry and GET /healthz.
// Any other path is 404.
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		// A failing Source fails the scrape (HTTP 500 with the error),
		// and Prometheus marks the target down.
		ErrorHandling:       promhttp.HTTPErrorOnError,
		MaxRequestsInFlight: 2,
		Timeout:             10 * time.Second,
	}))
	mux.HandleFunc("GET /healthz", m.serveHealth)
	return mux
}

func (m *Metrics) serveHealth(w http.ResponseWriter, _ *http.Request) {
	m.mu.Lock()
	f := m.health
	m.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if f != nil {
		if err := f(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(err.Error() + "\n"))
			return
		}
	}
	_, _ = w.Write([]byte("ok\n"))
}

// labelValue keeps a label value to a short lowercase identifier, so a
// badge UID, an e-mail or an error message passed by mistake becomes
// "other" instead of a new series.
func labelValue(v string) string {
	if v == "" || len(v) > 32 || v[0] < 'a' || v[0] > 'z' {
		return "other"
	}
	for i := 1; i < len(v); i++ {
		c := v[i]
		if (c < 'a' || c > 'z') && c != '_' {
			return "other"
		}
	}
	return v
}
