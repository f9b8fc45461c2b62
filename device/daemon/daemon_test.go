package daemon

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stampclock/device/clock"
	"stampclock/device/config"
	"stampclock/device/control"
	"stampclock/internal/waitfor"
	"stampclock/queue"
	"stampclock/queue/queuetest"
	"stampclock/uplink/zeiterfassung/zeittest"
)

const (
	maier = "maier@example.com"
	huber = "huber@example.com"
)

type harness struct {
	t      *testing.T
	dir    string
	socket string
	zs     *zeittest.Server
	url    string
	cancel context.CancelFunc
	done   chan error
	d      *Daemon // the running daemon, for tests that look at its state
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	zs, ts := zeittest.Start(t, zeittest.Options{Users: []string{maier, huber}})
	dir := t.TempDir()
	// Unix socket paths are limited to ~108 bytes: keep it short.
	sockDir, err := os.MkdirTemp("", "sc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	return &harness{t: t, dir: dir, socket: filepath.Join(sockDir, "s.sock"), zs: zs, url: ts.URL}
}

func (h *harness) config(extra string) *config.Config {
	h.t.Helper()
	pw := filepath.Join(h.dir, "pw")
	if err := os.WriteFile(pw, []byte(zeittest.DefaultPassword+"\n"), 0o600); err != nil {
		h.t.Fatal(err)
	}
	text := fmt.Sprintf(`
[device]
id = "test-terminal"
[store]
path = %q
[control]
socket = %q
[punch]
timezone = "Europe/Berlin"
[zeiterfassung]
url = %q
allow_http = true
email = %q
password_file = %q
timetype_id = "arbeitszeit"
timeout = "2s"
[[badge]]
uid = "04A1B2C3"
email = %q
[[badge]]
uid = "0455667788AABB"
email = %q
%s`, filepath.Join(h.dir, "queue.db"), h.socket, h.url, zeittest.DefaultEmail, pw, maier, huber, extra)
	path := filepath.Join(h.dir, "stampd.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		h.t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		h.t.Fatal(err)
	}
	return cfg
}

func (h *harness) start(cfg *config.Config) {
	h.t.Helper()
	h.startWith(cfg, Options{})
}

// startWith starts the daemon with opts, short backoffs filled in.
func (h *harness) startWith(cfg *config.Config, opts Options) {
	h.t.Helper()
	opts.MinBackoff, opts.MaxBackoff, opts.Version = 10*time.Millisecond, 200*time.Millisecond, "test"
	if opts.Clock == nil {
		// No test depends on the machine's clock or its sync state.
		opts.Clock = clock.NewFake(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	}
	d, err := New(cfg, opts)
	if err != nil {
		h.t.Fatal(err)
	}
	h.d = d
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan error, 1)
	go func() { h.done <- d.Run(ctx) }()
	h.t.Cleanup(h.stop)
	h.eventually("control socket answers", func() bool {
		return control.Call(context.Background(), h.socket, "status", nil, nil) == nil
	})
}

func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		h.t.Error("daemon did not stop within 5s")
	}
	h.cancel = nil
}

func (h *harness) eventually(what string, ok func() bool) {
	h.t.Helper()
	waitfor.Until(h.t, 20*time.Second, what, ok)
}

func (h *harness) tap(uid, at string) TapResult {
	h.t.Helper()
	var res TapResult
	if err := control.Call(context.Background(), h.socket, "tap", TapArgs{UID: uid, At: at}, &res); err != nil {
		h.t.Fatalf("tap %s at %s: %v", uid, at, err)
	}
	return res
}

func (h *harness) status() Status {
	h.t.Helper()
	var s Status
	if err := control.Call(context.Background(), h.socket, "status", nil, &s); err != nil {
		h.t.Fatal(err)
	}
	return s
}

func entryLines(es []zeittest.Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.UserEmail+" "+e.StartTime+" "+e.EndTime)
	}
	return out
}

