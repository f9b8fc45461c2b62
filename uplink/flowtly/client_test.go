package flowtly_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"stampclock/queue"
	"stampclock/uplink"
	"stampclock/uplink/flowtly"
	"stampclock/uplink/flowtly/flowtlytest"
)

var stockholm = mustLoad("Europe/Stockholm")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// setup starts a fake server and a client for it; logs go to the returned
// buffer.
func setup(t *testing.T, mod func(*flowtly.Options)) (*flowtlytest.Server, *httptest.Server, *flowtly.Client, *bytes.Buffer) {
	t.Helper()
	srv, ts := flowtlytest.Start(t, flowtlytest.Options{Employees: []string{"emp_102", "emp_7"}, Projects: []string{"aurora"}, PageSize: 2})
	var logs bytes.Buffer
	o := flowtly.Options{
		BaseURL:   ts.URL,
		Token:     flowtlytest.DefaultToken,
		Employees: map[string]string{"Anna@Example.com": "emp_102", "bo@example.com": "/api/employees/emp_7", "ghost@example.com": "emp_404"},
		Project:   "aurora",
		Location:  stockholm,
		Timeout:   2 * time.Second,
		Logger:    slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&o)
	}
	c, err := flowtly.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return srv, ts, c, &logs
}

func entry(seq uint64, email, start, end string) queue.Record {
	parse := func(s string) time.Time {
		t, err := time.ParseInLocation("2006-01-02 15:04:05", s, stockholm)
		if err != nil {
			panic(err)
		}
		return t.UTC()
	}
	return queue.Record{Seq: seq, Kind: queue.KindEntry, Email: email, Start: parse(start), End: parse(end), ClockSynced: true, StartSynced: true}
}

func wantClass(t *testing.T, err error, want uplink.Class) *uplink.Error {
	t.Helper()
	var ue *uplink.Error
	if !errors.As(err, &ue) {
		t.Fatalf("error %v: not an *uplink.Error", err)
	}
	if ue.Class != want {
		t.Fatalf("class %v, want %v: %v", ue.Class, want, err)
	}
	return ue
}

func TestSend_Entry_StoresOneRecord(t *testing.T) {
	srv, _, c, logs := setup(t, nil)
	if err := c.Send(context.Background(), entry(1, "anna@example.com", "2026-03-02 07:58:30", "2026-03-02 16:30:10"), false); err != nil {
		t.Fatal(err)
	}
	recs := srv.Records()
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	if r.Employee != "/api/employees/emp_102" || r.Project != "/api/projects/aurora" || r.Date != "2026-03-02T00:00:00+00:00" ||
		r.Seconds != 8*3600+31*60+40 || r.Description == nil || *r.Description != "Stampclock 07:58-16:30" {
		t.Errorf("record %+v (%q)", r, *r.Description)
	}
	if strings.Contains(logs.String(), flowtlytest.DefaultToken) {
		t.Error("token in logs")
	}
}

