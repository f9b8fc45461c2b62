package rest_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"stampclock/uplink"
	"stampclock/uplink/rest"
)

func newClient(t *testing.T, h http.HandlerFunc, o rest.Options) *rest.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	o.BaseURL = srv.URL + "/base"
	c, err := rest.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClassify_StatusToClass(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	c, err := rest.New(rest.Options{BaseURL: "https://example.test", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		status int
		want   uplink.Class
	}{
		{301, uplink.Retry}, {400, uplink.Permanent}, {401, uplink.Retry}, {403, uplink.Retry},
		{404, uplink.Permanent}, {408, uplink.Uncertain}, {409, uplink.Retry}, {422, uplink.Permanent},
		{429, uplink.Retry}, {500, uplink.Uncertain}, {503, uplink.Uncertain},
	} {
		e := c.Classify(&rest.Answer{Status: tc.status, Header: http.Header{}}, "")
		if e == nil || e.Class != tc.want || e.Status != tc.status {
			t.Errorf("status %d: got %v, want class %v", tc.status, e, tc.want)
		}
	}
	if e := c.Classify(&rest.Answer{Status: 204}, ""); e != nil {
		t.Errorf("204: got %v, want nil", e)
	}
	h := http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}
	if e := c.Classify(&rest.Answer{Status: 503, Header: h}, "busy"); e.RetryAfter != 90*time.Second || e.Msg != "busy" {
		t.Errorf("Retry-After date: got %v after %s, want 90s and the message", e, e.RetryAfter)
	}
}

func TestDo_RedirectNotFollowed(t *testing.T) {
	var hits int
	c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			hits++
		}
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	}, rest.Options{})
	a, err := c.Do(context.Background(), rest.Request{Method: "POST", Path: "/x", Body: []byte("{}")})
	if err != nil {
		t.Fatal(err)
	}
	e := c.Classify(a, "")
	if hits != 0 || e == nil || e.Class != uplink.Retry || !strings.Contains(e.Msg, "/elsewhere") {
		t.Fatalf("got %v after %d follow-ups; want a Retry naming the redirect and none followed", e, hits)
	}
}