func TestDaemon_TapsForSeveralEmployees_ExactEntries(t *testing.T) {
	h := newHarness(t)
	h.start(h.config(""))
	steps := []struct{ uid, at, want string }{
		{"04A1B2C3", "2026-03-02T07:58:12+01:00", "start_ok"},
		{"0455667788AABB", "2026-03-02T08:03:00+01:00", "start_ok"},
		{"04A1B2C3", "2026-03-02T07:58:40+01:00", "already_stamped"},
		{"DEADBEEF", "2026-03-02T09:00:00+01:00", "unknown_badge"},
		{"0455667788AABB", "2026-03-02T12:30:59+01:00", "stop_ok"},
		{"04A1B2C3", "2026-03-02T16:45:30+01:00", "stop_ok"},
	}
	for _, s := range steps {
		if got := h.tap(s.uid, s.at); got.Result != s.want {
			t.Fatalf("tap %s at %s: %s, want %s", s.uid, s.at, got.Result, s.want)
		}
	}
	h.eventually("two entries delivered", func() bool { return h.status().QueueDepth.Delivered == 2 })
	got := strings.Join(entryLines(h.zs.Entries()), "\n")
	want := huber + " 2026-03-02T08:03:00 2026-03-02T12:30:00\n" + maier + " 2026-03-02T07:58:00 2026-03-02T16:45:00"
	if got != want {
		t.Fatalf("server entries:\n%s\nwant:\n%s", got, want)
	}
	st := h.status()
	if st.QueueDepth.Pending != 0 || len(st.Queue.Unknown) != 1 || st.Queue.Unknown[0].UID != "DEADBEEF" || st.Taps.Ignored != 1 {
		t.Fatalf("status = %+v", st)
	}
}

func TestDaemon_ServerDown_EveryEntryOnceInOrderWhenBack(t *testing.T) {
	h := newHarness(t)
	h.zs.SetDown(zeittest.DownClose)
	h.start(h.config(""))
	day := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	var want []string
	for i := 0; i < 10; i++ {
		start := day.Add(time.Duration(i)*24*time.Hour + 7*time.Hour)
		end := start.Add(8*time.Hour + 15*time.Minute)
		h.tap("04A1B2C3", start.Format(time.RFC3339))
		h.tap("04A1B2C3", end.Format(time.RFC3339))
		loc, _ := time.LoadLocation("Europe/Berlin")
		want = append(want, maier+" "+start.In(loc).Format("2006-01-02T15:04:00")+" "+end.In(loc).Format("2006-01-02T15:04:00"))
	}
	h.eventually("an attempt failed while down", func() bool {
		s := h.status()
		return len(s.Uplinks) == 1 && s.Uplinks[0].LastError != ""
	})
	if s := h.status(); s.QueueDepth.Pending != 10 {
		t.Fatalf("pending while down = %d, want 10", s.QueueDepth.Pending)
	}
	h.zs.SetDown(zeittest.Up)
	h.eventually("all delivered", func() bool { return h.status().QueueDepth.Delivered == 10 })
	if got := entryLines(h.zs.Entries()); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if d := h.zs.Duplicates(); len(d) != 0 {
		t.Fatalf("duplicates: %+v", d)
	}
}

func TestDaemon_LostAnswers_NoDuplicates(t *testing.T) {
	h := newHarness(t)
	h.zs.DropAfterStore(3)
	h.start(h.config(""))
	for i := 0; i < 5; i++ {
		start := time.Date(2026, 6, 1+i, 6, 0, 0, 0, time.UTC)
		h.tap("0455667788AABB", start.Format(time.RFC3339))
		h.tap("0455667788AABB", start.Add(time.Hour).Format(time.RFC3339))
	}
	h.eventually("all delivered", func() bool { return h.status().QueueDepth.Delivered == 5 })
	if n := len(h.zs.Entries()); n != 5 {
		t.Fatalf("server has %d entries, want 5", n)
	}
	if d := h.zs.Duplicates(); len(d) != 0 {
		t.Fatalf("duplicates: %+v", d)
	}
	if st := h.zs.Requests(); st.Dropped != 3 {
		t.Fatalf("dropped = %d, want 3 (the fault was not exercised)", st.Dropped)
	}
}

