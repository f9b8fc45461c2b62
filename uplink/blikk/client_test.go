package blikk_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"stampclock/queue"
	"stampclock/uplink"
	"stampclock/uplink/blikk"
	"stampclock/uplink/blikk/blikktest"
)

const (
	appID  = "app-7f3c"
	secret = "s3cret-app-secret"
	maier  = "maier@example.com"
	schulz = "schulz@example.com"
)

const (
	maierUID    = 12
	schulzUID   = 13
	activity    = 34
	timeCode    = 16
	timeArticle = 49
	internalP   = 7
)

func serverOptions() blikktest.Options {
	return blikktest.Options{
		AppID: appID, AppSecret: secret,
		Users:            []blikktest.User{{ID: maierUID, FirstName: "Anna", LastName: "Maier"}, {ID: schulzUID, FirstName: "Jan", LastName: "Schulz"}},
		Activities:       []blikktest.Item{{ID: activity, Name: "Montage"}, {ID: 35, Name: "Alt", Inactive: true}},
		TimeCodes:        []blikktest.Item{{ID: timeCode, Name: "Normal"}},
		TimeArticles:     []blikktest.Item{{ID: timeArticle, Name: "Arbetstid"}},
		InternalProjects: []blikktest.Item{{ID: internalP, Name: "Werkstatt"}},
		// Most tests run the client fast; the rate-limit tests set a limit.
		RateLimit: -1,
	}
}

func startServer(t *testing.T, mod func(*blikktest.Options)) (*blikktest.Server, *httptest.Server) {
	t.Helper()
	o := serverOptions()
	if mod != nil {
		mod(&o)
	}
	return blikktest.Start(t, o)
}

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("time zone %s: %v", name, err)
	}
	return loc
}

func newClient(t *testing.T, url string, mod func(*blikk.Options)) *blikk.Client {
	t.Helper()
	o := blikk.Options{
		BaseURL: url, AppID: appID, AppSecret: secret,
		Users:      map[string]int{maier: maierUID, "Schulz@Example.com": schulzUID},
		ActivityID: activity, TimeCodeID: timeCode, TimeArticleID: timeArticle,
		Location: mustLoad(t, "Europe/Berlin"), Timeout: 2 * time.Second,
		RequestsPerSecond: 100,
	}
	if mod != nil {
		mod(&o)
	}
	c, err := blikk.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func entry(seq uint64, email, start, end string) queue.Record {
	return queue.Record{Seq: seq, Kind: queue.KindEntry, Email: email, Start: utc(start), End: utc(end)}
}

// wantClass fails unless err is an *uplink.Error of class want.
func wantClass(t *testing.T, err error, want uplink.Class) *uplink.Error {
	t.Helper()
	var ue *uplink.Error
	if !errors.As(err, &ue) {
		t.Fatalf("error %v is not an *uplink.Error", err)
	}
	if ue.Class != want {
		t.Fatalf("class %v (%v), want %v", ue.Class, err, want)
	}
	return ue
}

// short is a stored report's identity and hours.
type short struct {
	user        int
	date, s, e  string
	hours, inv  float64
	breakMinute int
}

func shorts(rs []blikktest.Report) []short {
	var out []short
	for _, r := range rs {
		b := 0
		if r.BreakMinutes != nil {
			b = *r.BreakMinutes
		}
		out = append(out, short{r.UserID, r.Date, r.ClockStart, r.ClockEnd, r.Hours, r.InvoiceableHours, b})
	}
	return out
}

func equalShorts(t *testing.T, got []blikktest.Report, want []short) {
	t.Helper()
	g := shorts(got)
	if len(g) != len(want) {
		t.Fatalf("stored %+v\nwant   %+v", g, want)
	}
	for i := range g {
		if g[i] != want[i] {
			t.Fatalf("stored %+v\nwant   %+v", g, want)
		}
	}
}

func TestNew_Validation(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	ok := blikk.Options{AppID: appID, AppSecret: secret, Users: map[string]int{maier: 1},
		ActivityID: 1, TimeCodeID: 1, TimeArticleID: 1, Location: berlin}
	for _, tc := range []struct {
		field string
		mod   func(*blikk.Options)
	}{
		{"BaseURL", func(o *blikk.Options) { o.BaseURL = "ftp://x.example.com" }},
		{"BaseURL", func(o *blikk.Options) { o.BaseURL = "publicapi.blikk.com" }},
		{"AppID", func(o *blikk.Options) { o.AppID = "" }},
		{"AppID", func(o *blikk.Options) { o.AppID = "a:b" }},
		{"AppSecret", func(o *blikk.Options) { o.AppSecret = "" }},
		{"Users", func(o *blikk.Options) { o.Users = nil }},
		{"Users", func(o *blikk.Options) { o.Users = map[string]int{maier: 0} }},
		{"Users", func(o *blikk.Options) { o.Users = map[string]int{maier: 1, "MAIER@example.com": 2} }},
		{"ActivityID", func(o *blikk.Options) { o.ActivityID = 0 }},
		{"TimeCodeID", func(o *blikk.Options) { o.TimeCodeID = 0 }},
		{"TimeArticleID", func(o *blikk.Options) { o.TimeArticleID = 0 }},
		{"Location", func(o *blikk.Options) { o.Location = nil }},
		{"BreakRules", func(o *blikk.Options) { o.BreakRules = []blikk.BreakRule{{After: -1}} }},
	} {
		o := ok
		tc.mod(&o)
		if _, err := blikk.New(o); err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: New = %v, want an error naming %s", tc.field, err, tc.field)
		} else if strings.Contains(err.Error(), secret) {
			t.Errorf("error %v shows the secret", err)
		}
	}
	if _, err := blikk.New(ok); err != nil {
		t.Errorf("New(valid) = %v", err)
	}
}

