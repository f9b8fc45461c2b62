package webhook_test

// These tests run the client against apifake/webhook, a strict receiver
// written by someone who never saw this client, from the README's webhook
// section and deploy/mqtt-schema.json alone. webhooktest and this client
// share one reading of the document; the second fake checks that reading
// against another one.

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	fake "stampclock/apifake/webhook"
	"stampclock/device/clock"
	"stampclock/device/control"
	"stampclock/internal/runnertest"
	"stampclock/queue"
	"stampclock/uplink"
	"stampclock/uplink/webhook"
	"stampclock/uplink/webhook/webhooktest"
)

// srFake starts the second reading with the secret stampdConfig writes and
// the clock now.
func srFake(t *testing.T, now func() time.Time, plain bool) *fake.Server {
	t.Helper()
	return fake.New(t, fake.Options{Secret: []byte(webhooktest.DefaultSecret), Now: now, PlainHTTP: plain})
}

// srClient is our client posting to f over its TLS, its clock now.
func srClient(t *testing.T, f *fake.Server, now func() time.Time) *webhook.Client {
	t.Helper()
	c, err := webhook.New(webhook.Config{URL: f.URL(), Secret: webhooktest.DefaultSecret, Timeout: uplink.Duration{Duration: 2 * time.Second}},
		uplink.Env{DeviceID: "term-1", Now: now, Version: "test", HTTPClient: f.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// noViolations fails t with every request the fake refused.
func noViolations(t *testing.T, f *fake.Server) {
	t.Helper()
	for _, v := range f.Violations() {
		t.Errorf("the second reading refused a request: HTTP %d, key %q: %s", v.Status, v.Key, v.Reason)
	}
}

// storedLines are the fake's records as "key kind detail", in arrival order.
func storedLines(f *fake.Server) []string {
	var out []string
	for _, r := range f.Records() {
		l := r.Key + " " + r.Kind
		switch r.Kind {
		case "punch":
			l += " " + r.Action + " " + r.Email
		case "entry":
			l += " " + r.Email + " " + r.Start.Format(time.RFC3339) + "-" + r.End.Format(time.RFC3339)
		case "event":
			l += " " + r.Event
		case "retract":
			l += fmt.Sprintf(" #%d %s", r.Retracts, r.SiteEntry)
		}
		out = append(out, l)
	}
	return out
}

// A shift, an unknown badge and a shift left open: the records stampd
// writes for them reach the second reading each once, none refused.
func TestSecondReading_Stampd_EveryRecordOnce(t *testing.T) {
	cl := clock.NewFake(time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC))
	f := srFake(t, cl.Now, true) // stampd trusts the system's CAs only: http, allow_http
	path, socket := stampdConfig(t, fmt.Sprintf("url = %q\nallow_http = true\ntimeout = \"2s\"", f.URL()))
	runStampd(t, path, socket, cl)

	tap(t, socket, "04A1B2C3", "2026-03-02T07:58:12+01:00")
	tap(t, socket, "DEADBEEF", "2026-03-02T08:10:00+01:00") // not enrolled
	tap(t, socket, "04A1B2C3", "2026-03-02T16:45:30+01:00")
	tap(t, socket, "04A1B2C3", "2026-03-02T18:00:00+01:00") // a start never stopped
	tap(t, socket, "04A1B2C3", "2026-03-03T10:30:00+01:00") // 16.5 h later: beyond punch.max_shift
	want := []string{
		"term-1:1 punch start maier@example.com",
		"term-1:2 event unknown_badge",
		"term-1:3 punch stop maier@example.com",
		"term-1:4 entry maier@example.com 2026-03-02T06:58:12Z-2026-03-02T15:45:30Z",
		"term-1:5 punch start maier@example.com",
		"term-1:6 event missing_stop",
		"term-1:7 punch start maier@example.com",
	}
	if _, err := f.WaitRecords(len(want), 15*time.Second); err != nil {
		t.Fatalf("%v; stored:\n%s", err, strings.Join(storedLines(f), "\n"))
	}
	var st uplinkState
	eventually(t, "stampd counts every record delivered", func() bool {
		if err := control.Call(context.Background(), socket, "status", nil, &st); err != nil {
			t.Fatal(err)
		}
		for _, u := range st.Uplinks {
			if u.Uplink == "webhook" && u.Delivered == uint64(len(want)) {
				return true
			}
		}
		return false
	})
	got := storedLines(f)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("stored\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	noViolations(t, f)
	if d := f.Duplicates(); len(d) != 0 {
		t.Errorf("duplicates %+v; want none", d)
	}
}

// An entry whose answer is lost after the receiver stored it and the
// retraction that later withdraws it (shifts across terminals): the
// resend carries the same key and the same record, the retraction
// repeats what it withdraws as the second reading demands.
func TestSecondReading_LostAnswerAndRetraction(t *testing.T) {
	now := func() time.Time { return t0.Add(time.Hour) }
	f := srFake(t, now, false)
	f.DropAnswers(f.Route(), 1)
	entry := queue.Record{Kind: queue.KindEntry, At: t0.Add(30 * time.Minute), ClockSynced: true, Email: "maier@example.com",
		Start: t0, End: t0.Add(30 * time.Minute), StartSynced: true, StartSeq: 0, SiteEntry: "door-2:5-term-1:1"}
	retract := queue.Record{Kind: queue.KindRetract, At: t0.Add(50 * time.Minute), ClockSynced: true, Email: "maier@example.com",
		Start: t0, End: t0.Add(30 * time.Minute), Retracts: 1, SiteEntry: "door-2:5-term-1:1",
		Detail: "door-2 paired the taps of this shift"}
	h := runnertest.Start(t, srClient(t, f, now), entry, retract)
	h.WaitDelivered(t, 2, 10*time.Second)
	want := []string{
		"term-1:1 entry maier@example.com 2026-03-02T07:58:00Z-2026-03-02T08:28:00Z",
		"term-1:2 retract #1 door-2:5-term-1:1",
	}
	if got := storedLines(f); !slices.Equal(got, want) {
		t.Errorf("stored\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	noViolations(t, f)
	if d := f.Duplicates(); len(d) != 1 || d[0].Key != "term-1:1" || !d[0].SameBody {
		t.Errorf("duplicates %+v; want the lost answer's record once again, same key, same body", d)
	}
}

// A terminal whose clock is ten minutes off is refused by a receiver
// checking the timestamp: its record stays queued (not a dead letter)
// and goes out once the clock is right, signed again.
func TestSecondReading_ClockOff_KeptAndSentWhenRight(t *testing.T) {
	f := srFake(t, func() time.Time { return t0 }, false)
	var off atomic.Int64
	off.Store(int64(10 * time.Minute))
	now := func() time.Time { return t0.Add(time.Duration(off.Load())) }
	h := runnertest.Start(t, srClient(t, f, now), entries(1)...)
	h.Wait(t, 10*time.Second, "a refused timestamp", func(st queue.UplinkStats) bool { return st.LastError != "" })
	if st := h.Stats(t); st.Dead != 0 || st.Pending != 1 {
		t.Fatalf("pending %d, dead %d (%s); want the record kept pending", st.Pending, st.Dead, st.LastError)
	}
	if v := f.Violations(); len(v) == 0 || v[0].Status != http.StatusForbidden {
		t.Fatalf("violations %+v; want the stale timestamp refused with 403", v)
	}
	off.Store(0)
	h.WaitDelivered(t, 1, 10*time.Second)
	if got := storedLines(f); len(got) != 1 || !strings.HasPrefix(got[0], "term-1:1 entry e0@example.com") {
		t.Fatalf("stored %q; want the entry once", got)
	}
}
