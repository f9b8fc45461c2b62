package metrics_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"stampclock/device/metrics"
)

// fakeSource is a Source whose answers tests set directly.
type fakeSource struct {
	mu          sync.Mutex
	depth       map[string]map[string]uint64
	depthErr    error
	readerOK    bool
	readerKnown bool
	synced      bool
	problems    int
}

func (f *fakeSource) QueueDepth() (map[string]map[string]uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.depth, f.depthErr
}

func (f *fakeSource) ReaderOK() (ok, known bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.readerOK, f.readerKnown
}

func (f *fakeSource) ConfigProblems() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.problems
}

func (f *fakeSource) ClockSynced() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.synced
}

// serve runs m's handler on a free loopback port until the test ends and
// returns its base URL.
func serve(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- metrics.ServeListener(ctx, ln, m.Handler()) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeListener: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body), resp.Header
}

// scrape fetches /metrics and parses it with the Prometheus text parser.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	code, body, hdr := get(t, base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", code, body)
	}
	if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("Content-Type = %q, want text/plain", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	return fams
}

// find returns the metric of family name whose labels are exactly labels
// (name=value pairs), or nil.
func find(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) *dto.Metric {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		return nil
	}
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
next:
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(want) {
			continue
		}
		for _, l := range m.GetLabel() {
			if v, ok := want[l.GetName()]; !ok || v != l.GetValue() {
				continue next
			}
		}
		return m
	}
	return nil
}

func counter(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	m := find(t, fams, name, labels...)
	if m == nil || m.Counter == nil {
		t.Fatalf("no counter %s%v", name, labels)
	}
	return m.GetCounter().GetValue()
}

func gauge(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	m := find(t, fams, name, labels...)
	if m == nil || m.Gauge == nil {
		t.Fatalf("no gauge %s%v", name, labels)
	}
	return m.GetGauge().GetValue()
}

func TestScrape_RecordedEventsAndSource_ExactValues(t *testing.T) {
	src := &fakeSource{
		depth: map[string]map[string]uint64{
			"zeiterfassung": {"pending": 5, "dead": 1, "delivered": 100},
			"blikk":         {"pending": 0, "held": 2, "dead": 0, "delivered": 7},
		},
		readerOK: true, readerKnown: true, synced: false,
	}
	m := metrics.New(src)
	for range 3 {
		m.Tap("start_ok")
		m.Punch("start")
	}
	for range 2 {
		m.Tap("stop_ok")
		m.Punch("stop")
	}
	m.Tap("unknown_badge")
	m.Delivered("zeiterfassung", 30*time.Millisecond)
	m.Delivered("zeiterfassung", 2*time.Hour)
	m.Delivered("zeiterfassung", 3*24*time.Hour)
	m.Delivered("blikk", 5*time.Millisecond)
	m.Delivered("blikk", -time.Second) // wall clock set back: counted as 0
	for range 4 {
		m.Error("uplink_retry")
	}
	m.Error("store")

	fams := scrape(t, serve(t, m))

	counters := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"stampclock_taps_total", []string{"result", "start_ok"}, 3},
		{"stampclock_taps_total", []string{"result", "stop_ok"}, 2},
		{"stampclock_taps_total", []string{"result", "unknown_badge"}, 1},
		{"stampclock_taps_total", []string{"result", "already_stamped"}, 0}, // pre-initialised
		{"stampclock_taps_total", []string{"result", "error"}, 0},
		{"stampclock_punches_total", []string{"kind", "start"}, 3},
		{"stampclock_punches_total", []string{"kind", "stop"}, 2},
		{"stampclock_delivered_total", []string{"uplink", "zeiterfassung"}, 3},
		{"stampclock_delivered_total", []string{"uplink", "blikk"}, 2},
		{"stampclock_errors_total", []string{"class", "uplink_retry"}, 4},
		{"stampclock_errors_total", []string{"class", "store"}, 1},
		{"stampclock_errors_total", []string{"class", "uplink_rejected"}, 0},
		{"stampclock_errors_total", []string{"class", "uplink_uncertain"}, 0},
		{"stampclock_errors_total", []string{"class", "reader"}, 0},
	}
	for _, c := range counters {
		if got := counter(t, fams, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}

	h := find(t, fams, "stampclock_delivery_latency_seconds", "uplink", "zeiterfassung")
	if h == nil || h.Histogram == nil {
		t.Fatal("no histogram stampclock_delivery_latency_seconds{uplink=zeiterfassung}")
	}
	if got := h.GetHistogram().GetSampleCount(); got != 3 {
		t.Errorf("zeiterfassung latency count = %d, want 3", got)
	}
	if got, want := h.GetHistogram().GetSampleSum(), 0.03+7200+3*86400; got < want-1e-6 || got > want+1e-6 {
		t.Errorf("zeiterfassung latency sum = %v, want %v", got, want)
	}
	buckets := map[float64]uint64{}
	for _, b := range h.GetHistogram().GetBucket() {
		buckets[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	for bound, want := range map[float64]uint64{
		0.01: 0, 0.05: 1, 3600: 1, 4 * 3600: 2, 86400: 2, 2 * 86400: 2, 4 * 86400: 3, 7 * 86400: 3,
	} {
		if got, ok := buckets[bound]; !ok || got != want {
			t.Errorf("zeiterfassung bucket le=%v = %d (present %v), want %d", bound, got, ok, want)
		}
	}
	hb := find(t, fams, "stampclock_delivery_latency_seconds", "uplink", "blikk")
	if hb == nil || hb.GetHistogram().GetSampleCount() != 2 || hb.GetHistogram().GetSampleSum() != 0.005 {
		t.Errorf("blikk latency = %v, want count 2 sum 0.005", hb)
	}

	gauges := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"stampclock_queue_records", []string{"uplink", "zeiterfassung", "state", "pending"}, 5},
		{"stampclock_queue_records", []string{"uplink", "zeiterfassung", "state", "held"}, 0}, // filled in
		{"stampclock_queue_records", []string{"uplink", "zeiterfassung", "state", "dead"}, 1},
		{"stampclock_queue_records", []string{"uplink", "zeiterfassung", "state", "delivered"}, 100},
		{"stampclock_queue_records", []string{"uplink", "blikk", "state", "held"}, 2},
		{"stampclock_queue_records", []string{"uplink", "blikk", "state", "delivered"}, 7},
		{"stampclock_reader_up", nil, 1},
		{"stampclock_clock_synced", nil, 0},
	}
	for _, g := range gauges {
		if got := gauge(t, fams, g.name, g.labels...); got != g.want {
			t.Errorf("%s%v = %v, want %v", g.name, g.labels, got, g.want)
		}
	}
	if n := len(fams["stampclock_queue_records"].GetMetric()); n != 8 {
		t.Errorf("queue_records has %d series, want 8 (2 uplinks × 4 states)", n)
	}

	// The standard collectors are on the private registry too.
	for _, name := range []string{"go_goroutines", "process_start_time_seconds"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("no %s in scrape", name)
		}
	}
}

