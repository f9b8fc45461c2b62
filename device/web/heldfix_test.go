package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"stampclock/device/daemon"
	"stampclock/queue"
)

// heldFixture has one entry held for a clock that never synchronised.
func heldFixture(t *testing.T) (*fixture, *client, string) {
	t.Helper()
	f := newFixture(t)
	at := time.Date(2019, 1, 1, 8, 30, 0, 0, time.UTC)
	f.d.answers["queue.list"] = []queue.Item{{Uplink: "zeiterfassung", State: "held", Msg: "clock never synchronised", Record: queue.Record{Seq: 5, Kind: queue.KindEntry, Email: "maier@example.com", Start: at, End: at.Add(8 * time.Hour)}}}
	c := f.client(t)
	return f, c, c.login("admin", adminPW)
}

// argsOf decodes the arguments the page sent with cmd.
func argsOf[T any](t *testing.T, f *fixture, cmd string) T {
	t.Helper()
	f.d.mu.Lock()
	raw := f.d.args[cmd]
	f.d.mu.Unlock()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s args %s: %v", cmd, raw, err)
	}
	return v
}

func TestQueue_HeldEntry_OffersCorrectAndDiscardWithReason(t *testing.T) {
	_, c, _ := heldFixture(t)
	page := c.get("/queue").body
	for _, want := range []string{`action="/queue/correct"`, `action="/queue/discard"`, `name="at"`, `name="offset"`, `<input name="reason" required>`, `name="seq" value="5"`} {
		if !strings.Contains(page, want) {
			t.Errorf("queue page lacks %s:\n%s", want, page)
		}
	}
}

// A record held for another reason (a locked day) was stamped with a
// synchronised clock: nothing to correct, but it can be discarded.
func TestQueue_HeldWithTrustedClock_DiscardOnly(t *testing.T) {
	f, c, _ := heldFixture(t)
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	f.d.answers["queue.list"] = []queue.Item{{Uplink: "blikk", State: "held", Msg: "day locked", Record: queue.Record{Seq: 9, Kind: queue.KindEntry, Email: "maier@example.com", Start: at, End: at.Add(time.Hour), ClockSynced: true, StartSynced: true}}}
	page := c.get("/queue").body
	if strings.Contains(page, `action="/queue/correct"`) || !strings.Contains(page, `action="/queue/discard"`) {
		t.Errorf("want discard but no correct for a record with a trusted clock:\n%s", page)
	}
}

func TestQueue_Correct_CallsQueueCorrectWithTrueTimeInTerminalZone(t *testing.T) {
	f, c, csrf := heldFixture(t)
	f.d.answers["queue.correct"] = daemon.CorrectResult{Boot: "boot-7", Corrected: 3}
	r := c.post("/queue/correct", url.Values{"csrf": {csrf}, "seq": {"5"}, "at": {"2026-03-02T17:00"}, "reason": {"stop confirmed by the foreman"}})
	if r.code != http.StatusSeeOther || r.loc != "/queue" {
		t.Fatalf("correct: %d %q", r.code, r.loc)
	}
	want := daemon.CorrectArgs{Seq: 5, At: "2026-03-02T17:00:00Z", Reason: "stop confirmed by the foreman"}
	if got := argsOf[daemon.CorrectArgs](t, f, "queue.correct"); got != want {
		t.Errorf("queue.correct args = %+v, want %+v", got, want)
	}
	if page := c.get("/queue").body; !strings.Contains(page, "boot boot-7: 3 records corrected; they are sent now") {
		t.Errorf("no result message:\n%s", page)
	}
	// The offset form, and a time with its zone, go through as typed.
	c.post("/queue/correct", url.Values{"csrf": {csrf}, "seq": {"5"}, "offset": {"2345h17m"}, "reason": {"clock was reset"}})
	want = daemon.CorrectArgs{Seq: 5, Offset: "2345h17m", Reason: "clock was reset"}
	if got := argsOf[daemon.CorrectArgs](t, f, "queue.correct"); got != want {
		t.Errorf("queue.correct args = %+v, want %+v", got, want)
	}
	c.post("/queue/correct", url.Values{"csrf": {csrf}, "seq": {"5"}, "at": {"2026-03-02T17:00:00+01:00"}, "reason": {"r"}})
	if got := argsOf[daemon.CorrectArgs](t, f, "queue.correct"); got.At != "2026-03-02T17:00:00+01:00" {
		t.Errorf("at with a zone sent as %q", got.At)
	}
}