func TestDaemon_RejectedEntry_DeadLetterDoesNotBlockAndRetryResends(t *testing.T) {
	h := newHarness(t)
	h.zs.FailCreates(1, zeittest.Fault{Status: 400, Message: "Zeitart ungültig"})
	h.start(h.config(""))
	h.tap("04A1B2C3", "2026-06-01T07:00:00Z")
	h.tap("04A1B2C3", "2026-06-01T15:00:00Z")
	h.tap("04A1B2C3", "2026-06-02T07:00:00Z")
	h.tap("04A1B2C3", "2026-06-02T15:00:00Z")
	h.eventually("one delivered, one dead", func() bool {
		s := h.status()
		return s.QueueDepth.Delivered == 1 && s.QueueDepth.Dead == 1
	})
	var dead []queue.Item
	if err := control.Call(context.Background(), h.socket, "queue.list", ListArgs{State: "dead"}, &dead); err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || !strings.Contains(dead[0].Msg, "Zeitart ungültig") || dead[0].Record.Start.Day() != 1 {
		t.Fatalf("dead = %+v", dead)
	}
	var rr RetryResult
	if err := control.Call(context.Background(), h.socket, "queue.retry", RetryArgs{}, &rr); err != nil || rr.Retried != 1 {
		t.Fatalf("retry = %+v, %v", rr, err)
	}
	h.eventually("both delivered", func() bool { return h.status().QueueDepth.Delivered == 2 })
}

func TestDaemon_ClockNotSet_NeverSentWithWrongDate(t *testing.T) {
	h := newHarness(t)
	h.start(h.config(""))
	h.tap("04A1B2C3", "1970-01-01T00:01:00Z")
	h.tap("04A1B2C3", "1970-01-01T08:01:00Z")
	h.eventually("dead-lettered", func() bool { return h.status().QueueDepth.Dead == 1 })
	if n := len(h.zs.Entries()); n != 0 {
		t.Fatalf("server got %d entries from 1970", n)
	}
}

func TestDaemon_RestartKeepsOpenShift(t *testing.T) {
	h := newHarness(t)
	cfg := h.config("")
	h.start(cfg)
	h.tap("04A1B2C3", "2026-06-01T07:00:00Z")
	h.stop()
	h.start(h.config(""))
	if s := h.status(); len(s.Queue.OpenShifts) != 1 {
		t.Fatalf("open shifts after restart = %+v", s.Queue.OpenShifts)
	}
	if r := h.tap("04A1B2C3", "2026-06-01T15:00:00Z"); r.Result != "stop_ok" {
		t.Fatalf("after restart: %s", r.Result)
	}
	h.eventually("delivered", func() bool { return len(h.zs.Entries()) == 1 })
}

func TestDaemon_ReloadPicksUpNewBadge(t *testing.T) {
	h := newHarness(t)
	h.start(h.config(""))
	if r := h.tap("0A0B0C0D", "2026-06-01T07:00:00Z"); r.Result != "unknown_badge" {
		t.Fatalf("before reload: %s", r.Result)
	}
	h.config("[[badge]]\nuid = \"0A0B0C0D\"\nemail = \"maier@example.com\"\n")
	if err := control.Call(context.Background(), h.socket, "reload", nil, nil); err != nil {
		t.Fatal(err)
	}
	if r := h.tap("0A0B0C0D", "2026-06-01T07:05:00Z"); r.Result != "start_ok" {
		t.Fatalf("after reload: %s", r.Result)
	}
}

func TestDaemon_BadControlRequests(t *testing.T) {
	h := newHarness(t)
	h.start(h.config(""))
	for _, c := range []struct {
		cmd  string
		args any
		want string
	}{
		{"tap", TapArgs{UID: "XYZ"}, "bad badge UID"},
		{"tap", TapArgs{UID: "0102", At: "yesterday"}, "RFC 3339"},
		{"queue.list", ListArgs{State: "lost"}, "want pending, held, dead, quarantined or withdrawn"},
		{"queue.retry", RetryArgs{Seqs: []uint64{99}}, "not dead-lettered"},
		{"frobnicate", nil, "unknown command"},
	} {
		err := control.Call(context.Background(), h.socket, c.cmd, c.args, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %+v: err = %v, want %q", c.cmd, c.args, err, c.want)
		}
	}
}

func TestDaemon_SecondInstanceRefused(t *testing.T) {
	h := newHarness(t)
	cfg := h.config("")
	h.start(cfg)
	_, err := New(cfg, Options{})
	if err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("second New on the same store: %v", err)
	}
}

func TestParseScript(t *testing.T) {
	steps, err := ParseScript("demo.taps", strings.NewReader("# demo\n2026-03-02T08:00:00+01:00 04A1B2C3\nsleep 250ms\nnow 04:55:66\n"))
	if err != nil || len(steps) != 3 || steps[1].Sleep != 250*time.Millisecond || len(steps[2].UID) != 3 || !steps[2].At.IsZero() {
		t.Fatalf("steps = %+v, %v", steps, err)
	}
	for _, bad := range []string{"08:00 04A1", "now XYZ", "sleep forever", "now 0102 extra"} {
		if _, err := ParseScript("bad.taps", strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "bad.taps:1") {
			t.Errorf("%q: err = %v, want it to name bad.taps:1", bad, err)
		}
	}
}