func TestSend_Normal(t *testing.T) {
	srv, ts := startServer(t, nil)
	c := newClient(t, ts.URL, func(o *blikk.Options) {
		o.InternalProjectID = internalP
		o.Comment = "Stempeluhr"
	})
	if err := c.Send(t.Context(), entry(1, maier, "2026-06-10T06:00:20Z", "2026-06-10T14:30:59Z"), false); err != nil {
		t.Fatal(err)
	}
	// An employee's email is matched case-insensitively.
	if err := c.Send(t.Context(), entry(2, "schulz@EXAMPLE.com", "2026-06-10T05:00:00Z", "2026-06-10T05:20:00Z"), false); err != nil {
		t.Fatal(err)
	}
	reps := srv.Reports()
	equalShorts(t, reps, []short{
		{maierUID, "2026-06-10", "08:00", "16:30", 8.5, 8.5, 0},
		{schulzUID, "2026-06-10", "07:00", "07:20", 0.33, 0.33, 0},
	})
	r := reps[0]
	if r.ActivityID != activity || r.TimeCodeID != timeCode || r.TimeArticleID != timeArticle ||
		r.InternalProjectID == nil || *r.InternalProjectID != internalP || r.ProjectID != nil || r.Comment != "Stempeluhr" {
		t.Errorf("stored %+v", r)
	}
	if st := srv.Requests(); st.Tokens != 1 || st.Creates != 2 || st.Queries != 0 || st.RateLimited != 0 {
		t.Errorf("stats %+v: want one token for both sends", st)
	}
}

func TestSend_SplitAtMidnightAndBreaks(t *testing.T) {
	srv, ts := startServer(t, nil)
	c := newClient(t, ts.URL, func(o *blikk.Options) { o.BreakRules = blikk.GermanBreaks })
	for i, e := range []queue.Record{
		entry(1, maier, "2026-06-10T04:00:00Z", "2026-06-10T10:00:00Z"), // 6h: no break
		entry(2, maier, "2026-06-11T04:00:00Z", "2026-06-11T10:01:00Z"), // 6h01: 30m
		entry(3, maier, "2026-06-12T04:00:00Z", "2026-06-12T14:00:00Z"), // 10h: 45m
		entry(4, maier, "2026-06-12T19:00:00Z", "2026-06-13T04:30:00Z"), // night 21:00–06:30, 9h30: 45m from the longer part
	} {
		if err := c.Send(t.Context(), e, false); err != nil {
			t.Fatalf("entry %d: %v", i+1, err)
		}
	}
	equalShorts(t, srv.Reports(), []short{
		{maierUID, "2026-06-10", "06:00", "12:00", 6, 6, 0},
		{maierUID, "2026-06-11", "06:00", "12:01", 5.52, 5.52, 30},
		{maierUID, "2026-06-12", "06:00", "16:00", 9.25, 9.25, 45},
		{maierUID, "2026-06-12", "21:00", "23:59", 3, 3, 0},
		{maierUID, "2026-06-13", "00:00", "06:30", 5.75, 5.75, 45},
	})
}

