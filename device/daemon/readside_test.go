package daemon

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stampclock/daytotal"
	"stampclock/daytotal/timesheetstest"
	"stampclock/device/control"
	"stampclock/device/feedback"
	"stampclock/device/feedback/feedbacktest"
	"stampclock/queue"
	"stampclock/uplink/blikk/blikktest"
	"stampclock/uplink/flowtly/flowtlytest"
	"stampclock/uplink/zeiterfassung/zeittest"
)

// secretFile writes a secret into the harness's directory, mode 0600.
func (h *harness) secretFile(name, secret string) string {
	h.t.Helper()
	p := filepath.Join(h.dir, name)
	if err := os.WriteFile(p, []byte(secret+"\n"), 0o600); err != nil {
		h.t.Fatal(err)
	}
	return p
}

// startBlikk serves a fake Blikk with maier as user 12 and huber as 14.
func startBlikk(t *testing.T) (*blikktest.Server, string) {
	t.Helper()
	bs, ts := blikktest.Start(t, blikktest.Options{Users: []blikktest.User{{ID: 12, FirstName: "Anna", LastName: "Maier"}, {ID: 14, FirstName: "Max", LastName: "Huber"}}})
	return bs, ts.URL
}

func (h *harness) blikkSection(url string) string {
	return fmt.Sprintf(`
[blikk]
url = %q
allow_http = true
app_id = %q
app_secret_file = %q
users = { %q = 12, %q = 14 }
activity_id = 1
time_code_id = 1
time_article_id = 1
breaks = [{ after = "6h", break = "30m" }]
timeout = "2s"
`, url, blikktest.DefaultAppID, h.secretFile("blikk.secret", blikktest.DefaultAppSecret), maier, huber)
}

// startFlowtly serves a fake Flowtly with employees emp_102 (maier) and
// emp_103 (huber) and project aurora.
func startFlowtly(t *testing.T) (*flowtlytest.Server, string) {
	t.Helper()
	fs, ts := flowtlytest.Start(t, flowtlytest.Options{Employees: []string{"emp_102", "emp_103"}, Projects: []string{"aurora"}})
	return fs, ts.URL
}

func (h *harness) flowtlySection(url string) string {
	return fmt.Sprintf(`
[flowtly]
url = %q
allow_http = true
token_file = %q
project = "aurora"
employees = { %q = "emp_102", %q = "/api/employees/emp_103" }
timeout = "2s"
`, url, h.secretFile("flowtly.secret", flowtlytest.DefaultToken), maier, huber)
}

func (h *harness) timesheetsSection(url, source string, locks bool) string {
	return fmt.Sprintf(`
[daytotal]
source = %q
[daytotal.timesheets]
url = %q
allow_http = true
token_file = %q
account = %q
people = { %q = "7", %q = "8" }
timeout = "2s"
[locks]
enabled = %v
`, source, url, h.secretFile("ts.secret", timesheetstest.DefaultToken), timesheetstest.DefaultAccount, maier, huber, locks)
}

func blikkLines(rs []blikktest.Report) []string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%d %s %s-%s %v", r.UserID, r.Date, r.ClockStart, r.ClockEnd, r.Hours))
	}
	return out
}

func flowtlyLines(rs []flowtlytest.Record) []string {
	var out []string
	for _, r := range rs {
		d := ""
		if r.Description != nil {
			d = *r.Description
		}
		out = append(out, fmt.Sprintf("%s %s %s %d %s", r.Employee, r.Project, r.Date[:10], r.Seconds, d))
	}
	return out
}