func TestSend_AcrossMidnight_OneRecordPerDate(t *testing.T) {
	srv, _, c, _ := setup(t, nil)
	if err := c.Send(context.Background(), entry(2, "bo@example.com", "2026-03-02 22:00:00", "2026-03-04 01:30:00"), false); err != nil {
		t.Fatal(err)
	}
	recs := srv.Records()
	want := []struct {
		date string
		secs int64
		desc string
	}{
		{"2026-03-02T00:00:00+00:00", 2 * 3600, "Stampclock 22:00-24:00"},
		{"2026-03-03T00:00:00+00:00", 24 * 3600, "Stampclock 00:00-24:00"},
		{"2026-03-04T00:00:00+00:00", 5400, "Stampclock 00:00-01:30"},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	for i, w := range want {
		if recs[i].Date != w.date || recs[i].Seconds != w.secs || *recs[i].Description != w.desc {
			t.Errorf("record %d: %s %d %q, want %+v", i, recs[i].Date, recs[i].Seconds, *recs[i].Description, w)
		}
	}
}

func TestSplitDays_DST(t *testing.T) {
	// 2026-03-29 has 23 hours in Stockholm.
	start := time.Date(2026, 3, 28, 20, 0, 0, 0, stockholm)
	end := time.Date(2026, 3, 30, 4, 0, 0, 0, stockholm)
	days := flowtly.SplitDays(start, end, stockholm)
	var secs []int64
	var sum int64
	for _, d := range days {
		secs = append(secs, d.Seconds())
		sum += d.Seconds()
	}
	if len(days) != 3 || secs[0] != 4*3600 || secs[1] != 23*3600 || secs[2] != 4*3600 {
		t.Errorf("parts %v", secs)
	}
	if sum != int64(end.Sub(start)/time.Second) {
		t.Errorf("sum %d, want %v", sum, end.Sub(start))
	}
	if d := flowtly.SplitDays(start, start.Add(500*time.Millisecond), stockholm); len(d) != 0 {
		t.Errorf("sub-second entry: %v", d)
	}
	mid := time.Date(2026, 3, 2, 0, 0, 0, 0, stockholm)
	if d := flowtly.SplitDays(mid.Add(-time.Hour), mid, stockholm); len(d) != 1 {
		t.Errorf("entry ending at midnight: %d parts", len(d))
	}
}

func TestSend_DroppedAnswer_ReconcileNoDuplicate(t *testing.T) {
	srv, _, c, _ := setup(t, nil)
	// Fill the day so the reconcile must page through the list.
	for i := range 5 {
		srv.AddRecord(flowtlytest.Record{Employee: "/api/employees/emp_102", Project: "/api/projects/aurora",
			Date: "2026-03-02T00:00:00+00:00", Seconds: int64(60 + i), Description: new("other")})
	}
	rec := entry(3, "anna@example.com", "2026-03-02 08:00:00", "2026-03-02 12:00:00")
	srv.DropAfterStore(1)
	err := c.Send(context.Background(), rec, false)
	wantClass(t, err, uplink.Uncertain)
	if err := c.Send(context.Background(), rec, true); err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	if d := srv.Duplicates(); len(d) != 0 {
		t.Errorf("duplicates: %+v", d)
	}
	if n := len(srv.Records()); n != 6 {
		t.Errorf("%d records, want 6", n)
	}
}

func TestSend_Timeout_ReconcileNoDuplicate(t *testing.T) {
	srv, _, c, _ := setup(t, func(o *flowtly.Options) { o.Timeout = 100 * time.Millisecond })
	rec := entry(4, "anna@example.com", "2026-03-02 08:00:00", "2026-03-02 12:00:00")
	srv.SetDelay(time.Second)
	wantClass(t, c.Send(context.Background(), rec, false), uplink.Uncertain)
	srv.SetDelay(0)
	if err := c.Send(context.Background(), rec, true); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Records()); n != 1 {
		t.Errorf("%d records, want 1", n)
	}
}

func TestSend_Reconcile_MissingRecordCreated(t *testing.T) {
	srv, _, c, _ := setup(t, nil)
	// Same day, same length, another start: not the same entry.
	srv.AddRecord(flowtlytest.Record{Employee: "/api/employees/emp_102", Project: "/api/projects/aurora",
		Date: "2026-03-02T00:00:00+00:00", Seconds: 3600, Description: new("Stampclock 07:00-08:00")})
	if err := c.Send(context.Background(), entry(5, "anna@example.com", "2026-03-02 13:00:00", "2026-03-02 14:00:00"), true); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Records()); n != 2 {
		t.Errorf("%d records, want 2", n)
	}
}