func TestDo_PathQueryHeadersAndBodyLimit(t *testing.T) {
	c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/base/items" || r.URL.Query().Get("a") != "1" || r.Header.Get("X-T") != "v" {
			http.Error(w, "bad request "+r.URL.String(), 400)
			return
		}
		w.Write([]byte(strings.Repeat("x", 100)))
	}, rest.Options{MaxAnswer: 10})
	a, err := c.Do(context.Background(), rest.Request{Method: "GET", Path: "/items", Query: map[string][]string{"a": {"1"}}, Header: http.Header{"X-T": {"v"}}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != 200 || len(a.Body) != 10 {
		t.Fatalf("got %d with %d bytes (%s); want 200 with the body cut at 10", a.Status, len(a.Body), a.Body)
	}
}

func TestDo_RefusedIsRetry(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, err := rest.New(rest.Options{BaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Do(context.Background(), rest.Request{Method: "POST", Body: []byte("{}")})
	if uplink.ClassOf(err) != uplink.Retry {
		t.Fatalf("got %v; want Retry (nothing was sent)", err)
	}
}

func TestText_OneShortLine(t *testing.T) {
	if got := rest.Text([]byte(" a\nb\tc "), 3); got != "a b…" {
		t.Fatalf("got %q", got)
	}
}

func TestClassify_ExceptionsAndReadOnly(t *testing.T) {
	c, err := rest.New(rest.Options{BaseURL: "https://example.test",
		Classes: map[int]uplink.Class{http.StatusNotFound: uplink.Retry, http.StatusConflict: uplink.Permanent}})
	if err != nil {
		t.Fatal(err)
	}
	ro, err := rest.New(rest.Options{BaseURL: "https://example.test", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		c      *rest.Client
		status int
		want   uplink.Class
	}{
		{c, 404, uplink.Retry}, {c, 409, uplink.Permanent}, {c, 400, uplink.Permanent}, {c, 500, uplink.Uncertain},
		{ro, 500, uplink.Retry}, {ro, 408, uplink.Retry}, {ro, 400, uplink.Permanent}, {ro, 429, uplink.Retry},
	} {
		if e := tc.c.Classify(&rest.Answer{Status: tc.status, Header: http.Header{}}, ""); e == nil || e.Class != tc.want {
			t.Errorf("status %d: got %v, want class %v", tc.status, e, tc.want)
		}
	}
}

func TestDo_CutOffAnswerIsUncertain_RetryWhenReadOnly(t *testing.T) {
	h := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte("{\"id\":")) // the connection closes 94 bytes short
	}
	for _, tc := range []struct {
		readOnly bool
		want     uplink.Class
	}{{false, uplink.Uncertain}, {true, uplink.Retry}} {
		c := newClient(t, h, rest.Options{ReadOnly: tc.readOnly})
		_, err := c.Do(context.Background(), rest.Request{Method: "POST", Body: []byte("{}")})
		if uplink.ClassOf(err) != tc.want || !strings.Contains(err.Error(), "cut off") {
			t.Errorf("read-only %v: got %v; want %v, the answer cut off", tc.readOnly, err, tc.want)
		}
	}
}

func TestParseBase_TrimsAndRefuses(t *testing.T) {
	u, err := rest.ParseBase("https://api.example.test/v2/?x=1#f")
	if err != nil || u.String() != "https://api.example.test/v2" {
		t.Fatalf("got %v, %v; want the base without slash, query and fragment", u, err)
	}
	for _, bad := range []string{"ftp://api.example.test", "api.example.test", "https://"} {
		if _, err := rest.ParseBase(bad); err == nil || !strings.Contains(err.Error(), "want http:// or https://") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestDo_JSONBody(t *testing.T) {
	c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get("Content-Type") != "application/json" || string(b) != `{"a":1}` {
			http.Error(w, "got "+r.Header.Get("Content-Type")+" "+string(b), 400)
		}
	}, rest.Options{})
	a, err := c.Do(context.Background(), rest.Request{Method: "POST", JSON: map[string]int{"a": 1}})
	if err != nil || !a.OK() {
		t.Fatalf("got %v, %v (%s)", a, err, a.Body)
	}
	_, err = c.Do(context.Background(), rest.Request{Method: "POST", JSON: func() {}})
	if uplink.ClassOf(err) != uplink.Permanent {
		t.Fatalf("unencodable body: %v; want Permanent", err)
	}
}

// Options.Timeout bounds an exchange, the answer's body included, whether
// the client is the default one (its own timeout) or one given without a
// timeout or with a longer one (Do's context): a stalled receiver is
// Uncertain, not a hang.
func TestDo_TimeoutBoundsTheExchange(t *testing.T) {
	for _, tc := range []struct {
		name string
		hc   *http.Client
	}{
		{"default client", nil},
		{"client without timeout", &http.Client{}},
		{"client with a longer timeout", &http.Client{Timeout: time.Hour}},
	} {
		for _, stall := range []string{"headers", "body"} {
			t.Run(tc.name+"/"+stall, func(t *testing.T) {
				release := make(chan struct{})
				c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
					if stall == "body" {
						w.WriteHeader(http.StatusOK)
						io.WriteString(w, "[")
						w.(http.Flusher).Flush()
					}
					select {
					case <-release:
					case <-r.Context().Done():
					}
				}, rest.Options{Timeout: 100 * time.Millisecond, HTTPClient: tc.hc})
				t.Cleanup(func() { close(release) })
				done := make(chan error, 1)
				go func() {
					_, err := c.Do(context.Background(), rest.Request{Method: http.MethodPost, Path: "/x", Body: []byte("{}")})
					done <- err
				}()
				select {
				case err := <-done:
					if uplink.ClassOf(err) != uplink.Uncertain {
						t.Fatalf("err %v (class %v), want Uncertain", err, uplink.ClassOf(err))
					}
				case <-time.After(10 * time.Second):
					t.Fatal("Do still waits on a stalled receiver 10 s after its 100 ms timeout")
				}
			})
		}
	}
}