func TestDaemon_Blikk_TapsBecomeTimeReports(t *testing.T) {
	bs, url := startBlikk(t)
	h := newHarness(t)
	h.start(h.config(h.blikkSection(url)))
	h.tap("04A1B2C3", "2026-03-02T07:58:12+01:00")
	h.tap("0455667788AABB", "2026-03-02T08:03:00+01:00")
	h.tap("0455667788AABB", "2026-03-02T12:30:59+01:00")
	h.tap("04A1B2C3", "2026-03-02T16:45:30+01:00")
	h.eventually("both entries on Blikk", func() bool { return uplinkStats(h.status(), "blikk").Delivered == 2 })
	// The other uplink delivers on its own schedule.
	h.eventually("both entries on Zeiterfassung", func() bool { return uplinkStats(h.status(), "zeiterfassung").Delivered == 2 })
	got := strings.Join(blikkLines(bs.Reports()), "\n")
	// maier 07:58-16:45 is 8.78 h, less the 30 min break; huber 4.45 h.
	want := "14 2026-03-02 08:03-12:30 4.45\n12 2026-03-02 07:58-16:45 8.28"
	if got != want {
		t.Fatalf("Blikk reports:\n%s\nwant:\n%s", got, want)
	}
	st := h.status()
	names := []string{}
	for _, u := range st.Uplinks {
		names = append(names, u.Uplink)
	}
	if strings.Join(names, ",") != "zeiterfassung,blikk" {
		t.Fatalf("status uplinks = %v", names)
	}
	if b := uplinkStats(st, "blikk"); b.Pending != 0 || b.Dead != 0 {
		t.Fatalf("blikk queue = %+v", b)
	}
	// Blikk takes entries only: no punches in its pending set. The
	// Zeiterfassung runner drains on its own; wait for it.
	h.eventually("both entries on Zeiterfassung", func() bool { return uplinkStats(h.status(), "zeiterfassung").Delivered == 2 })
}

func TestDaemon_Blikk_OutageAndLostAnswers_EveryEntryOnce(t *testing.T) {
	bs, url := startBlikk(t)
	bs.SetDown(blikktest.DownClose)
	h := newHarness(t)
	h.start(h.config(h.blikkSection(url)))
	day := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := range 6 {
		start := day.Add(time.Duration(i)*24*time.Hour + 7*time.Hour)
		h.tap("04A1B2C3", start.Format(time.RFC3339))
		h.tap("04A1B2C3", start.Add(5*time.Hour).Format(time.RFC3339))
	}
	h.eventually("blikk backing off", func() bool {
		for _, u := range h.status().Uplinks {
			if u.Uplink == "blikk" && u.Failures > 0 {
				return true
			}
		}
		return false
	})
	if n := len(bs.Reports()); n != 0 {
		t.Fatalf("%d reports while down", n)
	}
	// Back up, but the first three stored reports' answers are lost.
	bs.DropAfterStore(3)
	bs.SetDown(blikktest.Up)
	h.eventually("six entries on Blikk", func() bool { return uplinkStats(h.status(), "blikk").Delivered == 6 })
	if d := bs.Duplicates(); len(d) != 0 {
		t.Fatalf("duplicates on Blikk: %v", blikkLines(d))
	}
	// Three answers lost: three reconciling look-ups, nothing stored twice,
	// and the client kept to the rate limit throughout.
	if s := bs.Requests(); s.Stored != 6 || s.Queries < 3 || s.RateLimited != 0 {
		t.Fatalf("Blikk stats = %+v", s)
	}
	rs := bs.Reports()
	if len(rs) != 6 {
		t.Fatalf("Blikk has %d reports: %v", len(rs), blikkLines(rs))
	}
	for i, r := range rs {
		if want := day.AddDate(0, 0, i).Format("2006-01-02"); r.Date[:10] != want || r.ClockStart != "09:00" || r.Hours != 5 {
			t.Fatalf("report %d = %v, want %s 09:00, 5 h, in order", i, blikkLines(rs[i:i+1]), want)
		}
	}
}

func TestDaemon_Flowtly_TapsBecomeWorkTimes(t *testing.T) {
	fs, url := startFlowtly(t)
	h := newHarness(t)
	h.start(h.config(h.flowtlySection(url)))
	h.tap("04A1B2C3", "2026-03-02T07:58:12+01:00")
	h.tap("0455667788AABB", "2026-03-02T22:00:00+01:00")
	h.tap("04A1B2C3", "2026-03-02T16:45:30+01:00")
	h.tap("0455667788AABB", "2026-03-03T06:00:00+01:00") // night shift: two days
	h.eventually("both entries on Flowtly", func() bool { return uplinkStats(h.status(), "flowtly").Delivered == 2 })
	got := strings.Join(flowtlyLines(fs.Records()), "\n")
	want := strings.Join([]string{
		"/api/employees/emp_102 /api/projects/aurora 2026-03-02 31638 Stampclock 07:58-16:45",
		"/api/employees/emp_103 /api/projects/aurora 2026-03-02 7200 Stampclock 22:00-24:00",
		"/api/employees/emp_103 /api/projects/aurora 2026-03-03 21600 Stampclock 00:00-06:00",
	}, "\n")
	if got != want {
		t.Fatalf("Flowtly records:\n%s\nwant:\n%s", got, want)
	}
}

