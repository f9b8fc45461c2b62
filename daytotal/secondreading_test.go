package daytotal_test

// These tests run the timesheets and clockodo sources against
// apifake/timesheets and apifake/clockodo, strict fakes written by someone
// who never saw this package, from the API documents alone.
// timesheetstest, clockodotest and this package share one reading of the
// documents; the second fakes check that reading against another one.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	fakeclockodo "stampclock/apifake/clockodo"
	faketimesheets "stampclock/apifake/timesheets"
	fakezeit "stampclock/apifake/zeiterfassung"
	"stampclock/daytotal"
	"stampclock/internal/runnertest"
	"stampclock/queue"
	"stampclock/uplink"
	"stampclock/uplink/zeiterfassung"
)

const (
	srLuis  = "luis.thomas@widget.com"
	srGrace = "grace.weller@widget.com"
)

func srTimesheets(t *testing.T, mod func(*daytotal.TimesheetsOptions)) (*faketimesheets.Server, *daytotal.Timesheets) {
	t.Helper()
	f := faketimesheets.New(t, faketimesheets.Options{})
	o := daytotal.TimesheetsOptions{
		BaseURL: f.URL() + "/v1", Token: faketimesheets.DefaultOptions.Token, Account: faketimesheets.DefaultOptions.Account,
		People:   map[string]string{srLuis: "77", srGrace: "54"},
		Location: berlin, Timeout: 2 * time.Second, HTTPClient: f.Client(),
	}
	if mod != nil {
		mod(&o)
	}
	ts, err := daytotal.NewTimesheets(o)
	if err != nil {
		t.Fatal(err)
	}
	return f, ts
}

func srNoRefusals(t *testing.T, refusals int, first func() string) {
	t.Helper()
	if refusals != 0 {
		t.Errorf("fake refused %d requests, first: %s", refusals, first())
	}
}

func TestSecondReading_Timesheets_DayTotals(t *testing.T) {
	for _, org := range []string{"", "44"} {
		t.Run("organization "+org, func(t *testing.T) {
			f, ts := srTimesheets(t, func(o *daytotal.TimesheetsOptions) { o.OrganizationID = org })
			f.AddTimeEntry(faketimesheets.TimeEntry{PersonID: 77, Date: "2026-03-02", Minutes: 480})
			f.AddTimeEntry(faketimesheets.TimeEntry{PersonID: 77, Date: "2026-03-02", Minutes: 25})
			f.AddTimeEntry(faketimesheets.TimeEntry{PersonID: 54, Date: "2026-03-02", Minutes: 300})
			// DST days are days like any other: the API counts minutes per date.
			f.AddTimeEntry(faketimesheets.TimeEntry{PersonID: 77, Date: "2026-03-29", Minutes: 420})
			f.AddTimeEntry(faketimesheets.TimeEntry{PersonID: 77, Date: "2026-10-25", Minutes: 540})
			for _, tc := range []struct {
				email, day string
				want       time.Duration
			}{
				{srLuis, "2026-03-02", 8*time.Hour + 25*time.Minute},
				{srGrace, "2026-03-02", 5 * time.Hour},
				{srGrace, "2026-03-03", 0},
				{srLuis, "2026-03-29", 7 * time.Hour},
				{srLuis, "2026-10-25", 9 * time.Hour},
				{"LUIS.Thomas@widget.com", "2026-03-02", 8*time.Hour + 25*time.Minute},
			} {
				got, err := ts.DayTotal(t.Context(), tc.email, day(tc.day))
				if err != nil || got != tc.want {
					t.Errorf("DayTotal(%s, %s) = %v, %v; want %v", tc.email, tc.day, got, err, tc.want)
				}
			}
			r := f.Refusals()
			srNoRefusals(t, len(r), func() string { return fmt.Sprintf("%+v", r[0]) })
		})
	}
}