func TestSend_EndOfSummerTime(t *testing.T) {
	srv, ts := startServer(t, nil)
	c := newClient(t, ts.URL, nil)
	// Berlin, 2026-10-25: 22:00 CEST to 06:00 CET is 9 real hours.
	if err := c.Send(t.Context(), entry(1, maier, "2026-10-24T20:00:00Z", "2026-10-25T05:00:00Z"), false); err != nil {
		t.Fatal(err)
	}
	equalShorts(t, srv.Reports(), []short{
		{maierUID, "2026-10-24", "22:00", "23:59", 2, 2, 0},
		{maierUID, "2026-10-25", "00:00", "06:00", 7, 7, 0},
	})
}

func TestSend_UnknownEmployee_Permanent(t *testing.T) {
	srv, ts := startServer(t, nil)
	c := newClient(t, ts.URL, nil)
	err := c.Send(t.Context(), entry(5, "new@example.com", "2026-06-10T06:00:00Z", "2026-06-10T07:00:00Z"), false)
	ue := wantClass(t, err, uplink.Permanent)
	if !strings.Contains(ue.Msg, "new@example.com") {
		t.Errorf("message %q does not name the email", ue.Msg)
	}
	if st := srv.Requests(); st.Requests != 0 {
		t.Errorf("%d requests for an unknown employee", st.Requests)
	}
}

func TestSend_OtherKindsAndBadEntries(t *testing.T) {
	srv, ts := startServer(t, nil)
	c := newClient(t, ts.URL, nil)
	for _, k := range []queue.Kind{queue.KindPunch, queue.KindEvent} {
		if err := c.Send(t.Context(), queue.Record{Seq: 1, Kind: k, Email: maier}, false); err != nil {
			t.Errorf("kind %s: %v", k, err)
		}
	}
	for name, rec := range map[string]queue.Record{
		"no email":   entry(2, "", "2026-06-10T06:00:00Z", "2026-06-10T07:00:00Z"),
		"no end":     {Seq: 3, Kind: queue.KindEntry, Email: maier, Start: utc("2026-06-10T06:00:00Z")},
		"backwards":  entry(4, maier, "2026-06-10T07:00:00Z", "2026-06-10T06:00:00Z"),
		"no user id": entry(5, "x@example.com", "2026-06-10T06:00:00Z", "2026-06-10T07:00:00Z"),
	} {
		t.Run(name, func(t *testing.T) {
			wantClass(t, c.Send(t.Context(), rec, false), uplink.Permanent)
		})
	}
	if n := srv.Requests().Requests; n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}