func TestDaemon_Flowtly_OutageAndLostAnswers_EveryEntryOnce(t *testing.T) {
	fs, url := startFlowtly(t)
	fs.SetDown(flowtlytest.Down503)
	h := newHarness(t)
	h.start(h.config(h.flowtlySection(url)))
	day := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		start := day.Add(time.Duration(i)*24*time.Hour + 7*time.Hour)
		h.tap("04A1B2C3", start.Format(time.RFC3339))
		h.tap("04A1B2C3", start.Add(8*time.Hour).Format(time.RFC3339))
	}
	h.eventually("flowtly has tried", func() bool { return uplinkStats(h.status(), "flowtly").LastError != "" })
	fs.DropAfterStore(2)
	fs.SetDown(flowtlytest.Up)
	h.eventually("five entries on Flowtly", func() bool { return uplinkStats(h.status(), "flowtly").Delivered == 5 })
	if d := fs.Duplicates(); len(d) != 0 {
		t.Fatalf("duplicates on Flowtly: %v", flowtlyLines(d))
	}
	if s := fs.Requests(); s.Stored != 5 || s.Lists < 2 {
		t.Fatalf("Flowtly stats = %+v", s)
	}
	if rs := fs.Records(); len(rs) != 5 {
		t.Fatalf("Flowtly has %d records: %v", len(rs), flowtlyLines(rs))
	}
}

func TestDaemon_ThreeUplinks_EachOwnPendingSet(t *testing.T) {
	bs, burl := startBlikk(t)
	fs, furl := startFlowtly(t)
	h := newHarness(t)
	h.zs.SetDown(zeittest.DownClose)
	fs.SetDown(flowtlytest.DownClose)
	h.start(h.config(h.blikkSection(burl) + h.flowtlySection(furl)))
	h.tap("04A1B2C3", "2026-03-02T07:58:12+01:00")
	h.tap("04A1B2C3", "2026-03-02T16:45:30+01:00")
	h.tap("04A1B2C3", "2026-03-03T08:00:00+01:00")
	h.tap("04A1B2C3", "2026-03-03T12:00:00+01:00")
	h.eventually("Blikk delivered while the others are down", func() bool { return uplinkStats(h.status(), "blikk").Delivered == 2 })
	st := h.status()
	for _, name := range []string{"zeiterfassung", "flowtly"} {
		if u := uplinkStats(st, name); u.Pending != 2 || u.Delivered != 0 {
			t.Fatalf("%s = %+v, want both entries pending", name, u)
		}
	}
	if len(bs.Reports()) != 2 || len(h.zs.Entries()) != 0 || len(fs.Records()) != 0 {
		t.Fatalf("blikk %d, zeiterfassung %d, flowtly %d", len(bs.Reports()), len(h.zs.Entries()), len(fs.Records()))
	}
	h.zs.SetDown(zeittest.Up)
	fs.SetDown(flowtlytest.Up)
	h.eventually("all three delivered", func() bool {
		st := h.status()
		return uplinkStats(st, "zeiterfassung").Delivered == 2 && uplinkStats(st, "flowtly").Delivered == 2
	})
	if len(bs.Reports()) != 2 || len(h.zs.Entries()) != 2 || len(fs.Records()) != 2 {
		t.Fatalf("blikk %d, zeiterfassung %d, flowtly %d", len(bs.Reports()), len(h.zs.Entries()), len(fs.Records()))
	}
}

func heldItems(t *testing.T, h *harness, uplink string) []queue.Item {
	t.Helper()
	var items []queue.Item
	if err := control.Call(context.Background(), h.socket, "queue.list", ListArgs{Uplink: uplink, State: "held"}, &items); err != nil {
		t.Fatal(err)
	}
	return items
}

