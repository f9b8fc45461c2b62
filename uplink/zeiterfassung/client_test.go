package zeiterfassung_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"stampclock/queue"
	"stampclock/uplink"
	"stampclock/uplink/zeiterfassung"
	"stampclock/uplink/zeiterfassung/zeittest"
)

const (
	admin = "admin@example.com"
	pass  = "s3cret-pass"
	maier = "maier@example.com"
	tt    = "56941eee-86a7-4a8d-8af1-f78b0a688f32"
	proj  = "693fe9a3-bb48-4763-bb20-5fd9fa4ffeb2"
)

func serverOptions() zeittest.Options {
	return zeittest.Options{
		Email: admin, Password: pass, Users: []string{maier},
		TimeTypes: []zeittest.IDName{{ID: tt, Name: "Arbeitszeit"}},
		Projects:  []zeittest.IDName{{ID: proj, Name: "Demoprojekt"}},
	}
}

func startServer(t *testing.T) (*zeittest.Server, *httptest.Server) {
	t.Helper()
	return zeittest.Start(t, serverOptions())
}

func newClient(t *testing.T, url string, mod func(*zeiterfassung.Options)) *zeiterfassung.Client {
	t.Helper()
	o := zeiterfassung.Options{
		BaseURL: url, Email: admin, Password: pass, TimeTypeID: tt,
		Location: mustLoad(t, "Europe/Berlin"), Timeout: 2 * time.Second,
	}
	if mod != nil {
		mod(&o)
	}
	c, err := zeiterfassung.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func entry(seq uint64, start, end string) queue.Record {
	return queue.Record{Seq: seq, Kind: queue.KindEntry, Email: maier, Start: utc(start), End: utc(end)}
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

type wall struct{ start, end string }

func walls(es []zeittest.Entry) []wall {
	var w []wall
	for _, e := range es {
		w = append(w, wall{e.StartTime, e.EndTime})
	}
	return w
}

func equalWalls(a, b []wall) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestNew_Validation(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	ok := zeiterfassung.Options{BaseURL: "https://zeit.example.com", Email: admin, TimeTypeID: tt, Location: berlin}
	for _, tc := range []struct {
		field string
		mod   func(*zeiterfassung.Options)
	}{
		{"BaseURL", func(o *zeiterfassung.Options) { o.BaseURL = "" }},
		{"BaseURL", func(o *zeiterfassung.Options) { o.BaseURL = "ftp://zeit.example.com" }},
		{"BaseURL", func(o *zeiterfassung.Options) { o.BaseURL = "zeit.example.com" }},
		{"BaseURL", func(o *zeiterfassung.Options) { o.BaseURL = "http://%zz" }},
		{"Email", func(o *zeiterfassung.Options) { o.Email = "" }},
		{"TimeTypeID", func(o *zeiterfassung.Options) { o.TimeTypeID = "" }},
		{"Location", func(o *zeiterfassung.Options) { o.Location = nil }},
	} {
		o := ok
		tc.mod(&o)
		if _, err := zeiterfassung.New(o); err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("New(%+v) = %v, want an error naming %s", o, err, tc.field)
		}
	}
	if _, err := zeiterfassung.New(ok); err != nil {
		t.Errorf("New(valid) = %v", err)
	}
}

func TestSend_Normal(t *testing.T) {
	srv, ts := startServer(t)
	c := newClient(t, ts.URL, func(o *zeiterfassung.Options) { o.ProjectID = proj; o.Comment = "Stempeluhr" })
	if err := c.Send(t.Context(), entry(1, "2026-06-10T06:00:20Z", "2026-06-10T14:30:59Z"), false); err != nil {
		t.Fatal(err)
	}
	es := srv.Entries()
	want := zeittest.Entry{StartTime: "2026-06-10T08:00:00", EndTime: "2026-06-10T16:30:00", UserEmail: maier, TimeTypeID: tt, ProjectID: proj, Comment: "Stempeluhr"}
	if len(es) != 1 || es[0].ID == "" {
		t.Fatalf("entries %+v", es)
	}
	es[0].ID = ""
	if es[0] != want {
		t.Errorf("stored %+v, want %+v", es[0], want)
	}
	if st := srv.Requests(); st.Logins != 1 || st.Creates != 1 || st.Queries != 0 {
		t.Errorf("stats %+v", st)
	}
	// The token is cached.
	if err := c.Send(t.Context(), entry(2, "2026-06-11T06:00:00Z", "2026-06-11T14:00:00Z"), false); err != nil {
		t.Fatal(err)
	}
	if st := srv.Requests(); st.Logins != 1 || st.Creates != 2 {
		t.Errorf("second send: stats %+v", st)
	}
}

func TestSend_NonEntryIgnored(t *testing.T) {
	srv, ts := startServer(t)
	c := newClient(t, ts.URL, nil)
	for _, k := range []queue.Kind{queue.KindPunch, queue.KindEvent} {
		if err := c.Send(t.Context(), queue.Record{Kind: k, Email: maier, At: time.Now()}, true); err != nil {
			t.Errorf("Send(%s) = %v", k, err)
		}
	}
	if st := srv.Requests(); st.Requests != 0 {
		t.Errorf("non-entries caused %d requests", st.Requests)
	}
}

func TestSend_InvalidRecordPermanent(t *testing.T) {
	_, ts := startServer(t)
	c := newClient(t, ts.URL, nil)
	bad := entry(1, "2026-06-10T14:00:00Z", "2026-06-10T06:00:00Z")
	wantClass(t, c.Send(t.Context(), bad, false), uplink.Permanent)
	noMail := entry(2, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z")
	noMail.Email = ""
	wantClass(t, c.Send(t.Context(), noMail, false), uplink.Permanent)
}

func TestSend_DSTSplit(t *testing.T) {
	for _, tc := range []struct {
		name, start, end string
		want             []wall
	}{
		{"spring forward", "2026-03-28T21:00:00Z", "2026-03-29T04:00:00Z",
			[]wall{{"2026-03-28T22:00:00", "2026-03-29T02:00:00"}, {"2026-03-29T03:00:00", "2026-03-29T06:00:00"}}},
		{"fall back", "2026-10-24T20:00:00Z", "2026-10-25T05:00:00Z",
			[]wall{{"2026-10-24T22:00:00", "2026-10-25T03:00:00"}, {"2026-10-25T02:00:00", "2026-10-25T06:00:00"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, ts := startServer(t)
			c := newClient(t, ts.URL, nil)
			if err := c.Send(t.Context(), entry(1, tc.start, tc.end), false); err != nil {
				t.Fatal(err)
			}
			if got := walls(srv.Entries()); !equalWalls(got, tc.want) {
				t.Errorf("stored %v, want %v", got, tc.want)
			}
			// Reconciling the same entry finds both segments.
			if err := c.Send(t.Context(), entry(1, tc.start, tc.end), true); err != nil {
				t.Fatal(err)
			}
			if n, d := len(srv.Entries()), len(srv.Duplicates()); n != 2 || d != 0 {
				t.Errorf("after reconcile: %d entries, %d duplicates", n, d)
			}
		})
	}
}

func TestSend_SecondSegmentFails_UncertainThenReconciled(t *testing.T) {
	srv := zeittest.New(serverOptions())
	var creates atomic.Int32
	h := srv.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/createtimeentry") && creates.Add(1) == 2 {
			http.Error(w, "busy", http.StatusTooManyRequests) // certainly not stored
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	c := newClient(t, ts.URL, nil)
	rec := entry(1, "2026-10-24T20:00:00Z", "2026-10-25T05:00:00Z")
	ue := wantClass(t, c.Send(t.Context(), rec, false), uplink.Uncertain)
	if ue.Status != 429 {
		t.Errorf("status %d, want 429 kept", ue.Status)
	}
	if n := len(srv.Entries()); n != 1 {
		t.Fatalf("%d entries after partial send, want 1", n)
	}
	if err := c.Send(t.Context(), rec, true); err != nil {
		t.Fatal(err)
	}
	want := []wall{{"2026-10-24T22:00:00", "2026-10-25T03:00:00"}, {"2026-10-25T02:00:00", "2026-10-25T06:00:00"}}
	if got := walls(srv.Entries()); !equalWalls(got, want) || len(srv.Duplicates()) != 0 {
		t.Errorf("stored %v (duplicates %v), want %v", got, srv.Duplicates(), want)
	}
}

func TestSend_TokenExpired_ReloginOnce(t *testing.T) {
	srv, ts := startServer(t)
	c := newClient(t, ts.URL, nil)
	if err := c.SecuredHello(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens()
	if err := c.Send(t.Context(), entry(1, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z"), false); err != nil {
		t.Fatal(err)
	}
	if st := srv.Requests(); st.Logins != 2 || st.Unauthorized != 1 || st.Stored != 1 {
		t.Errorf("stats %+v, want 2 logins, 1 unauthorized, 1 stored", st)
	}
}

func TestSend_Unauthorized_Twice_Retry(t *testing.T) {
	srv, ts := startServer(t)
	c := newClient(t, ts.URL, nil)
	srv.RejectAuth(2)
	ue := wantClass(t, c.Send(t.Context(), entry(1, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z"), false), uplink.Retry)
	if ue.Status != 401 {
		t.Errorf("status %d, want 401", ue.Status)
	}
	if st := srv.Requests(); st.Logins != 2 || st.Stored != 0 {
		t.Errorf("stats %+v, want 2 logins and nothing stored", st)
	}
}

func TestLogin_CredentialsRejected_RetryWithoutPassword(t *testing.T) {
	_, ts := startServer(t)
	const wrong = "wrong-password-123"
	c := newClient(t, ts.URL, func(o *zeiterfassung.Options) { o.Password = wrong })
	err := c.Send(t.Context(), entry(1, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z"), false)
	ue := wantClass(t, err, uplink.Retry)
	if ue.Status != 401 || !strings.Contains(err.Error(), "credentials rejected") || strings.Contains(err.Error(), wrong) {
		t.Errorf("error %q: want status 401, 'credentials rejected', no password", err)
	}
}

func TestLogin_BodyStyles(t *testing.T) {
	for _, style := range []zeittest.LoginStyle{zeittest.LoginRaw, zeittest.LoginJSONString} {
		o := serverOptions()
		o.LoginStyle = style
		srv, ts := zeittest.Start(t, o)
		c := newClient(t, ts.URL, nil)
		if err := c.Send(t.Context(), entry(1, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z"), false); err != nil {
			t.Errorf("style %d: %v", style, err)
		}
		if n := len(srv.Entries()); n != 1 {
			t.Errorf("style %d: %d entries", style, n)
		}
	}
}

func TestAuth_CustomHeaderAndRawScheme(t *testing.T) {
	o := serverOptions()
	o.AuthHeader, o.AuthScheme = "X-Auth-Token", "none"
	_, ts := zeittest.Start(t, o)
	c := newClient(t, ts.URL, func(o *zeiterfassung.Options) {
		o.AuthHeader, o.AuthScheme = "X-Auth-Token", zeiterfassung.AuthSchemeNone
	})
	if err := c.SecuredHello(t.Context()); err != nil {
		t.Fatal(err)
	}
	wrong := newClient(t, ts.URL, nil) // Authorization: Bearer
	wantClass(t, wrong.SecuredHello(t.Context()), uplink.Retry)
}

func TestSend_StatusClasses(t *testing.T) {
	now := time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		fault      zeittest.Fault
		class      uplink.Class
		retryAfter time.Duration
		msg        string
	}{
		{"429 seconds", zeittest.Fault{Status: 429, RetryAfter: "7"}, uplink.Retry, 7 * time.Second, ""},
		{"429 date", zeittest.Fault{Status: 429, RetryAfter: now.Add(90 * time.Second).Format(http.TimeFormat)}, uplink.Retry, 90 * time.Second, ""},
		{"500", zeittest.Fault{Status: 500}, uplink.Uncertain, 0, ""},
		{"503 retry-after", zeittest.Fault{Status: 503, RetryAfter: "30"}, uplink.Uncertain, 30 * time.Second, ""},
		{"408", zeittest.Fault{Status: 408}, uplink.Uncertain, 0, ""},
		{"400", zeittest.Fault{Status: 400, Message: "Der Zeitraum ist gesperrt"}, uplink.Permanent, 0, "Der Zeitraum ist gesperrt"},
		{"422", zeittest.Fault{Status: 422, Message: "invalid"}, uplink.Permanent, 0, "invalid"},
		{"400 long message", zeittest.Fault{Status: 400, Message: strings.Repeat("ä", 400)}, uplink.Permanent, 0, "ää"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, ts := startServer(t)
			c := newClient(t, ts.URL, func(o *zeiterfassung.Options) { o.Now = func() time.Time { return now } })
			srv.FailCreates(1, tc.fault)
			ue := wantClass(t, c.Send(t.Context(), entry(1, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z"), false), tc.class)
			if ue.Status != tc.fault.Status || ue.RetryAfter != tc.retryAfter {
				t.Errorf("status %d retry-after %v, want %d %v", ue.Status, ue.RetryAfter, tc.fault.Status, tc.retryAfter)
			}
			if !strings.Contains(ue.Msg, tc.msg) || len(ue.Msg) > 510 {
				t.Errorf("msg %q (%d bytes), want %q, at most ~500 bytes", ue.Msg, len(ue.Msg), tc.msg)
			}
		})
	}
}

func TestSend_ServerValidation_Permanent(t *testing.T) {
	_, ts := startServer(t)
	c := newClient(t, ts.URL, func(o *zeiterfassung.Options) { o.ProjectID = "no-such-project" })
	ue := wantClass(t, c.Send(t.Context(), entry(1, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z"), false), uplink.Permanent)
	if ue.Status != 400 || !strings.Contains(ue.Msg, "unknown projectid") {
		t.Errorf("error %v, want 400 with the server's message", ue)
	}
	unknown := entry(2, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z")
	unknown.Email = "nobody@example.com"
	c = newClient(t, ts.URL, nil)
	if ue := wantClass(t, c.Send(t.Context(), unknown, false), uplink.Permanent); ue.Status != 404 {
		t.Errorf("unknown user: status %d, want 404", ue.Status)
	}
}

func TestSend_DroppedAfterStore_UncertainThenReconciled(t *testing.T) {
	srv, ts := startServer(t)
	c := newClient(t, ts.URL, nil)
	rec := entry(1, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z")
	srv.DropAfterStore(1)
	wantClass(t, c.Send(t.Context(), rec, false), uplink.Uncertain)
	if err := c.Send(t.Context(), rec, true); err != nil {
		t.Fatal(err)
	}
	if n, d := len(srv.Entries()), srv.Duplicates(); n != 1 || len(d) != 0 {
		t.Errorf("%d entries, duplicates %v; want 1 and none", n, d)
	}
	if st := srv.Requests(); st.Creates != 1 || st.Queries != 1 {
		t.Errorf("stats %+v, want 1 create and 1 query", st)
	}
	// Reconcile of an entry that is not there creates it.
	if err := c.Send(t.Context(), entry(2, "2026-06-11T06:00:00Z", "2026-06-11T14:00:00Z"), true); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Entries()); n != 2 {
		t.Errorf("%d entries, want 2", n)
	}
}

func TestSend_Reconcile_DifferentEntryNotMatched(t *testing.T) {
	srv, ts := startServer(t)
	c := newClient(t, ts.URL, nil)
	// Same start, other end: a different entry.
	srv.AddEntry(zeittest.Entry{StartTime: "2026-06-10T08:00:00", EndTime: "2026-06-10T12:00:00", UserEmail: maier, TimeTypeID: tt})
	if err := c.Send(t.Context(), entry(1, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z"), true); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Entries()); n != 2 {
		t.Errorf("%d entries, want 2", n)
	}
}

func TestSend_SlowServer_UncertainThenReconciled(t *testing.T) {
	srv, ts := startServer(t)
	c := newClient(t, ts.URL, func(o *zeiterfassung.Options) { o.Timeout = 100 * time.Millisecond })
	if err := c.SecuredHello(t.Context()); err != nil {
		t.Fatal(err)
	}
	rec := entry(1, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z")
	srv.SetDelay(time.Second)
	wantClass(t, c.Send(t.Context(), rec, false), uplink.Uncertain)
	srv.SetDelay(0)
	if err := c.Send(t.Context(), rec, true); err != nil {
		t.Fatal(err)
	}
	if n, d := len(srv.Entries()), len(srv.Duplicates()); n != 1 || d != 0 {
		t.Errorf("%d entries, %d duplicates; want 1 and 0", n, d)
	}
}

func TestSend_ServerDown(t *testing.T) {
	t.Run("listener closed", func(t *testing.T) {
		srv, ts := startServer(t)
		c := newClient(t, ts.URL, nil)
		if err := c.SecuredHello(t.Context()); err != nil {
			t.Fatal(err)
		}
		ts.Close()
		// httptest closes only Go's default transport's idle
		// connections; a POST on one the server is closing may have
		// been received (Uncertain). Here nothing is kept open.
		c.CloseIdleConnections()
		rec := entry(1, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z")
		wantClass(t, c.Send(t.Context(), rec, false), uplink.Retry)
		// A reconcile that cannot be done never falls through to a POST.
		wantClass(t, c.Send(t.Context(), rec, true), uplink.Uncertain)
		if n := len(srv.Entries()); n != 0 {
			t.Errorf("%d entries", n)
		}
	})
	t.Run("dns failure", func(t *testing.T) {
		c := newClient(t, "http://no-such-host.invalid", nil)
		wantClass(t, c.Send(t.Context(), entry(1, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z"), false), uplink.Retry)
	})
	t.Run("503", func(t *testing.T) {
		srv, ts := startServer(t)
		c := newClient(t, ts.URL, nil)
		if err := c.SecuredHello(t.Context()); err != nil {
			t.Fatal(err)
		}
		srv.SetDown(zeittest.Down503)
		wantClass(t, c.Send(t.Context(), entry(1, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z"), false), uplink.Uncertain)
	})
	t.Run("connection closed, not logged in", func(t *testing.T) {
		srv, ts := startServer(t)
		c := newClient(t, ts.URL, nil)
		srv.SetDown(zeittest.DownClose)
		// The login fails; nothing can have been stored.
		wantClass(t, c.Send(t.Context(), entry(1, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z"), false), uplink.Retry)
	})
}

func TestSend_ReconcileQueryFails_NoPost(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		class  uplink.Class
	}{
		{"malformed JSON", 200, `[{"id": "1", "starttime": `, uplink.Uncertain},
		{"doc-style pseudo JSON", 200, `[{"2b301fbc-9594-4bdf-abc4-6cd77714134d"}]`, uplink.Uncertain},
		{"object instead of list", 200, `{"entries": []}`, uplink.Uncertain},
		{"429", 429, `slow down`, uplink.Uncertain},
		{"500", 500, `oops`, uplink.Uncertain},
		{"400", 400, `{"message": "bad query"}`, uplink.Permanent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := zeittest.New(serverOptions())
			h := srv.Handler()
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/timeentries") {
					w.WriteHeader(tc.status)
					w.Write([]byte(tc.body))
					return
				}
				h.ServeHTTP(w, r)
			}))
			t.Cleanup(ts.Close)
			c := newClient(t, ts.URL, nil)
			err := c.Send(t.Context(), entry(1, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z"), true)
			wantClass(t, err, tc.class)
			if st := srv.Requests(); st.Creates != 0 {
				t.Errorf("%d creates after a failed reconcile", st.Creates)
			}
			if _, err := c.Entries(t.Context(), maier, utc("2026-06-10T00:00:00Z"), utc("2026-06-11T00:00:00Z")); err == nil {
				t.Errorf("Entries: no error")
			}
		})
	}
}

func TestSend_RedirectNotFollowed(t *testing.T) {
	srv, target := startServer(t)
	redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+r.URL.Path, http.StatusFound)
	}))
	t.Cleanup(redir.Close)
	c := newClient(t, redir.URL, nil)
	wantClass(t, c.Send(t.Context(), entry(1, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z"), false), uplink.Retry)
	if n := len(srv.Entries()); n != 0 {
		t.Errorf("%d entries", n)
	}
}

func TestSend_ContextCanceled_Retry(t *testing.T) {
	_, ts := startServer(t)
	c := newClient(t, ts.URL, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	wantClass(t, c.Send(ctx, entry(1, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z"), false), uplink.Retry)
}

func TestTechnicianCalls(t *testing.T) {
	srv, ts := startServer(t)
	c := newClient(t, ts.URL, nil)
	ctx := t.Context()
	if err := c.Hello(ctx); err != nil {
		t.Errorf("Hello: %v", err)
	}
	if err := c.SecuredHello(ctx); err != nil {
		t.Errorf("SecuredHello: %v", err)
	}
	if users, err := c.Users(ctx); err != nil || strings.Join(users, ",") != admin+","+maier {
		t.Errorf("Users = %v, %v", users, err)
	}
	if tts, err := c.TimeTypes(ctx); err != nil || len(tts) != 1 || tts[0] != (zeiterfassung.IDName{ID: tt, Name: "Arbeitszeit"}) {
		t.Errorf("TimeTypes = %v, %v", tts, err)
	}
	if ps, err := c.Projects(ctx); err != nil || len(ps) != 1 || ps[0].ID != proj {
		t.Errorf("Projects = %v, %v", ps, err)
	}
	srv.AddEntry(zeittest.Entry{StartTime: "2026-06-10T08:00:00", EndTime: "2026-06-10T16:00:00", UserEmail: maier, TimeTypeID: tt, ProjectID: proj})
	es, err := c.Entries(ctx, maier, utc("2026-06-10T00:00:00Z"), utc("2026-06-10T22:00:00Z"))
	if err != nil || len(es) != 1 || es[0].StartTime != "2026-06-10T08:00:00" || es[0].ProjectID != proj || es[0].ID == "" {
		t.Errorf("Entries = %+v, %v", es, err)
	}
}

func TestParseUsers(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{`[{"loginemail":"a@x"},{"loginemail":"b@x"}]`, "a@x,b@x", true},
		{`["a@x","b@x"]`, "a@x,b@x", true},
		{`[{"email":"a@x"}, "b@x"]`, "a@x,b@x", true},
		{`[]`, "", true},
		{`[{"admin@somedomain.com"}]`, "", false},
		{`[{"name":"a"}]`, "", false},
		{`[1]`, "", false},
		{`{"loginemail":"a@x"}`, "", false},
		{``, "", false},
	} {
		got, err := zeiterfassung.ParseUsers([]byte(tc.in))
		if (err == nil) != tc.ok || strings.Join(got, ",") != tc.want {
			t.Errorf("ParseUsers(%s) = %v, %v; want %q ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestParseLoginBody(t *testing.T) {
	const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{jwt, true},
		{" " + jwt + "\r\n", true},
		{`"` + jwt + `"`, true},
		{` "` + jwt + ` "` + "\n", true},
		{`{"token":"` + jwt + `"}`, true},
		{``, false},
		{`""`, false},
		{`"unterminated`, false},
		{"two words", false},
		{`{"nothing":1}`, false},
		{"tok\x00en", false},
	} {
		got, err := zeiterfassung.ParseLoginBody([]byte(tc.in))
		if tc.ok && (err != nil || got != jwt) {
			t.Errorf("ParseLoginBody(%q) = %q, %v; want the token", tc.in, got, err)
		}
		if !tc.ok && err == nil {
			t.Errorf("ParseLoginBody(%q) = %q, want an error", tc.in, got)
		}
	}
}

func TestSend_TLSVerifiedByDefault_UntrustedCertificateIsRetry(t *testing.T) {
	zs := zeittest.New(serverOptions())
	ts := httptest.NewTLSServer(zs.Handler()) // self-signed: not in the system roots
	defer ts.Close()
	c := newClient(t, ts.URL, nil)
	err := c.Send(context.Background(), entry(1, "2026-03-02T07:00:00Z", "2026-03-02T15:00:00Z"), false)
	ue := wantClass(t, err, uplink.Retry)
	if !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("error %v (%+v) does not name the certificate problem", err, ue)
	}
	if n := len(zs.Entries()); n != 0 {
		t.Fatalf("%d entries reached a server with an untrusted certificate", n)
	}
	// With the server's CA trusted, the same client options deliver.
	c = newClient(t, ts.URL, func(o *zeiterfassung.Options) { o.HTTPClient = ts.Client() })
	if err := c.Send(context.Background(), entry(1, "2026-03-02T07:00:00Z", "2026-03-02T15:00:00Z"), false); err != nil {
		t.Fatal(err)
	}
}

func TestSecuredHello_WrongPassword_CauseSaidOnce(t *testing.T) {
	_, ts := startServer(t)
	c := newClient(t, ts.URL, func(o *zeiterfassung.Options) { o.Password = "wrong" })
	err := c.SecuredHello(context.Background())
	if err == nil {
		t.Fatal("wrong password accepted")
	}
	msg := err.Error()
	if strings.Count(msg, "zeiterfassung:") != 1 || strings.Contains(msg, "retry") || !strings.Contains(msg, "HTTP 401") || !strings.Contains(msg, "credentials rejected") {
		t.Fatalf("error %q: want the package once, no class word, the status and the cause", msg)
	}
}