func TestSend_ModelState_PermanentWithMessages(t *testing.T) {
	srv, ts := startServer(t, nil)
	// Activity 35 exists but is inactive; time code 99 does not exist.
	c := newClient(t, ts.URL, func(o *blikk.Options) { o.ActivityID = 35; o.TimeCodeID = 99 })
	err := c.Send(t.Context(), entry(1, maier, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z"), false)
	ue := wantClass(t, err, uplink.Permanent)
	if ue.Status != http.StatusBadRequest {
		t.Errorf("status %d", ue.Status)
	}
	for _, want := range []string{"The request is invalid.", "activityId: The activity with id 35 is not active.", "timeCodeId: The timeCode with id 99 does not exist."} {
		if !strings.Contains(ue.Msg, want) {
			t.Errorf("message %q lacks %q", ue.Msg, want)
		}
	}
	if len(srv.Reports()) != 0 {
		t.Error("a report was stored")
	}
}

func TestSend_InjectedModelState(t *testing.T) {
	srv, ts := startServer(t, nil)
	c := newClient(t, ts.URL, nil)
	srv.FailCreates(1, blikktest.Fault{Status: 400,
		Body: `{"message":"The request is invalid.","modelState":{"date":["The date is locked for time reporting."],"hours":["Too many hours."]}}`})
	err := c.Send(t.Context(), entry(1, maier, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z"), false)
	ue := wantClass(t, err, uplink.Permanent)
	want := "The request is invalid.; date: The date is locked for time reporting.; hours: Too many hours."
	if ue.Msg != want {
		t.Errorf("message %q, want %q", ue.Msg, want)
	}
	if !strings.Contains(err.Error(), "seq 1") {
		t.Errorf("error %q does not name the record", err)
	}
}

func TestToken_RenewedBeforeExpiry(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 6, 10, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	srv, ts := startServer(t, func(o *blikktest.Options) { o.Now = clock; o.TokenLifetime = 10 * time.Minute; o.RateLimit = -1 })
	c := newClient(t, ts.URL, func(o *blikk.Options) { o.Now = clock })
	exp, err := c.CheckToken(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := now.Add(10 * time.Minute); !exp.Equal(want) {
		t.Errorf("expires %v, want %v", exp, want)
	}
	send := func(seq uint64) {
		t.Helper()
		if err := c.Send(t.Context(), entry(seq, maier, "2026-06-10T06:00:00Z", "2026-06-10T06:01:00Z"), false); err != nil {
			t.Fatal(err)
		}
	}
	send(1)
	advance(8 * time.Minute) // 2 minutes left: still used
	send(2)
	if n := srv.Requests().Tokens; n != 1 {
		t.Fatalf("%d tokens, want 1", n)
	}
	advance(90 * time.Second) // 30s left: renewed before use
	send(3)
	if st := srv.Requests(); st.Tokens != 2 || st.Unauthorized != 0 {
		t.Errorf("stats %+v: want a renewal without a 401", st)
	}
}

func TestToken_401RenewsOnce(t *testing.T) {
	srv, ts := startServer(t, nil)
	c := newClient(t, ts.URL, nil)
	send := func(seq uint64) error {
		return c.Send(t.Context(), entry(seq, maier, "2026-06-10T06:00:00Z", "2026-06-10T06:01:00Z"), false)
	}
	if err := send(1); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens()
	if err := send(2); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if st := srv.Requests(); st.Tokens != 2 || st.Unauthorized != 1 || st.Stored != 2 {
		t.Errorf("stats %+v", st)
	}
	// Rejected again right after renewal: Retry, and no third token.
	srv.RejectAuth(2)
	err := send(3)
	wantClass(t, err, uplink.Retry)
	if st := srv.Requests(); st.Tokens != 3 || st.Stored != 2 {
		t.Errorf("stats %+v: want exactly one renewal", st)
	}
}

func TestToken_BadSecret_Retry(t *testing.T) {
	_, ts := startServer(t, nil)
	c := newClient(t, ts.URL, func(o *blikk.Options) { o.AppSecret = "wrong-secret-value" })
	_, err := c.CheckToken(t.Context())
	ue := wantClass(t, err, uplink.Retry)
	if ue.Status != 401 || !strings.Contains(ue.Msg, appID) || strings.Contains(err.Error(), "wrong-secret-value") {
		t.Errorf("error %v: want 401 naming the app id, not the secret", err)
	}
}

func TestRateLimit_BurstNeverExceeds(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("takes about 2s")
	}
	// The server allows 20 requests per second and token; the client is
	// set to the same limit. 40 concurrent sends plus a token request
	// spread over three windows without a single 429.
	srv, ts := startServer(t, func(o *blikktest.Options) { o.RateLimit = 20 })
	c := newClient(t, ts.URL, func(o *blikk.Options) { o.RequestsPerSecond = 20 })
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() {
			start := time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
			rec := queue.Record{Seq: uint64(i + 1), Kind: queue.KindEntry, Email: maier, Start: start, End: start.Add(30 * time.Minute)}
			if err := c.Send(t.Context(), rec, false); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if st := srv.Requests(); st.RateLimited != 0 || st.Stored != 40 || st.Tokens != 1 {
		t.Errorf("stats %+v: want 40 stored, one token, no 429", st)
	}
}

func TestRateLimit_DefaultFourPerSecond(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("takes about 2s")
	}
	// The document's limit on both sides: 9 requests (token + 8 creates).
	srv, ts := startServer(t, func(o *blikktest.Options) { o.RateLimit = 0 })
	c := newClient(t, ts.URL, func(o *blikk.Options) { o.RequestsPerSecond = 0 })
	for i := range 8 {
		start := time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
		if err := c.Send(t.Context(), queue.Record{Seq: uint64(i + 1), Kind: queue.KindEntry, Email: maier, Start: start, End: start.Add(time.Minute)}, false); err != nil {
			t.Fatal(err)
		}
	}
	if st := srv.Requests(); st.RateLimited != 0 || st.Stored != 8 {
		t.Errorf("stats %+v", st)
	}
}

func TestRateLimit_StricterServer_RetryAfterHonoured(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("takes about 2s")
	}
	srv, ts := startServer(t, func(o *blikktest.Options) { o.RateLimit = 3 })
	c := newClient(t, ts.URL, func(o *blikk.Options) { o.RequestsPerSecond = 100 })
	var retries int
	for i := range 6 {
		start := time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
		rec := queue.Record{Seq: uint64(i + 1), Kind: queue.KindEntry, Email: maier, Start: start, End: start.Add(time.Minute)}
		for {
			err := c.Send(t.Context(), rec, false)
			if err == nil {
				break
			}
			ue := wantClass(t, err, uplink.Retry)
			if ue.Status != 429 || ue.RetryAfter < time.Second {
				t.Fatalf("error %v: want 429 with RetryAfter ≥ 1s", err)
			}
			if retries++; retries > 5 {
				t.Fatal("too many 429s")
			}
			// Sending again at once: the client itself waits out the
			// server's Retry-After.
		}
	}
	st := srv.Requests()
	if st.Stored != 6 || st.RateLimited == 0 || st.EarlyRetries != 0 || len(srv.Duplicates()) != 0 {
		t.Errorf("stats %+v: want 6 stored, some 429s, none while told to wait", st)
	}
}

func TestSend_DroppedAnswer_ReconcileNoDuplicate(t *testing.T) {
	srv, ts := startServer(t, nil)
	c := newClient(t, ts.URL, nil)
	rec := entry(1, maier, "2026-06-12T19:00:00Z", "2026-06-13T04:30:00Z") // two reports
	srv.DropAfterStore(1)
	err := c.Send(t.Context(), rec, false)
	wantClass(t, err, uplink.Uncertain)
	if n := len(srv.Reports()); n != 1 {
		t.Fatalf("%d reports stored before the drop, want 1", n)
	}
	// The loop sends again with reconcile: the first report is found, the
	// second created.
	if err := c.Send(t.Context(), rec, true); err != nil {
		t.Fatal(err)
	}
	if d := srv.Duplicates(); len(d) != 0 {
		t.Errorf("duplicates %+v", d)
	}
	equalShorts(t, srv.Reports(), []short{
		{maierUID, "2026-06-12", "21:00", "23:59", 3, 3, 0},
		{maierUID, "2026-06-13", "00:00", "06:30", 6.5, 6.5, 0},
	})
	// Reconciling again sends nothing.
	before := srv.Requests().Creates
	if err := c.Send(t.Context(), rec, true); err != nil {
		t.Fatal(err)
	}
	if st := srv.Requests(); st.Creates != before {
		t.Errorf("reconcile created again: %+v", st)
	}
}

func TestSend_SecondReportFails_Uncertain(t *testing.T) {
	var srv *blikktest.Server
	srv, ts := startServer(t, func(o *blikktest.Options) {
		// After the first report is stored, the next create gets a 503.
		o.OnStore = func(blikktest.Report) { srv.FailCreates(1, blikktest.Fault{Status: 503}) }
	})
	c := newClient(t, ts.URL, nil)
	rec := entry(1, maier, "2026-06-12T19:00:00Z", "2026-06-13T04:30:00Z")
	// A 503 alone would be Uncertain anyway; a 429 on the second report is
	// escalated to Uncertain because the first is on the server.
	ue := wantClass(t, c.Send(t.Context(), rec, false), uplink.Uncertain)
	if !strings.Contains(ue.Msg, "1 of 2 reports delivered") {
		t.Errorf("message %q", ue.Msg)
	}
	if err := c.Send(t.Context(), rec, true); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Reports()); n != 2 || len(srv.Duplicates()) != 0 {
		t.Errorf("%d reports, duplicates %v", n, srv.Duplicates())
	}
}

func TestSend_ServerDown_Retry(t *testing.T) {
	_, ts := startServer(t, nil)
	c := newClient(t, ts.URL, nil)
	ts.Close()
	err := c.Send(t.Context(), entry(1, maier, "2026-06-10T06:00:00Z", "2026-06-10T07:00:00Z"), false)
	wantClass(t, err, uplink.Retry)
}

func TestSend_Failures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault func(*blikktest.Server)
		want  uplink.Class
		after time.Duration
	}{
		{"500", func(s *blikktest.Server) { s.FailCreates(1, blikktest.Fault{Status: 500}) }, uplink.Uncertain, 0},
		{"503 down", func(s *blikktest.Server) { s.SetDown(blikktest.Down503) }, uplink.Retry, 0}, // token request fails first
		{"connection closed", func(s *blikktest.Server) { s.SetDown(blikktest.DownClose) }, uplink.Retry, 0},
		{"429", func(s *blikktest.Server) {
			s.FailCreates(1, blikktest.Fault{Status: 429, RetryAfter: "2", Body: `{"waitInSeconds": 3}`})
		}, uplink.Retry, 3 * time.Second},
		{"403", func(s *blikktest.Server) {
			s.FailCreates(1, blikktest.Fault{Status: 403, Body: `{"message":"You dont have the nessecery permissions to perform this action","ipAddressAllowed":true,"permissionsRequired":["Timereport_Write"]}`})
		}, uplink.Retry, 0},
		{"404", func(s *blikktest.Server) { s.FailCreates(1, blikktest.Fault{Status: 404, Body: " "}) }, uplink.Retry, 0},
		{"422", func(s *blikktest.Server) { s.FailCreates(1, blikktest.Fault{Status: 422}) }, uplink.Permanent, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, ts := startServer(t, nil)
			c := newClient(t, ts.URL, nil)
			tc.fault(srv)
			err := c.Send(t.Context(), entry(1, maier, "2026-06-10T06:00:00Z", "2026-06-10T07:00:00Z"), false)
			ue := wantClass(t, err, tc.want)
			if ue.RetryAfter != tc.after {
				t.Errorf("RetryAfter %v, want %v", ue.RetryAfter, tc.after)
			}
		})
	}
}