func TestSend_SecondDayFails_UncertainThenReconciled(t *testing.T) {
	var srv *flowtlytest.Server
	once := false
	srv, ts := flowtlytest.Start(t, flowtlytest.Options{Employees: []string{"emp_102"}, Projects: []string{"aurora"},
		OnStore: func(flowtlytest.Record) {
			if !once { // the day after the first stored one fails
				once = true
				srv.FailPosts(1, flowtlytest.Fault{Status: 503})
			}
		}})
	c, err := flowtly.New(flowtly.Options{BaseURL: ts.URL, Token: flowtlytest.DefaultToken, Employees: map[string]string{"anna@example.com": "emp_102"}, Project: "aurora", Location: stockholm})
	if err != nil {
		t.Fatal(err)
	}
	rec := entry(6, "anna@example.com", "2026-03-02 22:00:00", "2026-03-03 02:00:00")
	ue := wantClass(t, c.Send(context.Background(), rec, false), uplink.Uncertain)
	if !strings.Contains(ue.Msg, "1 of 2 days delivered") {
		t.Errorf("msg %q", ue.Msg)
	}
	if err := c.Send(context.Background(), rec, true); err != nil {
		t.Fatal(err)
	}
	if n, d := len(srv.Records()), srv.Duplicates(); n != 2 || len(d) != 0 {
		t.Errorf("%d records, duplicates %v", n, d)
	}
}

func TestSend_Validation_PermanentWithMessages(t *testing.T) {
	srv, _, c, _ := setup(t, nil)
	srv.FailPosts(1, flowtlytest.Fault{Status: 422, Body: `{"@type":"ConstraintViolationList","violations":[{"propertyPath":"seconds","message":"This value should be positive."},{"propertyPath":"date","message":"This value should not be blank."}]}`})
	ue := wantClass(t, c.Send(context.Background(), entry(7, "anna@example.com", "2026-03-02 08:00:00", "2026-03-02 09:00:00"), false), uplink.Permanent)
	if ue.Status != 422 || ue.Msg != "seconds: This value should be positive.; date: This value should not be blank." {
		t.Errorf("status %d msg %q", ue.Status, ue.Msg)
	}
	// A record longer than the server's limit of a day cannot happen
	// (days are split), but an unknown project IRI is a real 400.
	_, ts, _, _ := setup(t, nil)
	c2, err := flowtly.New(flowtly.Options{BaseURL: ts.URL, Token: flowtlytest.DefaultToken, Employees: map[string]string{"anna@example.com": "emp_102"}, Project: "borealis", Location: stockholm})
	if err != nil {
		t.Fatal(err)
	}
	ue = wantClass(t, c2.Send(context.Background(), entry(8, "anna@example.com", "2026-03-02 08:00:00", "2026-03-02 09:00:00"), false), uplink.Permanent)
	if ue.Status != 400 || !strings.Contains(ue.Msg, `Item not found for "/api/projects/borealis"`) {
		t.Errorf("status %d msg %q", ue.Status, ue.Msg)
	}
}

func TestSend_UnknownEmployee_Permanent(t *testing.T) {
	srv, _, c, _ := setup(t, nil)
	ue := wantClass(t, c.Send(context.Background(), entry(9, "nobody@example.com", "2026-03-02 08:00:00", "2026-03-02 09:00:00"), false), uplink.Permanent)
	if !strings.Contains(ue.Msg, "no Flowtly employee configured") {
		t.Errorf("msg %q", ue.Msg)
	}
	if n := srv.Requests().Requests; n != 0 {
		t.Errorf("%d requests for an unmapped email", n)
	}
	ue = wantClass(t, c.Send(context.Background(), entry(10, "ghost@example.com", "2026-03-02 08:00:00", "2026-03-02 09:00:00"), false), uplink.Permanent)
	if !strings.Contains(ue.Msg, `Item not found for "/api/employees/emp_404"`) {
		t.Errorf("msg %q", ue.Msg)
	}
}