func TestDaemon_LockedDay_HeldWithReasonThenReleasedAfterUnlock(t *testing.T) {
	ts, hs := timesheetstest.Start(t, timesheetstest.Options{People: map[int]string{7: "Anna Maier", 8: "Max Huber"}})
	tsURL := hs.URL + timesheetstest.APIPrefix
	ts.Lock(7, "2026-03-02", true)
	bs, burl := startBlikk(t)
	h := newHarness(t)
	h.start(h.config(h.blikkSection(burl) + h.timesheetsSection(tsURL, "local", true)))
	h.tap("04A1B2C3", "2026-03-02T08:00:00+01:00")       // maier, locked day
	h.tap("0455667788AABB", "2026-03-02T08:30:00+01:00") // huber, not locked
	h.tap("04A1B2C3", "2026-03-02T16:00:00+01:00")
	h.tap("0455667788AABB", "2026-03-02T16:30:00+01:00")
	h.eventually("huber delivered to both", func() bool {
		st := h.status()
		return uplinkStats(st, "zeiterfassung").Delivered == 1 && uplinkStats(st, "blikk").Delivered == 1
	})
	st := h.status()
	if st.QueueDepth.Held != 2 || uplinkStats(st, "zeiterfassung").Held != 1 || uplinkStats(st, "blikk").Held != 1 {
		t.Fatalf("held: total %d, %+v", st.QueueDepth.Held, st.Queue.Uplinks)
	}
	for _, up := range []string{"zeiterfassung", "blikk"} {
		items := heldItems(t, h, up)
		if len(items) != 1 || items[0].Record.Email != maier ||
			!strings.Contains(items[0].Msg, "2026-03-02 is locked in the timesheets for "+maier) {
			t.Fatalf("%s held = %+v", up, items)
		}
		// Issue 17: the reason is said once ("hold: X", not
		// "hold: X: daytotal: entry 9 held: X").
		if n := strings.Count(items[0].Msg, "is locked in the timesheets"); n != 1 {
			t.Fatalf("%s held reason repeats itself: %q", up, items[0].Msg)
		}
	}
	if es := h.zs.Entries(); len(es) != 1 || es[0].UserEmail != huber || len(bs.Reports()) != 1 {
		t.Fatalf("sent: zeiterfassung %v, blikk %v", entryLines(es), blikkLines(bs.Reports()))
	}
	// Released while still locked: held again, not sent.
	var rel ReleaseResult
	if err := control.Call(context.Background(), h.socket, "queue.release", ReleaseArgs{Uplink: "blikk"}, &rel); err != nil || rel.Released != 1 {
		t.Fatalf("release: %+v, %v", rel, err)
	}
	h.eventually("held again", func() bool { return len(heldItems(t, h, "blikk")) == 1 })
	if len(bs.Reports()) != 1 {
		t.Fatalf("sent to Blikk while locked: %v", blikkLines(bs.Reports()))
	}
	// Unlocked, then released (every uplink): delivered.
	ts.Lock(7, "2026-03-02", false)
	if err := control.Call(context.Background(), h.socket, "queue.release", ReleaseArgs{}, &rel); err != nil || rel.Released != 2 {
		t.Fatalf("release: %+v, %v", rel, err)
	}
	h.eventually("maier delivered after unlock", func() bool {
		st := h.status()
		return uplinkStats(st, "zeiterfassung").Delivered == 2 && uplinkStats(st, "blikk").Delivered == 2 && st.QueueDepth.Held == 0
	})
	if err := control.Call(context.Background(), h.socket, "queue.release", ReleaseArgs{Uplink: "nope"}, nil); err == nil || !strings.Contains(err.Error(), `no uplink "nope"`) {
		t.Fatalf("release of an unknown uplink: %v", err)
	}
}

func TestDaemon_LocksUnknown_EntryWaitsNotSent(t *testing.T) {
	ts, hs := timesheetstest.Start(t, timesheetstest.Options{People: map[int]string{7: "Anna Maier", 8: "Max Huber"}})
	tsURL := hs.URL + timesheetstest.APIPrefix
	ts.SetDown(timesheetstest.DownClose)
	h := newHarness(t)
	h.start(h.config(h.timesheetsSection(tsURL, "local", true)))
	h.tap("04A1B2C3", "2026-03-02T08:00:00+01:00")
	h.tap("04A1B2C3", "2026-03-02T16:00:00+01:00")
	h.eventually("lookup failure in status", func() bool {
		return strings.Contains(uplinkStats(h.status(), "zeiterfassung").LastError, "locked days unknown")
	})
	st := h.status()
	if z := uplinkStats(st, "zeiterfassung"); z.Pending != 1 || z.Held != 0 || len(h.zs.Entries()) != 0 {
		t.Fatalf("zeiterfassung = %+v, %d sent", z, len(h.zs.Entries()))
	}
	ts.SetDown(timesheetstest.Up)
	h.eventually("delivered once the locks are known", func() bool { return uplinkStats(h.status(), "zeiterfassung").Delivered == 1 })
}