func TestDaemon_UnsyncedClock_HeldThenCorrectedAndDelivered(t *testing.T) {
	h := newHarness(t)
	clk := clock.NewFake(time.Time{})
	clk.Reboot("boot-7", time.Date(2019, 1, 1, 0, 0, 30, 0, time.UTC)) // no RTC: stale time, not synchronised
	h.startWith(h.config(""), Options{Clock: clk, ClockPoll: 10 * time.Millisecond})
	if r := h.tap("04A1B2C3", ""); r.Result != "start_ok" {
		t.Fatalf("start: %+v", r)
	}
	clk.Advance(8*time.Hour + 30*time.Minute)
	if r := h.tap("04A1B2C3", ""); r.Result != "stop_ok" {
		t.Fatalf("stop: %+v", r)
	}
	h.eventually("entry held", func() bool { return h.status().QueueDepth.Held == 1 })
	st := h.status()
	if st.Clock.Untrusted == 0 || st.Clock.Boot != "boot-7" || len(h.zs.Entries()) != 0 {
		t.Fatalf("status = %+v, server has %d entries", st.Clock, len(h.zs.Entries()))
	}
	var held []queue.Item
	control.Call(context.Background(), h.socket, "queue.list", ListArgs{State: "held"}, &held)
	if len(held) != 1 || !strings.Contains(held[0].Msg, "clock not synchronised") {
		t.Fatalf("held = %+v", held)
	}
	// NTP reaches the terminal: 2026-03-02 17:00 Berlin.
	real := time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC)
	clk.Set(real)
	clk.SetSynced(true)
	h.eventually("corrected entry delivered", func() bool { return h.status().QueueDepth.Delivered == 1 })
	got := entryLines(h.zs.Entries())
	if want := maier + " 2026-03-02T08:30:00 2026-03-02T17:00:00"; len(got) != 1 || got[0] != want {
		t.Fatalf("server entries %q, want %q", got, want)
	}
	if st := h.status(); st.Clock.Untrusted != 0 || st.QueueDepth.Held != 0 {
		t.Fatalf("after correction: %+v %+v", st.Clock, st.QueueDepth)
	}
}

func TestDaemon_DamagedStore_MovedAsideFreshStoreAlarm(t *testing.T) {
	h := newHarness(t)
	cfg := h.config("")
	if err := os.WriteFile(cfg.Store.Path, []byte(strings.Repeat("damaged ", 4096)), 0o600); err != nil {
		t.Fatal(err)
	}
	h.startWith(cfg, Options{CheckStore: func(p string) error { return queue.CheckFile(p, time.Second) }})
	st := h.status()
	if st.StoreAlarm == nil || !strings.HasPrefix(st.StoreAlarm.MovedTo, cfg.Store.Path+".corrupt-") {
		t.Fatalf("alarm = %+v", st.StoreAlarm)
	}
	if data, err := os.ReadFile(st.StoreAlarm.MovedTo); err != nil || !strings.HasPrefix(string(data), "damaged") {
		t.Fatalf("moved-aside file: %v", err)
	}
	if r := h.tap("04A1B2C3", "2026-06-01T07:00:00Z"); r.Result != "start_ok" {
		t.Fatalf("fresh store does not take taps: %+v", r)
	}
	h.stop()
	s := queuetest.OpenPath(t, cfg.Store.Path, queue.Options{})
	items, _ := s.Records(0, 10, func(r queue.Record) bool { return r.Event == queue.EventStoreFault })
	if len(items) != 1 || !strings.Contains(items[0].Detail, st.StoreAlarm.MovedTo) {
		t.Fatalf("store_fault event = %+v", items)
	}
}

