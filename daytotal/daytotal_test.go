package daytotal_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"stampclock/daytotal"
	"stampclock/daytotal/clockodotest"
	"stampclock/daytotal/timesheetstest"
	"stampclock/queue"
	"stampclock/queue/queuetest"
	"stampclock/uplink"
)

var berlin = mustLoad("Europe/Berlin")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func day(s string) daytotal.Date {
	d, err := daytotal.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func entry(seq uint64, email, start, end string) queue.Record {
	return queue.Record{Seq: seq, Kind: queue.KindEntry, Email: email, Start: at(start), End: at(end), At: at(end)}
}

// fakeEntries lists the entries of a slice, as queue.Store.Entries does.
type fakeEntries []queue.Record

func (f fakeEntries) Entries(email string, from, to time.Time) ([]queue.Record, error) {
	var out []queue.Record
	for _, r := range f {
		if r.Kind == queue.KindEntry && strings.EqualFold(r.Email, email) && r.Start.Before(to) && r.End.After(from) {
			out = append(out, r)
		}
	}
	return out, nil
}

// openStore returns a queue with recs appended in the order given.
func openStore(t *testing.T, recs ...queue.Record) *queue.Store {
	t.Helper()
	s := queuetest.Open(t, queue.Options{})
	if _, err := s.Update(func(tx *queue.Tx) error {
		for _, r := range recs {
			if _, err := tx.Append(r); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLocal_SumsOverlapPerDay(t *testing.T) {
	var q []queue.Record
	q = append(q,
		entry(1, "anna@example.com", "2026-03-02 08:00", "2026-03-02 12:00"),
		entry(2, "Anna@Example.com", "2026-03-02 13:00", "2026-03-02 17:30"),
		entry(3, "anna@example.com", "2026-03-02 22:00", "2026-03-03 02:00"), // 2h on each day
		entry(4, "bo@example.com", "2026-03-02 08:00", "2026-03-02 16:00"),
		queue.Record{Seq: 5, Kind: queue.KindPunch, Email: "anna@example.com", At: at("2026-03-02 09:00")},
	)
	for i := range 1000 { // more than a page of other records
		q = append(q, queue.Record{Seq: uint64(10 + i), Kind: queue.KindEvent, At: at("2026-03-03 07:00")})
	}
	q = append(q, entry(2000, "anna@example.com", "2026-03-03 08:00", "2026-03-03 09:00"))
	l, err := daytotal.NewLocal(openStore(t, q...), berlin)
	if err != nil {
		t.Fatal(err)
	}
	for d, want := range map[string]time.Duration{
		"2026-03-02": 10*time.Hour + 30*time.Minute,
		"2026-03-03": 3 * time.Hour,
		"2026-03-04": 0,
	} {
		got, err := l.DayTotal(context.Background(), "anna@example.com", day(d))
		if err != nil || got != want {
			t.Errorf("%s: %v, %v; want %v", d, got, err, want)
		}
	}
}

// Issue 17 item 5: the local day total went to 0:00 h when taps were not
// written in time order (taps with --at, a clock stepped back): the walk
// newest first stopped at the first record older than the day minus 48 h.
// Every entry of the day counts, whatever order the records were written in.
func TestLocal_EntriesOutOfTimeOrder(t *testing.T) {
	q := []queue.Record{
		entry(0, "anna@example.com", "2026-03-09 08:00", "2026-03-09 12:00"),
		// Then a forgotten shift of a week before, tapped in with --at.
		entry(0, "anna@example.com", "2026-03-02 08:00", "2026-03-02 16:00"),
		// A clock stepped back a year and stepped forward again.
		entry(0, "bo@example.com", "2025-03-09 08:00", "2025-03-09 09:00"),
		entry(0, "anna@example.com", "2026-03-09 13:00", "2026-03-09 14:30"),
		queue.Record{Kind: queue.KindEvent, At: at("2025-01-01 00:00")},
	}
	l, err := daytotal.NewLocal(openStore(t, q...), berlin)
	if err != nil {
		t.Fatal(err)
	}
	for d, want := range map[string]time.Duration{
		"2026-03-09": 5*time.Hour + 30*time.Minute,
		"2026-03-02": 8 * time.Hour,
	} {
		got, err := l.DayTotal(context.Background(), "anna@example.com", day(d))
		if err != nil || got != want {
			t.Errorf("%s: %v, %v; want %v", d, got, err, want)
		}
	}
}

func TestLocal_DSTDay(t *testing.T) {
	// 2026-03-29 has 23 hours in Berlin.
	recs := []queue.Record{entry(1, "a@x", "2026-03-28 12:00", "2026-03-30 12:00")}
	if got := daytotal.Sum(recs, "a@x", day("2026-03-29"), berlin); got != 23*time.Hour {
		t.Errorf("got %v, want 23h", got)
	}
}

func timesheets(t *testing.T, now *time.Time) (*timesheetstest.Server, *daytotal.Timesheets) {
	t.Helper()
	srv, hs := timesheetstest.Start(t, timesheetstest.Options{People: map[int]string{77: "Luis Thomas"}})
	url := hs.URL + timesheetstest.APIPrefix
	o := daytotal.TimesheetsOptions{
		BaseURL: url, Token: timesheetstest.DefaultToken, Account: timesheetstest.DefaultAccount,
		OrganizationID: "44", People: map[string]string{"luis@example.com": "77", "ghost@example.com": "99"},
		Location: berlin, LockTTL: time.Minute, Timeout: time.Second,
	}
	if now != nil {
		o.Now = func() time.Time { return *now }
	}
	ts, err := daytotal.NewTimesheets(o)
	if err != nil {
		t.Fatal(err)
	}
	return srv, ts
}

func TestTimesheets_DayTotal(t *testing.T) {
	srv, ts := timesheets(t, nil)
	srv.AddTime(77, "2026-03-02", 480)
	srv.AddTime(77, "2026-03-02", 25)
	got, err := ts.DayTotal(context.Background(), "Luis@example.com", day("2026-03-02"))
	if err != nil || got != 505*time.Minute {
		t.Errorf("got %v, %v", got, err)
	}
	if got, err := ts.DayTotal(context.Background(), "luis@example.com", day("2026-03-03")); err != nil || got != 0 {
		t.Errorf("empty day: %v, %v", got, err)
	}
	if _, err := ts.DayTotal(context.Background(), "nobody@example.com", day("2026-03-03")); !errors.Is(err, daytotal.ErrUnknownPerson) {
		t.Errorf("unknown email: %v", err)
	}
	_, err = ts.DayTotal(context.Background(), "ghost@example.com", day("2026-03-03"))
	if ue := classOf(t, err); ue.Class != uplink.Permanent || ue.Status != 404 {
		t.Errorf("unknown person: %v", err)
	}
	srv.FailNext(1, timesheetstest.Fault{Status: 503, RetryAfter: "4"})
	_, err = ts.DayTotal(context.Background(), "luis@example.com", day("2026-03-02"))
	if ue := classOf(t, err); ue.Class != uplink.Retry || ue.RetryAfter != 4*time.Second {
		t.Errorf("503: %v", err)
	}
	srv.SetDown(timesheetstest.DownClose)
	_, err = ts.DayTotal(context.Background(), "luis@example.com", day("2026-03-02"))
	if ue := classOf(t, err); ue.Class != uplink.Retry {
		t.Errorf("down: %v", err)
	}
}

func TestTimesheets_WrongCredentials_Retry(t *testing.T) {
	_, hs := timesheetstest.Start(t, timesheetstest.Options{People: map[int]string{77: "L"}})
	url := hs.URL + timesheetstest.APIPrefix
	ts, err := daytotal.NewTimesheets(daytotal.TimesheetsOptions{BaseURL: url, Token: "wrong-secret", Account: "pro-product",
		People: map[string]string{"luis@example.com": "77"}, Location: berlin})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ts.DayTotal(context.Background(), "luis@example.com", day("2026-03-02"))
	ue := classOf(t, err)
	if ue.Class != uplink.Retry || ue.Status != 401 {
		t.Errorf("%v", err)
	}
	if contains(err.Error(), "wrong-secret") {
		t.Error("token in error")
	}
}

func TestTimesheets_LockedDays_CachedPerMonth(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	srv, ts := timesheets(t, &now)
	srv.Lock(77, "2026-02-27", true)
	srv.Lock(77, "2026-03-02", true)
	got, err := ts.LockedDays(context.Background(), "luis@example.com", day("2026-02-26"), day("2026-03-05"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != day("2026-02-27") || got[1] != day("2026-03-02") {
		t.Errorf("locked %v", got)
	}
	if n := srv.Requests().Timesheets; n != 2 {
		t.Errorf("%d timesheet reads, want 2 (two months)", n)
	}
	srv.Lock(77, "2026-03-03", true)
	got, _ = ts.LockedDays(context.Background(), "luis@example.com", day("2026-03-01"), day("2026-03-31"))
	if len(got) != 1 || srv.Requests().Timesheets != 2 {
		t.Errorf("cached: %v after %d reads", got, srv.Requests().Timesheets)
	}
	now = now.Add(2 * time.Minute) // past the TTL
	got, _ = ts.LockedDays(context.Background(), "luis@example.com", day("2026-03-01"), day("2026-03-31"))
	if len(got) != 2 || srv.Requests().Timesheets != 3 {
		t.Errorf("refreshed: %v after %d reads", got, srv.Requests().Timesheets)
	}
	// A failure is not cached.
	now = now.Add(2 * time.Minute)
	srv.FailNext(1, timesheetstest.Fault{Status: 500})
	if _, err := ts.LockedDays(context.Background(), "luis@example.com", day("2026-03-01"), day("2026-03-01")); err == nil {
		t.Error("no error from a 500")
	}
	if _, err := ts.LockedDays(context.Background(), "luis@example.com", day("2026-03-01"), day("2026-03-01")); err != nil {
		t.Errorf("after the failure: %v", err)
	}
}

func TestParseLockedDays(t *testing.T) {
	got, err := daytotal.ParseLockedDays([]byte(`{"person":{"id":77},"locked":false,"locked_days":"11111110000000000000000000000"}`), 29)
	if err != nil || !got[6] || got[7] {
		t.Errorf("%v %v", got, err)
	}
	got, err = daytotal.ParseLockedDays([]byte(`[{"locked_days":"100"},{"locked_days":"001"}]`), 3)
	if err != nil || !got[0] || got[1] || !got[2] {
		t.Errorf("array: %v %v", got, err)
	}
	for _, bad := range []string{`{"locked_days":"1111"}`, `{"locked_days":"1x1"}`, `{}`, `[`, `"x"`} {
		if _, err := daytotal.ParseLockedDays([]byte(bad), 3); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestParseDayTotals(t *testing.T) {
	got, err := daytotal.ParseDayTotals([]byte(`{"2016-02-15":"480","2016-02-16":25,"...":"..."}`))
	if err != nil || got["2016-02-15"] != 8*time.Hour || got["2016-02-16"] != 25*time.Minute || len(got) != 2 {
		t.Errorf("%v %v", got, err)
	}
	if _, err := daytotal.ParseDayTotals([]byte(`{"2016-02-15":"many"}`)); err == nil {
		t.Error("no error for a word")
	}
}

func clockodo(t *testing.T, app string) (*clockodotest.Server, *daytotal.Clockodo) {
	t.Helper()
	return clockodoReading(t, app, clockodotest.RangeStart)
}

func clockodoReading(t *testing.T, app string, rng clockodotest.Range) (*clockodotest.Server, *daytotal.Clockodo) {
	t.Helper()
	srv, hs := clockodotest.Start(t, clockodotest.Options{Location: berlin, Range: rng})
	url := hs.URL
	c, err := daytotal.NewClockodo(daytotal.ClockodoOptions{BaseURL: url, APIUser: clockodotest.DefaultUser, APIKey: clockodotest.DefaultKey,
		ExternalApplication: app, Users: map[string]int{"anna@example.com": 98070}, Location: berlin, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// wall is a Berlin wall-clock time.
func wall(s string) time.Time { return at(s) }

// Issue 17 item 12: the document gives time_until only as
// "YYYY-MM-DD HH:MM:SS". Sent as "D 23:59:59", a clockodo that takes it as
// an exact end showed an entry 23:30–00:00 as 0:29 h. The day total is the
// same under every reading of the range, also on the days summer time
// begins (23 h) and ends (25 h).
func TestClockodo_DayTotal_SameUnderEveryReadingOfTheRange(t *testing.T) {
	for name, rng := range map[string]clockodotest.Range{"start in range": clockodotest.RangeStart, "exact end": clockodotest.RangeClip} {
		t.Run(name, func(t *testing.T) {
			srv, c := clockodoReading(t, "stampclock;ops@example.com", rng)
			srv.Add(clockodotest.Entry{UsersID: 98070, Start: wall("2026-03-02 23:30"), End: wall("2026-03-03 00:00")})
			srv.Add(clockodotest.Entry{UsersID: 98070, Start: wall("2026-03-03 00:00"), End: wall("2026-03-03 01:00")})
			// Whole days of 23 and 25 hours.
			srv.Add(clockodotest.Entry{UsersID: 98070, Start: wall("2026-03-29 00:00"), End: wall("2026-03-30 00:00")})
			srv.Add(clockodotest.Entry{UsersID: 98070, Start: wall("2026-10-25 00:00"), End: wall("2026-10-26 00:00")})
			for d, want := range map[string]time.Duration{
				"2026-03-02": 30 * time.Minute,
				"2026-03-03": time.Hour,
				"2026-03-29": 23 * time.Hour,
				"2026-10-25": 25 * time.Hour,
			} {
				got, err := c.DayTotal(context.Background(), "anna@example.com", day(d))
				if err != nil || got != want {
					t.Errorf("%s: %v, %v; want %v", d, got, err, want)
				}
			}
		})
	}
}

// The strict fake reads times in the account's zone and refuses one the
// zone skips, so a client sending UTC or a skipped hour is caught.
func TestClockodoFake_ZoneAndSkippedHour(t *testing.T) {
	srv, hs := clockodotest.Start(t, clockodotest.Options{Location: berlin})
	url := hs.URL
	srv.Add(clockodotest.Entry{UsersID: 1, Start: wall("2026-03-02 00:30"), End: wall("2026-03-02 01:30")})
	get := func(since, until string) (int, string) {
		q := "time_since=" + strings.ReplaceAll(since, " ", "+") + "&time_until=" + strings.ReplaceAll(until, " ", "+") + "&grouping[]=users_id"
		req, _ := http.NewRequest("GET", url+"/api/entrygroups?"+q, nil)
		req.Header.Set("X-ClockodoApiUser", clockodotest.DefaultUser)
		req.Header.Set("X-ClockodoApiKey", clockodotest.DefaultKey)
		req.Header.Set("X-Clockodo-External-Application", "t;t@example.com")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("2026-03-29 02:30:00", "2026-03-29 03:30:00"); code != 400 || !strings.Contains(body, "does not exist in Europe/Berlin") {
		t.Errorf("skipped hour: %d %s", code, body)
	}
	// 00:30 Berlin is 23:30 UTC the day before: a UTC day misses it.
	if code, body := get("2026-03-02 00:00:00", "2026-03-03 00:00:00"); code != 200 || !strings.Contains(body, `"duration":3600`) {
		t.Errorf("Berlin day: %d %s", code, body)
	}
}

func TestClockodo_DayTotal(t *testing.T) {
	srv, c := clockodo(t, "stampclock;ops@example.com")
	srv.Add(clockodotest.Entry{UsersID: 98070, Start: wall("2026-03-02 08:00"), End: wall("2026-03-02 12:00")})
	srv.Add(clockodotest.Entry{UsersID: 98070, ProjectsID: 3, Start: wall("2026-03-02 13:00"), End: wall("2026-03-02 13:45")})
	srv.Add(clockodotest.Entry{UsersID: 98070, Start: wall("2026-03-03 08:00"), End: wall("2026-03-03 09:00")})
	srv.Add(clockodotest.Entry{UsersID: 5, Start: wall("2026-03-02 08:00"), End: wall("2026-03-02 18:00")})
	got, err := c.DayTotal(context.Background(), "anna@example.com", day("2026-03-02"))
	if err != nil || got != 4*time.Hour+45*time.Minute {
		t.Errorf("got %v, %v", got, err)
	}
	if got, err := c.DayTotal(context.Background(), "anna@example.com", day("2026-03-04")); err != nil || got != 0 {
		t.Errorf("empty day: %v, %v", got, err)
	}
	if _, err := c.DayTotal(context.Background(), "x@example.com", day("2026-03-04")); !errors.Is(err, daytotal.ErrUnknownPerson) {
		t.Errorf("unknown: %v", err)
	}
	srv.FailNext(1, clockodotest.Fault{Status: 429})
	_, err = c.DayTotal(context.Background(), "anna@example.com", day("2026-03-02"))
	if ue := classOf(t, err); ue.Class != uplink.Retry || ue.Status != 429 {
		t.Errorf("429: %v", err)
	}
	srv.SetDown(clockodotest.DownClose)
	_, err = c.DayTotal(context.Background(), "anna@example.com", day("2026-03-02"))
	if ue := classOf(t, err); ue.Class != uplink.Retry {
		t.Errorf("down: %v", err)
	}
}

func TestClockodo_Headers(t *testing.T) {
	if _, err := daytotal.NewClockodo(daytotal.ClockodoOptions{APIUser: "u", APIKey: "k", ExternalApplication: "no-semicolon", Location: berlin}); err == nil {
		t.Error("NewClockodo accepted an application without contact")
	}
	_, hs := clockodotest.Start(t, clockodotest.Options{})
	url := hs.URL
	c, err := daytotal.NewClockodo(daytotal.ClockodoOptions{BaseURL: url, APIUser: clockodotest.DefaultUser, APIKey: "wrong-key",
		ExternalApplication: "stampclock;ops@example.com", Users: map[string]int{"a@x": 1}, Location: berlin})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DayTotal(context.Background(), "a@x", day("2026-03-02"))
	if ue := classOf(t, err); ue.Class != uplink.Retry || ue.Status != 401 || !contains(ue.Msg, "Authentication failed") {
		t.Errorf("%v", err)
	}
	if contains(err.Error(), "wrong-key") {
		t.Error("key in error")
	}
}

func TestParseEntryGroups_ObjectForm(t *testing.T) {
	g, err := daytotal.ParseEntryGroups([]byte(`{"groups":{"a":{"groupedBy":"users_id","group":7,"duration":60,"sub_groups":[{"groupedBy":"day","group":"2026-03-02","duration":60}]}}}`))
	if err != nil || len(g) != 1 || g[0].Group != "7" || len(g[0].SubGroups) != 1 {
		t.Errorf("%+v %v", g, err)
	}
	if _, err := daytotal.ParseEntryGroups([]byte(`{"groups":[{"groupedBy":"day","group":"x"}]}`)); err == nil {
		t.Error("no error without duration")
	}
}

// lockFunc is a LockSource from a function.
type lockFunc func(ctx context.Context, email string, from, to daytotal.Date) ([]daytotal.Date, error)

func (f lockFunc) LockedDays(ctx context.Context, email string, from, to daytotal.Date) ([]daytotal.Date, error) {
	return f(ctx, email, from, to)
}

func TestLocks_Check(t *testing.T) {
	srv, ts := timesheets(t, nil)
	srv.Lock(77, "2026-03-03", true)
	l, err := daytotal.NewLocks(ts, berlin)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := l.Check(ctx, entry(1, "luis@example.com", "2026-03-02 08:00", "2026-03-02 16:00")); err != nil {
		t.Errorf("open day: %v", err)
	}
	if err := l.Check(ctx, entry(2, "luis@example.com", "2026-03-02 22:00", "2026-03-03 00:00")); err != nil {
		t.Errorf("entry ending at midnight before the locked day: %v", err)
	}
	err = l.Check(ctx, entry(3, "luis@example.com", "2026-03-02 22:00", "2026-03-03 02:00"))
	h, ok := daytotal.IsHeld(err)
	if !ok || len(h.Days) != 1 || h.Days[0] != day("2026-03-03") || !contains(h.Reason, "2026-03-03 is locked") {
		t.Errorf("held: %v", err)
	}
	if err := l.Check(ctx, queue.Record{Kind: queue.KindPunch, Email: "luis@example.com", At: at("2026-03-03 08:00")}); err != nil {
		t.Errorf("punch: %v", err)
	}
	// A retraction deletes its entry on the locked day: held like it.
	ret := entry(6, "luis@example.com", "2026-03-03 08:00", "2026-03-03 12:00")
	ret.Kind, ret.Retracts = queue.KindRetract, 3
	if _, ok := daytotal.IsHeld(l.Check(ctx, ret)); !ok {
		t.Errorf("retraction on a locked day not held")
	}
	srv.SetDown(timesheetstest.DownClose)
	ts.Forget()
	err = l.Check(ctx, entry(4, "luis@example.com", "2026-03-05 08:00", "2026-03-05 09:00"))
	if _, held := daytotal.IsHeld(err); held || uplink.ClassOf(err) != uplink.Retry {
		t.Errorf("lookup failure: %v", err)
	}
	// Days asked for are the local days the entry covers.
	var from, to daytotal.Date
	l2, _ := daytotal.NewLocks(lockFunc(func(_ context.Context, _ string, f, tt daytotal.Date) ([]daytotal.Date, error) {
		from, to = f, tt
		return nil, nil
	}), berlin)
	l2.Check(ctx, entry(5, "a@x", "2026-03-31 23:30", "2026-04-01 00:30"))
	if from != day("2026-03-31") || to != day("2026-04-01") {
		t.Errorf("asked %v..%v", from, to)
	}
}

func classOf(t *testing.T, err error) *uplink.Error {
	t.Helper()
	var ue *uplink.Error
	if !errors.As(err, &ue) {
		t.Fatalf("%v: not an *uplink.Error", err)
	}
	return ue
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
