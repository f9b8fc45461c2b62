package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// fakeClock is the injected clock of sessions and the login limit.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeDaemon answers control commands with canned values and records
// which commands reached it.
type fakeDaemon struct {
	mu      sync.Mutex
	calls   []string
	answers map[string]any
	errs    map[string]error
	args    map[string]json.RawMessage // the last arguments of each command
}

func (f *fakeDaemon) handle(_ context.Context, cmd string, args json.RawMessage) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, cmd)
	if f.args == nil {
		f.args = map[string]json.RawMessage{}
	}
	f.args[cmd] = args
	return f.answers[cmd], f.errs[cmd]
}

func (f *fakeDaemon) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

const (
	adminPW  = "admin-secret-1"
	viewerPW = "viewer-secret-1"
)

type fixture struct {
	s     *Server
	d     *fakeDaemon
	clock *fakeClock
	ts    *httptest.Server
	feed  *Feed
}

// newFixture serves a page on a TLS test server with an admin and a viewer
// login and a fake daemon.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	users := filepath.Join(t.TempDir(), "web-users")
	if err := SetPassword(users, "admin", Admin, adminPW, bcrypt.MinCost); err != nil {
		t.Fatal(err)
	}
	if err := SetPassword(users, "view", Viewer, viewerPW, bcrypt.MinCost); err != nil {
		t.Fatal(err)
	}
	f := &fixture{d: &fakeDaemon{answers: map[string]any{}, errs: map[string]error{}}, clock: &fakeClock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}}
	f.feed = NewFeed(0, f.clock.Now)
	s, err := New(Options{UsersFile: users, Handle: f.d.handle, Now: f.clock.Now, Feed: f.feed, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	f.s = s
	f.ts = httptest.NewTLSServer(s.Handler())
	t.Cleanup(f.ts.Close)
	return f
}

// client is a browser: cookies, no automatic redirects.
type client struct {
	t    *testing.T
	c    *http.Client
	base string
}

func (f *fixture) client(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	c := new(http.Client)
	*c = *f.ts.Client() // its transport trusts the test certificate
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &client{t: t, c: c, base: f.ts.URL}
}

type resp struct {
	code int
	loc  string
	body string
	hdr  http.Header
}

func (c *client) do(req *http.Request) resp {
	c.t.Helper()
	r, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return resp{code: r.StatusCode, loc: r.Header.Get("Location"), body: string(b), hdr: r.Header}
}

func (c *client) get(path string, hdr ...string) resp {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return c.do(req)
}

func (c *client) post(path string, form url.Values) resp {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf field in:\n%s", body)
	}
	return m[1]
}

// login logs in and returns the session's CSRF token.
func (c *client) login(user, pw string) string {
	c.t.Helper()
	r := c.get("/login")
	r = c.post("/login", url.Values{"user": {user}, "password": {pw}, "csrf": {csrfOf(c.t, r.body)}})
	if r.code != http.StatusSeeOther || r.loc != "/" {
		c.t.Fatalf("login %s: %d %s\n%s", user, r.code, r.loc, r.body)
	}
	return csrfOf(c.t, c.get("/").body)
}
