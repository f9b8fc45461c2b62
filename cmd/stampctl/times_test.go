package main

import (
	"bytes"
	"io"
	"testing"
	"time"

	"stampclock/queue"
)

func TestDuration_ForPeople(t *testing.T) {
	for d, want := range map[time.Duration]string{
		8*time.Hour + 27*time.Minute + 19862566728*time.Nanosecond: "8h27m",
		2 * time.Minute:                       "2m0s",
		27*time.Minute + 19*time.Second:       "27m19s",
		45*time.Second + 300*time.Millisecond: "45s",
		9 * time.Hour:                         "9h0m",
	} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestPluralAndSeqs(t *testing.T) {
	if got := plural(1, "check failed", "checks failed"); got != "1 check failed" {
		t.Error(got)
	}
	if got := plural(3, "check failed", "checks failed"); got != "3 checks failed" {
		t.Error(got)
	}
	if got := seqList([]uint64{5, 6}); got != "5, 6" {
		t.Errorf("seqList = %q", got)
	}
}

func TestTimeArg_LocalDays(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	from, err := timeArg("from", "2026-11-30", berlin, false)
	if err != nil || from != "2026-11-30T00:00:00+01:00" {
		t.Errorf("from = %q, %v", from, err)
	}
	to, err := timeArg("to", "2026-11-30", berlin, true)
	if err != nil || to != "2026-12-01T00:00:00+01:00" {
		t.Errorf("to = %q, %v (want the start of the next day: the 30th included)", to, err)
	}
	if v, err := timeArg("from", "2026-11-30T08:00:00Z", berlin, false); err != nil || v != "2026-11-30T08:00:00Z" {
		t.Errorf("RFC 3339 passes through: %q, %v", v, err)
	}
	if _, err := timeArg("from", "30.11.2026", berlin, false); err == nil {
		t.Error("30.11.2026 accepted")
	}
}

func TestPrint_EmptyListIsJSONArray(t *testing.T) {
	var out bytes.Buffer
	c := &cli{json: true, out: &out}
	var items []queue.Item
	if err := c.print(items, func(io.Writer) {}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "[]\n" {
		t.Fatalf("empty list printed as %q, want []", out.String())
	}
}