func TestSend_Timeout_UncertainThenReconciled(t *testing.T) {
	srv, ts := startServer(t, nil)
	c := newClient(t, ts.URL, func(o *blikk.Options) { o.Timeout = 200 * time.Millisecond })
	if _, err := c.CheckToken(t.Context()); err != nil {
		t.Fatal(err)
	}
	rec := entry(1, maier, "2026-06-10T06:00:00Z", "2026-06-10T07:00:00Z")
	srv.SetDelay(time.Second)
	wantClass(t, c.Send(t.Context(), rec, false), uplink.Uncertain)
	srv.SetDelay(0)
	if err := c.Send(t.Context(), rec, true); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Reports()); n != 1 || len(srv.Duplicates()) != 0 {
		t.Errorf("%d reports, duplicates %v", n, srv.Duplicates())
	}
}

func TestSend_ReconcileQueryFails_NotSent(t *testing.T) {
	srv, ts := startServer(t, nil)
	c := newClient(t, ts.URL, nil)
	if _, err := c.CheckToken(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv.SetDown(blikktest.Down503)
	err := c.Send(t.Context(), entry(1, maier, "2026-06-10T06:00:00Z", "2026-06-10T07:00:00Z"), true)
	wantClass(t, err, uplink.Uncertain)
	srv.SetDown(blikktest.Up)
	if n := srv.Requests().Creates; n != 0 {
		t.Errorf("%d creates after a failed reconcile", n)
	}
}

func TestCheckIDs(t *testing.T) {
	_, ts := startServer(t, nil)
	c := newClient(t, ts.URL, func(o *blikk.Options) { o.InternalProjectID = internalP })
	if err := c.CheckIDs(t.Context()); err != nil {
		t.Fatalf("CheckIDs: %v", err)
	}
	bad := newClient(t, ts.URL, func(o *blikk.Options) {
		o.ActivityID = 35
		o.TimeArticleID = 404
		o.Users = map[string]int{maier: maierUID, "ghost@example.com": 77}
	})
	err := bad.CheckIDs(t.Context())
	if !errors.Is(err, blikk.ErrInactive) || !errors.Is(err, blikk.ErrUnknownID) {
		t.Fatalf("CheckIDs = %v, want inactive and unknown ids", err)
	}
	for _, want := range []string{"ActivityID 35", "TimeArticleID 404", `users["ghost@example.com"] 77`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "TimeCodeID") {
		t.Errorf("%v names the valid time code", err)
	}
}

func TestUsersAndPaging(t *testing.T) {
	var users []blikktest.User
	for i := range 130 {
		users = append(users, blikktest.User{ID: 1000 + i, FirstName: "U", LastName: "X"})
	}
	_, ts := startServer(t, func(o *blikktest.Options) { o.Users = append(o.Users, users...) })
	c := newClient(t, ts.URL, nil)
	got, err := c.Users(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 132 || got[0].ID != maierUID || got[0].FirstName != "Anna" {
		t.Errorf("%d users, first %+v", len(got), got[0])
	}
}

func TestTimeReports(t *testing.T) {
	_, ts := startServer(t, nil)
	c := newClient(t, ts.URL, nil)
	for i, e := range []queue.Record{
		entry(1, maier, "2026-06-10T06:00:00Z", "2026-06-10T07:00:00Z"),
		entry(2, schulz, "2026-06-10T06:00:00Z", "2026-06-10T07:00:00Z"),
		entry(3, maier, "2026-06-11T06:00:00Z", "2026-06-11T07:00:00Z"),
	} {
		if err := c.Send(t.Context(), e, false); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	list, err := c.TimeReports(t.Context(), maier, utc("2026-06-10T12:00:00Z"), utc("2026-06-10T12:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].User.ID != maierUID || list[0].ClockStart != "08:00" || list[0].Date != "2026-06-10" || list[0].Activity.ID != activity {
		t.Errorf("list %+v", list)
	}
}

func TestLogs_NoSecrets(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, ts := startServer(t, nil)
	c := newClient(t, ts.URL, func(o *blikk.Options) { o.Logger = log })
	if err := c.Send(t.Context(), entry(1, maier, "2026-06-10T06:00:00Z", "2026-06-10T07:00:00Z"), false); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens()
	srv.FailCreates(1, blikktest.Fault{Status: 400, Body: `{"message":"The request is invalid.","modelState":{"date":["locked"]}}`})
	c.Send(t.Context(), entry(2, maier, "2026-06-11T06:00:00Z", "2026-06-11T07:00:00Z"), false)
	mu.Lock()
	defer mu.Unlock()
	out := buf.String()
	if !strings.Contains(out, `"uplink":"blikk"`) || !strings.Contains(out, "report created") {
		t.Errorf("logs lack the expected lines:\n%s", out)
	}
	for _, secretish := range []string{secret, "pk_", base64.StdEncoding.EncodeToString([]byte(appID + ":" + secret))} {
		if strings.Contains(out, secretish) {
			t.Errorf("logs contain %q:\n%s", secretish, out)
		}
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
