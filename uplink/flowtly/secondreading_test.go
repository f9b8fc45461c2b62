package flowtly_test

// These tests run the client against apifake/flowtly, a strict fake written
// by someone who never saw this client, from the API document alone.
// flowtlytest and this client share one reading of the document; the second
// fake checks that reading against another one.

import (
	"slices"
	"strings"
	"testing"
	"time"

	fake "stampclock/apifake/flowtly"
	"stampclock/internal/runnertest"
	"stampclock/queue"
	"stampclock/uplink"
	"stampclock/uplink/flowtly"
)

const (
	srToken = "flowtly-test-token"
	srMaier = "maier@example.com"
	srKoch  = "koch@example.com"
	srLang  = "lang@example.com"
)

func srSetup(t *testing.T, fmod func(*fake.Options), cmod func(*flowtly.Options)) (*fake.Server, *flowtly.Client) {
	t.Helper()
	fo := fake.Options{
		Employees: []fake.Employee{{ID: "emp_102", Name: "Maier"}, {ID: "emp_103", Name: "Koch"}, {ID: "emp_104", Name: "Lang"}},
		Projects:  []string{"aurora"},
	}
	if fmod != nil {
		fmod(&fo)
	}
	f := fake.New(t, fo)
	co := flowtly.Options{
		BaseURL: f.URL(), Token: srToken,
		Employees: map[string]string{srMaier: "emp_102", srKoch: "/api/employees/emp_103", srLang: "emp_104"},
		Project:   "aurora", Location: mustLoad("Europe/Berlin"), Timeout: 2 * time.Second,
		HTTPClient: f.Client(),
	}
	if cmod != nil {
		cmod(&co)
	}
	c, err := flowtly.New(co)
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func srEntry(email, start, end string) queue.Record {
	parse := func(v string) time.Time {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			panic(err)
		}
		return t
	}
	e := parse(end)
	return queue.Record{Kind: queue.KindEntry, At: e, ClockSynced: true, Email: email, Start: parse(start), End: e}
}

// srWork is the part of a stored work time the client decides.
type srWork struct {
	Employee, Project, Date string
	Seconds                 int
	Description             string // "<nil>" when null
	Collection              string
}

func srWorks(f *fake.Server) []srWork {
	var out []srWork
	for _, w := range f.WorkTimes() {
		d := "<nil>"
		if w.Description != nil {
			d = *w.Description
		}
		if w.Deleted {
			d = "DELETED " + d
		}
		out = append(out, srWork{w.Employee, w.Project, w.Date, w.Seconds, d, w.Collection})
	}
	slices.SortFunc(out, func(a, b srWork) int {
		return strings.Compare(a.Employee+a.Date+a.Description, b.Employee+b.Date+b.Description)
	})
	return out
}

func srWant(emp, date string, seconds int, desc string) srWork {
	return srWork{"/api/employees/" + emp, "/api/projects/aurora", date + "T00:00:00+00:00", seconds, desc, fake.PathWorkingHours}
}

func srCheck(t *testing.T, f *fake.Server, want []srWork) {
	t.Helper()
	if got := srWorks(f); !slices.Equal(got, want) {
		t.Errorf("fake stored\n%+v\nwant\n%+v", got, want)
	}
	if r := f.Refusals(); len(r) != 0 {
		t.Errorf("fake refused %d requests, first: %+v", len(r), r[0])
	}
}

func TestSecondReading_Delivery_SeveralEmployees(t *testing.T) {
	for name, format := range map[string]fake.ListFormat{"hydra collection": fake.Hydra, "plain array": fake.PlainArray} {
		t.Run(name, func(t *testing.T) {
			f, c := srSetup(t, func(o *fake.Options) { o.ListFormat = format }, nil)
			recs := []queue.Record{
				srEntry(srMaier, "2026-06-15T06:00:00Z", "2026-06-15T14:00:00Z"),
				srEntry(srKoch, "2026-06-15T05:30:20Z", "2026-06-15T10:15:59Z"),
				srEntry(srLang, "2026-01-13T07:00:00Z", "2026-01-13T12:00:00Z"), // winter: CET
				srEntry(srMaier, "2026-06-16T06:00:00Z", "2026-06-16T06:45:00Z"),
			}
			h := runnertest.Start(t, c, recs...)
			h.WaitDelivered(t, uint64(len(recs)), 5*time.Second)
			srCheck(t, f, []srWork{
				srWant("emp_102", "2026-06-15", 8*3600, "Stampclock 08:00-16:00"),
				srWant("emp_102", "2026-06-16", 45*60, "Stampclock 08:00-08:45"),
				srWant("emp_103", "2026-06-15", 4*3600+45*60+39, "Stampclock 07:30-12:15"),
				srWant("emp_104", "2026-01-13", 5*3600, "Stampclock 08:00-13:00"),
			})
			// A reconcile reads the fake's list and finds each of them.
			for _, r := range recs {
				if err := c.Send(t.Context(), r, true); err != nil {
					t.Fatalf("reconcile: %v", err)
				}
			}
			if n := len(f.WorkTimes()); n != len(recs) {
				t.Errorf("%d work times after reconciling, want %d", n, len(recs))
			}
		})
	}
}

