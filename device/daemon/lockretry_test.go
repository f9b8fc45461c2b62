package daemon

import (
	"context"
	"strings"
	"testing"

	"stampclock/daytotal/timesheetstest"
	"stampclock/device/control"
	"stampclock/queue"
	"stampclock/uplink"
)

func queuedItems(t *testing.T, h *harness, uplink string) []queue.Item {
	t.Helper()
	var items []queue.Item
	if err := control.Call(context.Background(), h.socket, "queue.list", ListArgs{Uplink: uplink, State: "pending"}, &items); err != nil {
		t.Fatal(err)
	}
	return items
}

func runnerStatus(s Status, name string) uplink.Status {
	for _, u := range s.Uplinks {
		if u.Uplink == name {
			return u.Status
		}
	}
	return uplink.Status{}
}

// Issue 17 item 4: with the locked-days source failing, stampd re-claimed
// the entry at once, ~1,500–1,950 lookups a second, and the entry's try
// count ran into the thousands. The failing lookup backs off like a
// failing send: lookups and tries grow with the backoffs, not with time.
func TestDaemon_LocksFailing_LookupsBackOff(t *testing.T) {
	for _, down := range []string{"connection dropped", "500"} {
		t.Run(down, func(t *testing.T) {
			ts, hs := timesheetstest.Start(t, timesheetstest.Options{People: map[int]string{7: "Anna Maier", 8: "Max Huber"}})
			tsURL := hs.URL + timesheetstest.APIPrefix
			if down == "500" {
				ts.FailNext(1_000_000, timesheetstest.Fault{Status: 500})
			} else {
				ts.SetDown(timesheetstest.DownClose)
			}
			h := newHarness(t)
			h.start(h.config(h.timesheetsSection(tsURL, "local", true)))
			h.tap("04A1B2C3", "2026-03-02T08:00:00+01:00")
			h.tap("04A1B2C3", "2026-03-02T16:00:00+01:00")
			// Backoff 10 ms doubling to 200 ms in the harness: five
			// failures take at least 150 ms; a spinning runner never
			// counts one.
			h.eventually("five failed lookups, backing off", func() bool {
				r := runnerStatus(h.status(), "zeiterfassung")
				return r.State == "backoff" && r.Failures >= 5 && strings.Contains(r.LastError, "locked days unknown")
			})
			failures := runnerStatus(h.status(), "zeiterfassung").Failures
			items := queuedItems(t, h, "zeiterfassung")
			if len(items) != 1 {
				t.Fatalf("queued %+v, want the one entry", items)
			}
			// The status read above and the list can straddle a retry or two.
			if items[0].Attempts > failures+3 {
				t.Fatalf("entry tried %d times after %d backoffs: retried without pause", items[0].Attempts, failures)
			}
			if n := ts.Requests().Requests; n > 2*(failures+3) {
				t.Fatalf("%d lookups after %d backoffs: retried without pause", n, failures)
			}
		})
	}
}