func TestQueue_Discard_CallsQueueDiscardWithReason(t *testing.T) {
	f, c, csrf := heldFixture(t)
	f.d.answers["queue.discard"] = daemon.DiscardResult{Discarded: 1}
	r := c.post("/queue/discard", url.Values{"csrf": {csrf}, "seq": {"5"}, "uplink": {"zeiterfassung"}, "reason": {" entered by hand "}})
	if r.code != http.StatusSeeOther || r.loc != "/queue" {
		t.Fatalf("discard: %d %q", r.code, r.loc)
	}
	want := daemon.DiscardArgs{Uplink: "zeiterfassung", Seqs: []uint64{5}, Reason: "entered by hand"}
	if got := argsOf[daemon.DiscardArgs](t, f, "queue.discard"); !reflect.DeepEqual(got, want) {
		t.Errorf("queue.discard args = %+v, want %+v", got, want)
	}
	if page := c.get("/queue").body; !strings.Contains(page, "1 held records discarded: kept as dead letters with the reason") {
		t.Errorf("no result message:\n%s", page)
	}
}

func TestQueue_CorrectDiscardBadInput_MessageAndNoCommand(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		form       url.Values
		want       string
	}{
		{"no reason", "/queue/correct", url.Values{"seq": {"5"}, "at": {"2026-03-02T17:00"}, "reason": {"  "}}, "a reason is required"},
		{"neither time nor offset", "/queue/correct", url.Values{"seq": {"5"}, "reason": {"r"}}, "record 5: give its true time or how far its clock was behind"},
		{"both", "/queue/correct", url.Values{"seq": {"5"}, "at": {"2026-03-02T17:00"}, "offset": {"1h"}, "reason": {"r"}}, "not both"},
		{"bad time", "/queue/correct", url.Values{"seq": {"5"}, "at": {"yesterday 5pm"}, "reason": {"r"}}, "true time &#34;yesterday 5pm&#34;: want a date and time like 2026-03-02T17:00 (UTC)"},
		{"bad offset", "/queue/correct", url.Values{"seq": {"5"}, "offset": {"two days"}, "reason": {"r"}}, "offset &#34;two days&#34;: want a duration like 2345h17m"},
		{"no seq", "/queue/correct", url.Values{"at": {"2026-03-02T17:00"}, "reason": {"r"}}, "name the held record"},
		{"bad seq", "/queue/discard", url.Values{"seq": {"5x"}, "reason": {"r"}}, "&#34;5x&#34; is not a sequence number"},
		{"discard without reason", "/queue/discard", url.Values{"seq": {"5"}}, "a reason is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, c, csrf := heldFixture(t)
			tc.form.Set("csrf", csrf)
			if r := c.post(tc.path, tc.form); r.code != http.StatusSeeOther {
				t.Fatalf("POST %s: %d", tc.path, r.code)
			}
			page := c.get("/queue").body
			if !strings.Contains(page, `class="flash err"`) || !strings.Contains(page, tc.want) {
				t.Errorf("page lacks the error %q:\n%s", tc.want, page)
			}
			if calls := f.d.called(); slices.Contains(calls, "queue.correct") || slices.Contains(calls, "queue.discard") {
				t.Errorf("bad input reached the daemon: %v", calls)
			}
		})
	}
}

func TestQueue_CorrectRefusedByDaemon_MessageShown(t *testing.T) {
	f, c, csrf := heldFixture(t)
	f.d.errs["queue.correct"] = errors.New("queue correct: seq 5 would be at 2027-01-01T00:00:00Z, after now")
	c.post("/queue/correct", url.Values{"csrf": {csrf}, "seq": {"5"}, "offset": {"70000h"}, "reason": {"r"}})
	if page := c.get("/queue").body; !strings.Contains(page, "seq 5 would be at 2027-01-01T00:00:00Z, after now") {
		t.Errorf("daemon's refusal not shown:\n%s", page)
	}
}
