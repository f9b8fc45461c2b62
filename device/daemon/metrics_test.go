package daemon

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func scrape(t *testing.T, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value returns the value of the family's series whose labels include want.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, want ...string) float64 {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("no metric %s", name)
	}
next:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(want); i += 2 {
			found := false
			for _, l := range m.Label {
				if l.GetName() == want[i] && l.GetValue() == want[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	t.Fatalf("no series %s%v", name, want)
	return 0
}

func TestDaemon_MetricsScrapedAndParsed(t *testing.T) {
	h := newHarness(t)
	addr := freeAddr(t)
	h.start(h.config(fmt.Sprintf("[metrics]\nlisten = %q\n", addr)))
	h.tap("04A1B2C3", "2026-06-01T07:00:00Z")
	h.tap("04A1B2C3", "2026-06-01T07:00:10Z") // already stamped
	h.tap("DEADBEEF", "2026-06-01T07:01:00Z")
	h.tap("04A1B2C3", "2026-06-01T15:00:00Z")
	h.eventually("delivered", func() bool { return h.status().QueueDepth.Delivered == 1 })
	// The delivery is counted just after its commit: wait for the counter.
	h.eventually("delivery counted", func() bool { _, ok := scrape(t, addr)["stampclock_delivered_total"]; return ok })
	fams := scrape(t, addr)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"stampclock_taps_total", []string{"result", "start_ok"}, 1},
		{"stampclock_taps_total", []string{"result", "stop_ok"}, 1},
		{"stampclock_taps_total", []string{"result", "already_stamped"}, 1},
		{"stampclock_taps_total", []string{"result", "unknown_badge"}, 1},
		{"stampclock_punches_total", []string{"kind", "start"}, 1},
		{"stampclock_punches_total", []string{"kind", "stop"}, 1},
		{"stampclock_delivered_total", []string{"uplink", "zeiterfassung"}, 1},
		{"stampclock_delivery_latency_seconds", []string{"uplink", "zeiterfassung"}, 1},
		{"stampclock_queue_records", []string{"uplink", "zeiterfassung", "state", "delivered"}, 1},
		{"stampclock_queue_records", []string{"uplink", "zeiterfassung", "state", "pending"}, 0},
	} {
		if got := value(t, fams, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if _, ok := fams["stampclock_reader_up"]; ok {
		t.Error("reader_up exported for the simulator")
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "ok") {
		t.Fatalf("/healthz = %d %q", resp.StatusCode, body)
	}
}

// Issue 11 (weakness): the metrics port already in use ended the daemon,
// and with it the taps. Now it is logged, shown, retried; taps go on.
func TestDaemon_MetricsPortInUse_TapsGoOnRetried(t *testing.T) {
	blocker, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := blocker.Addr().String()
	h := newHarness(t)
	h.startWith(h.config(fmt.Sprintf("[metrics]\nlisten = %q\n", addr)), Options{HealthPoll: 10 * time.Millisecond})
	h.eventually("metrics error in status", func() bool { return strings.Contains(h.status().MetricsError, "address already in use") })
	if r := h.tap("04A1B2C3", "2026-06-01T07:00:00Z"); r.Result != "start_ok" {
		t.Fatalf("tap while the metrics port is taken: %+v", r)
	}
	blocker.Close()
	h.eventually("metrics served once the port is free", func() bool {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	h.eventually("error cleared", func() bool { return h.status().MetricsError == "" })
}
