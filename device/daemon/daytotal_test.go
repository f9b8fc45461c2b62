package daemon

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingTransport counts the requests in flight through it.
type countingTransport struct {
	inFlight atomic.Int32
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.inFlight.Add(1)
	defer c.inFlight.Add(-1)
	return http.DefaultTransport.RoundTrip(r)
}

// `stampctl daytotal` waits for a hanging source on the daemon's timers,
// then answers; the fetch it started goes on in the background, but not
// past Run: stopping the daemon ends it (it ran on its own timeout, a
// minute here, and outlived Run).
func TestDaemon_DayTotalCommand_SourceHangs_FetchEndsWithRun(t *testing.T) {
	slow := hangingServer(t)
	h := newHarness(t)
	section := strings.Replace(h.timesheetsSection(slow.URL+"/v1", "timesheets", false), `timeout = "2s"`, `timeout = "1m"`, 1)
	tr := &countingTransport{}
	timers := newCountedTimers()
	h.startWith(h.config(section), Options{Timers: timers, HTTPClient: &http.Client{Transport: tr}})

	got := callLater[DayTotalResult](h, "daytotal", DayTotalArgs{Email: maier, Date: "2026-03-02"})
	h.eventually("the source asked and the command waiting", func() bool {
		return tr.inFlight.Load() == 1 && timers.asked(dayTotalWait) == 1
	})
	select {
	case a := <-got:
		t.Fatalf("daytotal answered before its wait was up: %+v, %v", a.res, a.err)
	default:
	}
	timers.Advance(dayTotalWait)
	var a answer[DayTotalResult]
	select {
	case a = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("no daytotal answer 10s after its wait was up")
	}
	if a.err != nil || a.res.Source != "local" || !strings.Contains(a.res.Note, "timesheets is not answering") {
		t.Fatalf("daytotal = %+v, %v; want the local figure and a note", a.res, a.err)
	}
	if n := tr.inFlight.Load(); n != 1 {
		t.Fatalf("%d requests in flight after the answer, want the fetch going on", n)
	}
	h.stop()
	if n := tr.inFlight.Load(); n != 0 {
		t.Fatalf("%d requests to the day-total source still in flight after Run returned", n)
	}
}
