package main

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"stampclock/queue"
)

// A retraction (shifts across terminals) shows in `queue list` with the
// record it withdraws, and `queue export --csv` carries which.
func TestRetraction_ListedAndExported(t *testing.T) {
	start := time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC)
	r := queue.Record{Seq: 12, Kind: queue.KindRetract, At: start.Add(6 * time.Hour), ClockSynced: true, Email: "anna@example.com",
		Start: start, End: start.Add(4*time.Hour + 30*time.Minute), Retracts: 7, SiteEntry: "warehouse:1-warehouse:2", Detail: "late tap"}
	var out bytes.Buffer
	printItems(&out, []queue.Item{{Record: r, Uplink: "zeiterfassung", State: "pending"}}, time.UTC)
	if !strings.Contains(out.String(), "retract/#7") || !strings.Contains(out.String(), "anna@example.com") {
		t.Errorf("queue list:\n%s", out.String())
	}
	out.Reset()
	rw := newRecordWriter(&out, true)
	if err := rw.write(r); err != nil {
		t.Fatal(err)
	}
	if err := rw.flush(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("csv %v %v", rows, err)
	}
	got := map[string]string{}
	for i, h := range rows[0] {
		got[h] = rows[1][i]
	}
	if got["kind"] != "retract" || got["retracts"] != "7" || got["site_entry"] != "warehouse:1-warehouse:2" || got["detail"] != "late tap" {
		t.Errorf("csv row %v", got)
	}
}