func TestDaemon_LocksWithoutPersonID_HeldDoesNotBlockOthers(t *testing.T) {
	_, hs := timesheetstest.Start(t, timesheetstest.Options{People: map[int]string{7: "Anna Maier"}})
	tsURL := hs.URL + timesheetstest.APIPrefix
	h := newHarness(t)
	cfg := h.config(h.timesheetsSection(tsURL, "local", true))
	delete(cfg.DayTotal.Timesheets.People, huber)
	h.start(cfg)
	h.tap("0455667788AABB", "2026-03-02T08:00:00+01:00") // huber: no person_id
	h.tap("0455667788AABB", "2026-03-02T12:00:00+01:00")
	h.tap("04A1B2C3", "2026-03-02T13:00:00+01:00")
	h.tap("04A1B2C3", "2026-03-02T17:00:00+01:00")
	h.eventually("maier delivered behind the held entry", func() bool { return uplinkStats(h.status(), "zeiterfassung").Delivered == 1 })
	items := heldItems(t, h, "zeiterfassung")
	if len(items) != 1 || items[0].Record.Email != huber || !strings.Contains(items[0].Msg, "no person_id") {
		t.Fatalf("held = %+v", items)
	}
}

// stopEvent waits for the feedback of email's n-th stop.
func stopEvent(t *testing.T, h *harness, rec *feedbacktest.Recorder, email string, n int) feedback.Event {
	t.Helper()
	var ev feedback.Event
	h.eventually(fmt.Sprintf("stop %d of %s shown", n, email), func() bool {
		i := 0
		for _, e := range rec.Events() {
			if e.Kind == feedback.StopOK && e.Email == email {
				if i++; i == n {
					ev = e
					return true
				}
			}
		}
		return false
	})
	return ev
}

func dayTotal(t *testing.T, h *harness, email, date string) DayTotalResult {
	t.Helper()
	var res DayTotalResult
	if err := control.Call(context.Background(), h.socket, "daytotal", DayTotalArgs{Email: email, Date: date}, &res); err != nil {
		t.Fatal(err)
	}
	return res
}

func TestDaemon_DayTotalLocal_AfterStopAndByCommand(t *testing.T) {
	h := newHarness(t)
	rec := feedbacktest.NewRecorder()
	h.startWith(h.config(""), Options{Feedback: rec})
	h.tap("04A1B2C3", "2026-03-01T22:00:00+01:00") // night shift: 2 h on the 2nd
	h.tap("04A1B2C3", "2026-03-02T02:00:00+01:00")
	if ev := stopEvent(t, h, rec, maier, 1); ev.DayTotal != 2*time.Hour {
		t.Fatalf("first stop: day total %v, want 2h", ev.DayTotal)
	}
	h.tap("04A1B2C3", "2026-03-02T08:00:00+01:00")
	h.tap("04A1B2C3", "2026-03-02T12:15:00+01:00")
	if ev := stopEvent(t, h, rec, maier, 2); ev.DayTotal != 6*time.Hour+15*time.Minute {
		t.Fatalf("second stop: day total %v, want 6h15m", ev.DayTotal)
	}
	for _, e := range rec.Events() {
		if e.Kind != feedback.StopOK && e.DayTotal != 0 {
			t.Fatalf("day total on a %s: %+v", e.Kind, e)
		}
	}
	if res := dayTotal(t, h, maier, "2026-03-02"); res.Seconds != int64((6*time.Hour+15*time.Minute)/time.Second) || res.Source != "local" || res.LocalSeconds != nil {
		t.Fatalf("daytotal = %+v", res)
	}
	if res := dayTotal(t, h, maier, "2026-03-01"); res.Seconds != 7200 || res.Date != "2026-03-01" {
		t.Fatalf("daytotal of the 1st = %+v", res)
	}
	if res := dayTotal(t, h, huber, "2026-03-02"); res.Seconds != 0 {
		t.Fatalf("daytotal of huber = %+v", res)
	}
	for _, a := range []DayTotalArgs{{Email: "nobody"}, {Email: maier, Date: "02.03.2026"}} {
		if err := control.Call(context.Background(), h.socket, "daytotal", a, nil); err == nil {
			t.Fatalf("daytotal %+v: no error", a)
		}
	}
}