func TestSend_Statuses(t *testing.T) {
	rec := entry(11, "anna@example.com", "2026-03-02 08:00:00", "2026-03-02 09:00:00")
	t.Run("server down is Retry", func(t *testing.T) {
		_, ts, c, _ := setup(t, nil)
		ts.Close()
		wantClass(t, c.Send(context.Background(), rec, false), uplink.Retry)
		wantClass(t, c.Send(context.Background(), rec, true), uplink.Uncertain) // reconcile: state still unknown
	})
	t.Run("503 is Uncertain", func(t *testing.T) {
		srv, _, c, _ := setup(t, nil)
		srv.SetDown(flowtlytest.Down503)
		wantClass(t, c.Send(context.Background(), rec, false), uplink.Uncertain)
	})
	t.Run("429 is Retry with Retry-After", func(t *testing.T) {
		srv, _, c, _ := setup(t, nil)
		srv.FailPosts(1, flowtlytest.Fault{Status: 429, RetryAfter: "7"})
		ue := wantClass(t, c.Send(context.Background(), rec, false), uplink.Retry)
		if ue.RetryAfter != 7*time.Second {
			t.Errorf("RetryAfter %v", ue.RetryAfter)
		}
	})
	t.Run("wrong token is Retry", func(t *testing.T) {
		_, _, c, logs := setup(t, func(o *flowtly.Options) { o.Token = "secret-wrong-token" })
		ue := wantClass(t, c.Send(context.Background(), rec, false), uplink.Retry)
		if ue.Status != 401 || !strings.Contains(ue.Msg, "token rejected") || !strings.Contains(ue.Msg, "Invalid JWT Token") {
			t.Errorf("status %d msg %q", ue.Status, ue.Msg)
		}
		if strings.Contains(logs.String(), "secret-wrong-token") || strings.Contains(ue.Error(), "secret-wrong-token") {
			t.Error("token leaked")
		}
	})
	t.Run("reconcile list rejected is Permanent", func(t *testing.T) {
		srv, _, c, _ := setup(t, nil)
		srv.FailLists(1, flowtlytest.Fault{Status: 400, Body: `{"hydra:description":"bad filter"}`})
		ue := wantClass(t, c.Send(context.Background(), rec, true), uplink.Permanent)
		if srv.Requests().Posts != 0 || !strings.Contains(ue.Error(), "bad filter") {
			t.Errorf("posts %d, err %v", srv.Requests().Posts, ue)
		}
	})
}

func TestSend_PlainCollectionStyle(t *testing.T) {
	srv, ts := flowtlytest.Start(t, flowtlytest.Options{Employees: []string{"emp_102"}, Projects: []string{"aurora"}, PageSize: 1, Style: flowtlytest.StylePlain})
	c, err := flowtly.New(flowtly.Options{BaseURL: ts.URL, Token: flowtlytest.DefaultToken, Employees: map[string]string{"anna@example.com": "emp_102"}, Project: "aurora", Location: stockholm})
	if err != nil {
		t.Fatal(err)
	}
	rec := entry(12, "anna@example.com", "2026-03-02 08:00:00", "2026-03-02 09:00:00")
	srv.AddRecord(flowtlytest.Record{Employee: "/api/employees/emp_102", Project: "/api/projects/aurora", Date: "2026-03-02T00:00:00+00:00", Seconds: 1, Description: new("x")})
	srv.DropAfterStore(1)
	wantClass(t, c.Send(context.Background(), rec, false), uplink.Uncertain)
	if err := c.Send(context.Background(), rec, true); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Records()); n != 2 {
		t.Errorf("%d records, want 2", n)
	}
}

func TestNew_Options(t *testing.T) {
	base := flowtly.Options{Token: "t", Project: "p", Location: time.UTC}
	for name, mod := range map[string]func(*flowtly.Options){
		"no token":    func(o *flowtly.Options) { o.Token = "" },
		"no project":  func(o *flowtly.Options) { o.Project = "" },
		"no location": func(o *flowtly.Options) { o.Location = nil },
		"bad url":     func(o *flowtly.Options) { o.BaseURL = "ftp://x" },
		"bad id":      func(o *flowtly.Options) { o.Employees = map[string]string{"a@b": "x/y"} },
	} {
		o := base
		mod(&o)
		if _, err := flowtly.New(o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	c, err := flowtly.New(base)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Send(context.Background(), queue.Record{Kind: queue.KindPunch}, false); err != nil {
		t.Errorf("punch: %v", err)
	}
}