func TestSecondReading_MidnightAndDST(t *testing.T) {
	for _, tc := range []struct {
		name string
		recs []queue.Record
		want []srWork
	}{
		{"night shift across midnight",
			[]queue.Record{srEntry(srMaier, "2026-06-15T20:00:00Z", "2026-06-16T04:00:00Z")},
			[]srWork{srWant("emp_102", "2026-06-15", 2*3600, "Stampclock 22:00-24:00"), srWant("emp_102", "2026-06-16", 6*3600, "Stampclock 00:00-06:00")}},
		{"spring forward night: 7 real hours",
			[]queue.Record{srEntry(srMaier, "2026-03-28T21:00:00Z", "2026-03-29T04:00:00Z")},
			[]srWork{srWant("emp_102", "2026-03-28", 2*3600, "Stampclock 22:00-24:00"), srWant("emp_102", "2026-03-29", 5*3600, "Stampclock 00:00-06:00")}},
		{"fall back night: 9 real hours",
			[]queue.Record{srEntry(srMaier, "2026-10-24T20:00:00Z", "2026-10-25T05:00:00Z")},
			[]srWork{srWant("emp_102", "2026-10-24", 2*3600, "Stampclock 22:00-24:00"), srWant("emp_102", "2026-10-25", 7*3600, "Stampclock 00:00-06:00")}},
		{"two shifts in the repeated hour",
			[]queue.Record{
				srEntry(srMaier, "2026-10-25T00:10:00Z", "2026-10-25T00:50:00Z"), // 02:10-02:50 CEST
				srEntry(srKoch, "2026-10-25T01:10:00Z", "2026-10-25T01:45:00Z"),  // 02:10-02:45 CET
			},
			[]srWork{srWant("emp_102", "2026-10-25", 40*60, "Stampclock 02:10-02:50"), srWant("emp_103", "2026-10-25", 35*60, "Stampclock 02:10-02:45")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, c := srSetup(t, nil, nil)
			h := runnertest.Start(t, c, tc.recs...)
			h.WaitDelivered(t, uint64(len(tc.recs)), 5*time.Second)
			srCheck(t, f, tc.want)
		})
	}
}

func TestSecondReading_LostAnswersAndRequests_NoDuplicateNoLoss(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inject func(*fake.Server)
	}{
		{"answers lost after the work time was stored", func(f *fake.Server) { f.DropAnswers(fake.RouteCreate, 3) }},
		{"requests lost before the work time was stored", func(f *fake.Server) { f.DropRequests(fake.RouteCreate, 3) }},
		{"a lost answer, then a lost reconcile answer", func(f *fake.Server) {
			f.DropAnswers(fake.RouteCreate, 1)
			f.DropAnswers(fake.RouteList, 1)
		}},
		{"server errors and a slow answer the client gives up on", func(f *fake.Server) {
			f.FailNext(fake.RouteCreate, 2, 500)
			f.DelayNext(fake.RouteCreate, 1, time.Minute)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, c := srSetup(t, nil, func(o *flowtly.Options) { o.Timeout = 500 * time.Millisecond })
			tc.inject(f)
			h := runnertest.Start(t, c,
				srEntry(srMaier, "2026-06-15T06:00:00Z", "2026-06-15T14:00:00Z"),
				srEntry(srKoch, "2026-06-15T20:00:00Z", "2026-06-16T04:00:00Z"), // two days
				srEntry(srMaier, "2026-06-16T06:00:00Z", "2026-06-16T14:00:00Z"))
			h.WaitDelivered(t, 3, 10*time.Second)
			srCheck(t, f, []srWork{
				srWant("emp_102", "2026-06-15", 8*3600, "Stampclock 08:00-16:00"),
				srWant("emp_102", "2026-06-16", 8*3600, "Stampclock 08:00-16:00"),
				srWant("emp_103", "2026-06-15", 2*3600, "Stampclock 22:00-24:00"),
				srWant("emp_103", "2026-06-16", 6*3600, "Stampclock 00:00-06:00"),
			})
		})
	}
}

func TestSecondReading_ServerDownThenBack(t *testing.T) {
	f, c := srSetup(t, nil, nil)
	f.SetDown(true)
	h := runnertest.Start(t, c,
		srEntry(srMaier, "2026-06-15T06:00:00Z", "2026-06-15T14:00:00Z"),
		srEntry(srLang, "2026-06-15T07:00:00Z", "2026-06-15T11:00:00Z"))
	h.Wait(t, 5*time.Second, "a failed attempt", func(u queue.UplinkStats) bool { return u.LastError != "" })
	if n := len(f.WorkTimes()); n != 0 {
		t.Fatalf("%d work times stored while down", n)
	}
	f.SetDown(false)
	h.WaitDelivered(t, 2, 10*time.Second)
	srCheck(t, f, []srWork{
		srWant("emp_102", "2026-06-15", 8*3600, "Stampclock 08:00-16:00"),
		srWant("emp_104", "2026-06-15", 4*3600, "Stampclock 09:00-13:00"),
	})
}

func TestSecondReading_WrongToken_RetryNothingStored(t *testing.T) {
	// The document names no authentication; both readings send
	// "Authorization: Bearer <token>". A token the server refuses is
	// retried later (a configuration fix), never dead-lettered.
	f, c := srSetup(t, nil, func(o *flowtly.Options) { o.Token = "revoked-token" })
	ue := wantClass(t, c.Send(t.Context(), srEntry(srMaier, "2026-06-15T06:00:00Z", "2026-06-15T14:00:00Z"), false), uplink.Retry)
	if ue.Status != 401 {
		t.Errorf("status %d, want 401", ue.Status)
	}
	if n := len(f.WorkTimes()); n != 0 {
		t.Errorf("%d work times stored", n)
	}
	if r := f.Refusals(); len(r) != 1 || r[0].Status != 401 {
		t.Errorf("refusals %+v, want one 401", r)
	}
}