// slowAnswers serves h and holds every answer for d after h has handled
// the request (and counted it).
func slowAnswers(t *testing.T, h http.Handler, d time.Duration) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		time.Sleep(d)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestDaemon_DayTotalRemote_CachedNeverDelaysTheTap(t *testing.T) {
	ts := timesheetstest.New(timesheetstest.Options{People: map[int]string{7: "Anna Maier", 8: "Max Huber"}})
	ts.AddTime(7, "2026-03-02", 300)
	h := newHarness(t)
	rec := feedbacktest.NewRecorder()
	// Answers arrive 50 ms after the server counted the request: the test
	// must wait for the figure in the daemon's cache, not for the request.
	h.startWith(h.config(h.timesheetsSection(slowAnswers(t, ts.Handler(), 50*time.Millisecond)+"/v1", "timesheets", false)), Options{Feedback: rec})
	h.tap("04A1B2C3", "2026-03-02T08:00:00+01:00")
	h.tap("04A1B2C3", "2026-03-02T09:00:00+01:00")
	if ev := stopEvent(t, h, rec, maier, 1); ev.DayTotal != 0 {
		t.Fatalf("first stop: %v; nothing fetched yet, want none", ev.DayTotal)
	}
	day, err := daytotal.ParseDate("2026-03-02")
	if err != nil {
		t.Fatal(err)
	}
	h.eventually("the fetched total in the cache", func() bool {
		v, ok := h.d.reads.remote.peek(maier, day)
		return ok && v == 5*time.Hour
	})
	h.tap("04A1B2C3", "2026-03-02T10:00:00+01:00")
	h.tap("04A1B2C3", "2026-03-02T11:00:00+01:00")
	if ev := stopEvent(t, h, rec, maier, 2); ev.DayTotal != 5*time.Hour {
		t.Fatalf("second stop: %v, want the fetched 5h", ev.DayTotal)
	}
	res := dayTotal(t, h, maier, "2026-03-02")
	if res.Source != "timesheets" || res.Seconds != 5*3600 || res.LocalSeconds == nil || *res.LocalSeconds != 2*3600 {
		t.Fatalf("daytotal = %+v", res)
	}
}

func TestDaemon_DayTotalRemoteHangs_TapAnswersAtOnce(t *testing.T) {
	slow := hangingServer(t)
	h := newHarness(t)
	rec := feedbacktest.NewRecorder()
	h.startWith(h.config(h.timesheetsSection(slow.URL+"/v1", "timesheets", false)), Options{Feedback: rec})
	h.tap("04A1B2C3", "2026-03-02T08:00:00+01:00")
	start := time.Now()
	if res := h.tap("04A1B2C3", "2026-03-02T09:00:00+01:00"); res.Result != "stop_ok" {
		t.Fatalf("stop = %+v", res)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("the stop took %v with a hanging day-total source", d)
	}
	if ev := stopEvent(t, h, rec, maier, 1); ev.DayTotal != 0 {
		t.Fatalf("day total %v from a source that never answered", ev.DayTotal)
	}
}

// Issue 17: `stampctl daytotal` waited its whole timeout (10 s) when the
// remote source hung. It answers after a short wait with the cached or
// local figure and says the source is not answering.
func TestDaemon_DayTotalCommand_SourceHangs_LocalFigureAtOnce(t *testing.T) {
	slow := hangingServer(t)
	h := newHarness(t)
	section := strings.Replace(h.timesheetsSection(slow.URL+"/v1", "timesheets", false), `timeout = "2s"`, `timeout = "10s"`, 1)
	h.start(h.config(section))
	h.tap("04A1B2C3", "2026-03-02T08:00:00+01:00")
	h.tap("04A1B2C3", "2026-03-02T09:00:00+01:00")
	start := time.Now()
	res := dayTotal(t, h, maier, "2026-03-02")
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("daytotal took %v with a hanging source (timeout 10s)", d)
	}
	if res.Source != "local" || res.Seconds != 3600 || !strings.Contains(res.Note, "timesheets is not answering") {
		t.Fatalf("daytotal = %+v; want the local 1:00 h and a note", res)
	}
}

// hangingServer answers no request until the client gives up or the test
// ends: a day-total source that hangs.
func hangingServer(t *testing.T) *httptest.Server {
	t.Helper()
	hang := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(hang) })
	return slow
}