func TestDaemon_ShiftsAcrossBothDSTChanges_AcceptedWithRealDuration(t *testing.T) {
	h := newHarness(t)
	h.start(h.config(""))
	// Spring forward (Europe/Berlin, 29 Mar 2026 02:00 CET -> 03:00 CEST):
	// 22:00 CET to 06:00 CEST is 7 h. Fall back (25 Oct 2026 03:00 CEST ->
	// 02:00 CET): 22:00 CEST to 06:00 CET is 9 h.
	h.tap("04A1B2C3", "2026-03-28T22:00:00+01:00")
	h.tap("04A1B2C3", "2026-03-29T06:00:00+02:00")
	h.tap("0455667788AABB", "2026-10-24T22:00:00+02:00")
	h.tap("0455667788AABB", "2026-10-25T06:00:00+01:00")
	h.eventually("both delivered", func() bool { return h.status().QueueDepth.Delivered == 2 })
	sum := map[string]time.Duration{}
	for _, e := range h.zs.Entries() {
		// Each part is stored as the server read it: wall times without an
		// offset. Its duration as the server computes it must add up.
		st, _ := time.ParseInLocation("2006-01-02T15:04:05", e.StartTime, time.UTC)
		en, _ := time.ParseInLocation("2006-01-02T15:04:05", e.EndTime, time.UTC)
		if en.Before(st) {
			t.Fatalf("entry ends before it starts: %+v", e)
		}
		sum[e.UserEmail] += en.Sub(st)
	}
	if sum[maier] != 7*time.Hour || sum[huber] != 9*time.Hour {
		t.Fatalf("durations as the server sees them: maier %v (want 7h), huber %v (want 9h); entries %v", sum[maier], sum[huber], entryLines(h.zs.Entries()))
	}
}

func TestDaemon_StoreNearLimit_WarnsInStatusAndAsEvent(t *testing.T) {
	h := newHarness(t)
	cfg := h.config("")
	cfg.Store.SizeLimitMB, cfg.Store.WarnPercent = 1, 1 // 10 KB: a fresh store is above
	h.startWith(cfg, Options{HealthPoll: 10 * time.Millisecond})
	h.eventually("warning in status", func() bool { return strings.Contains(h.status().StoreWarning, "of its 1 MB limit") })
	h.stop()
	s := queuetest.OpenPath(t, cfg.Store.Path, queue.Options{})
	evs, _ := s.Records(0, 100, func(r queue.Record) bool { return r.Event == queue.EventStoreNearFull })
	if len(evs) != 1 {
		t.Fatalf("store_near_full events = %d, want exactly 1 (once per crossing)", len(evs))
	}
}

func TestDaemon_EnrolOffline_EmailCheckedLater(t *testing.T) {
	h := newHarness(t)
	h.zs.SetDown(zeittest.DownClose)
	h.startWith(h.config(""), Options{VerifyPoll: 10 * time.Millisecond})
	enrol := func(email, uid string) EnrollResult {
		t.Helper()
		done := callLater[EnrollResult](h, "enroll", EnrollArgs{Email: email, Timeout: 10})
		h.eventually("enrolment waiting", func() bool { return h.tap(uid, "2026-06-01T06:00:00Z").Result == "enrolled" })
		res := <-done
		if res.err != nil {
			t.Fatalf("enroll %s: %v", email, res.err)
		}
		return res.res
	}
	if r := enrol(maier, "0E000001"); !r.Unverified {
		t.Fatalf("offline enrolment not marked unverified: %+v", r)
	}
	enrol("ghost@example.com", "0E000002")
	h.zs.SetDown(zeittest.Up)
	badges := func() map[string]BadgeInfo {
		var bs []BadgeInfo
		if err := control.Call(context.Background(), h.socket, "badges.list", nil, &bs); err != nil {
			t.Fatal(err)
		}
		m := map[string]BadgeInfo{}
		for _, b := range bs {
			m[b.UID] = b
		}
		return m
	}
	h.eventually("emails checked once the server is back", func() bool {
		m := badges()
		return !m["0E000001"].Unverified && !m["0E000002"].Unverified
	})
	m := badges()
	if m["0E000001"].Problem != "" || !strings.Contains(m["0E000002"].Problem, "not a user") {
		t.Fatalf("after the check: %+v / %+v", m["0E000001"], m["0E000002"])
	}
}

// answer is what a command sent by callLater got back.
type answer[T any] struct {
	res T
	err error
}

// callLater sends cmd to the harness's stampd from a goroutine of its own,
// for a command that waits (an enrolment, a slow source); its answer
// arrives on the channel returned.
func callLater[T any](h *harness, cmd string, args any) <-chan answer[T] {
	got := make(chan answer[T], 1)
	go func() {
		var a answer[T]
		a.err = control.Call(context.Background(), h.socket, cmd, args, &a.res)
		got <- a
	}()
	return got
}