func TestSecondReading_Timesheets_LockedDays(t *testing.T) {
	f, ts := srTimesheets(t, nil)
	f.SetLocked(77, 0, "2026-02-27", true)
	f.SetLocked(77, 44, "2026-03-02", true)
	f.SetLocked(54, 0, "2026-03-03", true)
	got, err := ts.LockedDays(t.Context(), srLuis, day("2026-02-25"), day("2026-03-05"))
	if want := []daytotal.Date{day("2026-02-27"), day("2026-03-02")}; err != nil || !slices.Equal(got, want) {
		t.Errorf("LockedDays = %v, %v; want %v (across a month boundary)", got, err, want)
	}
	got, err = ts.LockedDays(t.Context(), srGrace, day("2026-03-01"), day("2026-03-31"))
	if want := []daytotal.Date{day("2026-03-03")}; err != nil || !slices.Equal(got, want) {
		t.Errorf("LockedDays(grace) = %v, %v; want %v", got, err, want)
	}
	// The last day of a month and the DST days are read from the right
	// position of locked_days.
	for _, d := range []string{"2026-03-29", "2026-03-31", "2026-10-25", "2026-10-31"} {
		f.SetLocked(54, 0, d, true)
	}
	ts.Forget()
	got, err = ts.LockedDays(t.Context(), srGrace, day("2026-03-28"), day("2026-03-31"))
	if want := []daytotal.Date{day("2026-03-29"), day("2026-03-31")}; err != nil || !slices.Equal(got, want) {
		t.Errorf("LockedDays(March end) = %v, %v; want %v", got, err, want)
	}
	got, err = ts.LockedDays(t.Context(), srGrace, day("2026-10-24"), day("2026-11-01"))
	if want := []daytotal.Date{day("2026-10-25"), day("2026-10-31")}; err != nil || !slices.Equal(got, want) {
		t.Errorf("LockedDays(October end) = %v, %v; want %v", got, err, want)
	}
	r := f.Refusals()
	srNoRefusals(t, len(r), func() string { return fmt.Sprintf("%+v", r[0]) })
}

func TestSecondReading_Timesheets_Failures(t *testing.T) {
	f, ts := srTimesheets(t, nil)
	f.SetDown(true)
	if _, err := ts.DayTotal(t.Context(), srLuis, day("2026-03-02")); err == nil {
		t.Error("DayTotal while down: no error")
	}
	if _, err := ts.LockedDays(t.Context(), srLuis, day("2026-03-01"), day("2026-03-02")); err == nil || uplink.ClassOf(err) == uplink.Permanent {
		t.Errorf("LockedDays while down = %v, want a temporary error", err)
	}
	f.SetDown(false)
	f.SetLocked(77, 0, "2026-03-02", true)
	// A lost answer: an error, or (the transport may repeat an idempotent
	// GET on a broken connection) the right days; never "none locked".
	f.DropAnswers(faketimesheets.RouteTimesheets, 1)
	got, err := ts.LockedDays(t.Context(), srLuis, day("2026-03-01"), day("2026-03-02"))
	if err == nil && !slices.Equal(got, []daytotal.Date{day("2026-03-02")}) || err != nil && uplink.ClassOf(err) == uplink.Permanent {
		t.Errorf("LockedDays, answer lost = %v, %v; want a temporary error or the locked day", got, err)
	}
	got, err = ts.LockedDays(t.Context(), srLuis, day("2026-03-01"), day("2026-03-02"))
	if err != nil || !slices.Equal(got, []daytotal.Date{day("2026-03-02")}) {
		t.Errorf("LockedDays after the failures = %v, %v (a failed fetch must not be cached)", got, err)
	}
	// A wrong token is the fake's 401.
	_, bad := srTimesheets(t, func(o *daytotal.TimesheetsOptions) { o.Token = "wrong" })
	if _, err := bad.DayTotal(t.Context(), srLuis, day("2026-03-02")); err == nil {
		t.Error("DayTotal with a wrong token: no error")
	}
}

// srHold is the daemon's check of an entry against locked days.
func srHold(l *daytotal.Locks) func(context.Context, queue.Record) error {
	return func(ctx context.Context, r queue.Record) error {
		err := l.Check(ctx, r)
		if h, ok := daytotal.IsHeld(err); ok {
			return &uplink.Error{Class: uplink.Hold, Msg: h.Reason, Err: err}
		}
		return err
	}
}