func TestScrape_SourceChanges_SeenAtNextScrape(t *testing.T) {
	src := &fakeSource{readerKnown: true, readerOK: false, synced: false}
	base := serve(t, metrics.New(src))

	fams := scrape(t, base)
	if got := gauge(t, fams, "stampclock_reader_up"); got != 0 {
		t.Errorf("reader_up = %v, want 0", got)
	}
	src.mu.Lock()
	src.readerOK, src.synced, src.problems = true, true, 2
	src.depth = map[string]map[string]uint64{"mqtt": {"pending": 3}}
	src.mu.Unlock()

	fams = scrape(t, base)
	if got := gauge(t, fams, "stampclock_reader_up"); got != 1 {
		t.Errorf("reader_up = %v, want 1", got)
	}
	if got := gauge(t, fams, "stampclock_clock_synced"); got != 1 {
		t.Errorf("clock_synced = %v, want 1", got)
	}
	if got := gauge(t, fams, "stampclock_config_problems"); got != 2 {
		t.Errorf("config_problems = %v, want 2", got)
	}
	if got := gauge(t, fams, "stampclock_queue_records", "uplink", "mqtt", "state", "pending"); got != 3 {
		t.Errorf("queue_records{mqtt,pending} = %v, want 3", got)
	}
}

func TestScrape_NoHardwareReader_ReaderUpOmitted(t *testing.T) {
	src := &fakeSource{readerKnown: false, readerOK: true, synced: true}
	fams := scrape(t, serve(t, metrics.New(src)))
	if _, ok := fams["stampclock_reader_up"]; ok {
		t.Error("stampclock_reader_up exported without a hardware reader")
	}
	if got := gauge(t, fams, "stampclock_clock_synced"); got != 1 {
		t.Errorf("clock_synced = %v, want 1", got)
	}
}