func TestSecondReading_LockedDay_HeldThenDelivered(t *testing.T) {
	// Locked days from apifake/timesheets hold entries that go to
	// apifake/zeiterfassung through the runner and a real queue.
	f, ts := srTimesheets(t, func(o *daytotal.TimesheetsOptions) { o.LockTTL = time.Nanosecond })
	f.SetLocked(77, 0, "2026-10-25", true)
	locks, err := daytotal.NewLocks(ts, berlin)
	if err != nil {
		t.Fatal(err)
	}
	zf := fakezeit.New(t, fakezeit.Options{Users: []string{fakezeit.DefaultOptions.LoginEmail, srLuis, srGrace}})
	zc, err := zeiterfassung.New(zeiterfassung.Options{
		BaseURL: zf.URL(), Email: fakezeit.DefaultOptions.LoginEmail, Password: fakezeit.DefaultOptions.APIPassword,
		TimeTypeID: fakezeit.DefaultOptions.TimeTypes[0].ID, Location: berlin, HTTPClient: zf.Client(), Timeout: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	h := runnertest.StartChecked(t, zc, srHold(locks),
		entry(0, srLuis, "2026-10-24 22:00", "2026-10-25 06:00"),  // ends on the locked day
		entry(0, srGrace, "2026-10-24 22:00", "2026-10-25 06:00"), // not locked for her
		entry(0, srLuis, "2026-10-26 08:00", "2026-10-26 16:00"),
	)
	h.Wait(t, 5*time.Second, "one held, two delivered", func(u queue.UplinkStats) bool {
		return u.Held == 1 && u.Delivered == 2 && u.Pending == 0
	})
	held, err := h.Store.Queued(runnertest.Name, "held", 0, 10)
	if err != nil || len(held) != 1 || held[0].Record.Email != srLuis || !strings.Contains(held[0].Msg, "2026-10-25") {
		t.Fatalf("held %+v, %v: want Luis's night shift, naming the locked day", held, err)
	}
	for _, e := range zf.Entries() {
		if e.UserEmail == srLuis && e.StartTime < "2026-10-26" {
			t.Errorf("entry on a locked day sent: %+v", e)
		}
	}
	if n := len(zf.Entries()); n != 3 { // Grace's night shift in two segments, Luis's day
		t.Errorf("%d entries at Zeiterfassung while one is held, want 3", n)
	}
	// Unlocked in timesheets and released by the operator: delivered.
	f.SetLocked(77, 0, "2026-10-25", false)
	if _, err := h.Store.Release(runnertest.Name, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	h.Runner.Wake()
	h.WaitDelivered(t, 3, 5*time.Second)
	if n := len(zf.Entries()); n != 5 { // two night shifts of two segments each, one day
		t.Errorf("%d entries at Zeiterfassung, want 5", n)
	}
	r := f.Refusals()
	srNoRefusals(t, len(r), func() string { return fmt.Sprintf("%+v", r[0]) })
}

func TestSecondReading_Clockodo_DayTotals(t *testing.T) {
	headers := map[string]string{
		"X-ClockodoApiUser":               "api@example.com",
		"X-ClockodoApiKey":                "k3y-for-tests",
		"X-Clockodo-External-Application": "stampclock;it@example.com",
	}
	f := fakeclockodo.New(t, fakeclockodo.Options{
		RequireHeaders: headers, Location: berlin,
		Users: []fakeclockodo.Named{{ID: 7, Name: "Luis Thomas"}, {ID: 8, Name: "Grace Weller"}},
	})
	c, err := daytotal.NewClockodo(daytotal.ClockodoOptions{
		BaseURL: f.URL(), APIUser: headers["X-ClockodoApiUser"], APIKey: headers["X-ClockodoApiKey"],
		ExternalApplication: headers["X-Clockodo-External-Application"],
		Users:               map[string]int{srLuis: 7, srGrace: 8}, Location: berlin,
		HTTPClient: f.Client(), Timeout: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	add := func(user int, start, end string) {
		f.AddEntry(fakeclockodo.Entry{UsersID: user, CustomersID: 1, ProjectsID: 1, ServicesID: 1, TimeSince: at(start), TimeUntil: at(end)})
	}
	add(7, "2026-03-02 08:00", "2026-03-02 12:00")
	add(7, "2026-03-02 13:00", "2026-03-02 17:30")
	add(8, "2026-03-02 09:00", "2026-03-02 10:00")
	add(7, "2026-03-28 22:00", "2026-03-29 06:00") // 7 real hours: spring forward
	add(7, "2026-10-25 01:00", "2026-10-25 05:00") // 01:00 CEST to 05:00 CET: 5 real hours
	add(7, "2026-10-25 23:59", "2026-10-26 01:00") // starts in the last minute of the day
	for _, tc := range []struct {
		email, day string
		want       time.Duration
	}{
		{srLuis, "2026-03-02", 8*time.Hour + 30*time.Minute},
		{srGrace, "2026-03-02", time.Hour},
		{srGrace, "2026-03-03", 0},
		// Which entries a span selects is the server's rule; the fake
		// counts an entry on the day it starts, whole.
		{srLuis, "2026-03-28", 7 * time.Hour},
		{srLuis, "2026-03-29", 0},
		{srLuis, "2026-10-25", 5*time.Hour + 61*time.Minute},
	} {
		got, err := c.DayTotal(t.Context(), tc.email, day(tc.day))
		if err != nil || got != tc.want {
			t.Errorf("DayTotal(%s, %s) = %v, %v; want %v", tc.email, tc.day, got, err, tc.want)
		}
	}
	r := f.Refusals()
	srNoRefusals(t, len(r), func() string { return fmt.Sprintf("%+v", r[0]) })
	f.SetDown(true)
	if _, err := c.DayTotal(t.Context(), srLuis, day("2026-03-02")); err == nil {
		t.Error("DayTotal while down: no error")
	}
}