func TestScrape_NilSource_CountersOnly(t *testing.T) {
	m := metrics.New(nil)
	m.Tap("start_ok")
	fams := scrape(t, serve(t, m))
	for _, name := range []string{"stampclock_queue_records", "stampclock_reader_up", "stampclock_clock_synced"} {
		if _, ok := fams[name]; ok {
			t.Errorf("%s exported without a Source", name)
		}
	}
	if got := counter(t, fams, "stampclock_taps_total", "result", "start_ok"); got != 1 {
		t.Errorf("taps{start_ok} = %v, want 1", got)
	}
}

func TestScrape_QueueDepthFails_Scrape500WithCause(t *testing.T) {
	src := &fakeSource{depthErr: errors.New("bolt: database not open"), readerKnown: true, readerOK: true}
	base := serve(t, metrics.New(src))
	code, body, _ := get(t, base+"/metrics")
	if code != http.StatusInternalServerError {
		t.Errorf("GET /metrics = %d, want 500", code)
	}
	if !strings.Contains(body, "queue depth: bolt: database not open") {
		t.Errorf("body does not name the cause:\n%s", body)
	}
}

func TestLabels_PersonalDataOrErrorText_CountedAsOther(t *testing.T) {
	m := metrics.New(nil)
	m.Tap("04A1B2C3D4E5F6")          // a badge UID
	m.Punch("maier@example.com")     // an e-mail
	m.Error("dial tcp: refused")     // error text
	m.Error(strings.Repeat("x", 33)) // too long
	m.Error("")                      // empty
	m.Error("display")               // a new, well-formed class is kept
	fams := scrape(t, serve(t, m))

	if got := counter(t, fams, "stampclock_taps_total", "result", "other"); got != 1 {
		t.Errorf("taps{other} = %v, want 1", got)
	}
	if got := counter(t, fams, "stampclock_punches_total", "kind", "other"); got != 1 {
		t.Errorf("punches{other} = %v, want 1", got)
	}
	if got := counter(t, fams, "stampclock_errors_total", "class", "other"); got != 3 {
		t.Errorf("errors{other} = %v, want 3", got)
	}
	if got := counter(t, fams, "stampclock_errors_total", "class", "display"); got != 1 {
		t.Errorf("errors{display} = %v, want 1", got)
	}
	for name, f := range fams {
		for _, mm := range f.GetMetric() {
			for _, l := range mm.GetLabel() {
				if strings.ContainsAny(l.GetValue(), "@: ") || strings.Contains(l.GetValue(), "04A1") {
					t.Errorf("%s has label %s=%q", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
}

func TestHealthz(t *testing.T) {
	m := metrics.New(nil)
	base := serve(t, m)

	tests := []struct {
		name     string
		health   func() error
		wantCode int
		wantBody string
	}{
		{"no check", nil, http.StatusOK, "ok\n"},
		{"check passes", func() error { return nil }, http.StatusOK, "ok\n"},
		{"check fails", func() error { return errors.New("main loop stalled for 2m0s") }, http.StatusServiceUnavailable, "main loop stalled for 2m0s\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m.SetHealth(tt.health)
			code, body, _ := get(t, base+"/healthz")
			if code != tt.wantCode || body != tt.wantBody {
				t.Errorf("GET /healthz = %d %q, want %d %q", code, body, tt.wantCode, tt.wantBody)
			}
		})
	}
}

func TestHandler_UnknownPathOrMethod_Rejected(t *testing.T) {
	base := serve(t, metrics.New(nil))
	if code, _, _ := get(t, base+"/"); code != http.StatusNotFound {
		t.Errorf("GET / = %d, want 404", code)
	}
	resp, err := http.Post(base+"/metrics", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics = %d, want 405", resp.StatusCode)
	}
}

func TestMetrics_ConcurrentRecordAndScrape(t *testing.T) {
	src := &fakeSource{depth: map[string]map[string]uint64{"zeiterfassung": {"pending": 1}}, synced: true}
	m := metrics.New(src)
	base := serve(t, m)

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 250 {
				m.Tap("start_ok")
				m.Punch("start")
				m.Delivered("zeiterfassung", time.Second)
				m.Error("uplink_retry")
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			scrape(t, base)
		}
	})
	wg.Wait()

	fams := scrape(t, base)
	if got := counter(t, fams, "stampclock_taps_total", "result", "start_ok"); got != 1000 {
		t.Errorf("taps{start_ok} = %v, want 1000", got)
	}
	if got := find(t, fams, "stampclock_delivery_latency_seconds", "uplink", "zeiterfassung").GetHistogram().GetSampleCount(); got != 1000 {
		t.Errorf("latency count = %d, want 1000", got)
	}
}
