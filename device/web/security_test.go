package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"stampclock/device/agent"
	"stampclock/device/daemon"
	"stampclock/device/feedback"
)

// sessionRoutes are the routes that need a login.
func sessionRoutes(s *Server) []route {
	var out []route
	for _, rt := range s.routes {
		if rt.role != "" {
			out = append(out, rt)
		}
	}
	return out
}

func routePath(rt route) string {
	if rt.path == "/{$}" {
		return "/"
	}
	return rt.path
}

func TestRoutes_WithoutSession_RefusedAndNoCommandRuns(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	for _, rt := range sessionRoutes(f.s) {
		var r resp
		if rt.method == "GET" {
			r = c.get(routePath(rt))
		} else {
			r = c.post(routePath(rt), url.Values{"csrf": {"guess"}, "uid": {"04A1B2C3"}, "email": {"a@example.com"}})
		}
		switch {
		case r.code == http.StatusSeeOther && r.loc == "/login" && rt.method == "GET":
		case r.code == http.StatusUnauthorized:
		default:
			t.Errorf("%s %s without a session: %d %q; want a redirect to /login or 401", rt.method, rt.path, r.code, r.loc)
		}
	}
	if calls := f.d.called(); len(calls) > 0 {
		t.Errorf("commands ran without a session: %v", calls)
	}
}

func TestRoutes_ViewerSession_AdminRoutesRefused(t *testing.T) {
	f := newFixture(t)
	f.d.answers["status"] = daemon.Status{Device: "t1"}
	c := f.client(t)
	csrf := c.login("view", viewerPW)
	before := len(f.d.called())
	admin := 0
	for _, rt := range sessionRoutes(f.s) {
		if rt.role != Admin {
			continue
		}
		admin++
		var r resp
		if rt.method == "GET" {
			r = c.get(routePath(rt))
		} else {
			r = c.post(routePath(rt), url.Values{"csrf": {csrf}, "uid": {"04A1B2C3"}, "email": {"a@example.com"}})
		}
		if r.code != http.StatusForbidden {
			t.Errorf("%s %s as viewer: %d; want 403", rt.method, rt.path, r.code)
		}
	}
	if admin < 10 {
		t.Fatalf("only %d admin routes", admin)
	}
	if calls := f.d.called()[before:]; len(calls) > 0 {
		t.Errorf("a viewer ran admin commands: %v", calls)
	}
	// What a viewer may see works.
	if r := c.get("/"); r.code != 200 || !strings.Contains(r.body, "t1") {
		t.Errorf("status as viewer: %d", r.code)
	}
	if r := c.get("/taps"); r.code != 200 {
		t.Errorf("taps as viewer: %d", r.code)
	}
}

func TestPost_CSRFMissingOrWrong_Refused(t *testing.T) {
	f := newFixture(t)
	f.d.answers["badges.add"] = daemon.BadgeInfo{UID: "04A1B2C3", Email: "a@example.com"}
	c := f.client(t)
	csrf := c.login("admin", adminPW)
	for _, rt := range sessionRoutes(f.s) {
		if rt.method != "POST" {
			continue
		}
		for name, form := range map[string]url.Values{
			"missing": {"uid": {"04A1B2C3"}},
			"wrong":   {"uid": {"04A1B2C3"}, "csrf": {csrf[:len(csrf)-2] + "xx"}},
			"empty":   {"uid": {"04A1B2C3"}, "csrf": {""}},
		} {
			if r := c.post(routePath(rt), form); r.code != http.StatusForbidden {
				t.Errorf("POST %s with %s CSRF token: %d; want 403", rt.path, name, r.code)
			}
		}
	}
	if calls := f.d.called(); slices.ContainsFunc(calls, func(c string) bool { return c != "status" }) {
		t.Errorf("commands ran without a valid CSRF token: %v", calls)
	}
	// Another session's token is no good either.
	other := f.client(t).login("admin", adminPW)
	if r := c.post("/badges/add", url.Values{"csrf": {other}, "uid": {"04A1B2C3"}, "email": {"a@example.com"}}); r.code != http.StatusForbidden {
		t.Errorf("POST with another session's token: %d; want 403", r.code)
	}
	// The right token works: the refusals above were the token's doing.
	if r := c.post("/badges/add", url.Values{"csrf": {csrf}, "uid": {"04A1B2C3"}, "email": {"a@example.com"}}); r.code != http.StatusSeeOther {
		t.Errorf("POST with the right token: %d; want 303", r.code)
	}
	if !slices.Contains(f.d.called(), "badges.add") {
		t.Error("badges.add did not run with the right token")
	}
}

func TestLogin_WithoutFormToken_Refused(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	r := c.post("/login", url.Values{"user": {"admin"}, "password": {adminPW}})
	if r.code != http.StatusForbidden {
		t.Fatalf("login without the form's token: %d; want 403", r.code)
	}
	if r := c.get("/"); r.code != http.StatusSeeOther {
		t.Errorf("logged in anyway: %d", r.code)
	}
}

func TestLogin_WrongPasswords_RateLimitedUntilWindowPasses(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	try := func(pw string) resp {
		r := c.get("/login")
		return c.post("/login", url.Values{"user": {"admin"}, "password": {pw}, "csrf": {csrfOf(t, r.body)}})
	}
	for i := 0; i < 5; i++ {
		if r := try("wrong-password"); r.code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d; want 401", i+1, r.code)
		}
		f.clock.Advance(time.Minute)
	}
	r := try(adminPW)
	if r.code != http.StatusTooManyRequests || r.hdr.Get("Retry-After") == "" {
		t.Fatalf("6th attempt, right password: %d Retry-After %q; want 429 with Retry-After", r.code, r.hdr.Get("Retry-After"))
	}
	if !strings.Contains(r.body, "Too many failed logins") {
		t.Errorf("no message on the page:\n%s", r.body)
	}
	f.clock.Advance(11*time.Minute + time.Second) // the first failure is 15m old
	if r := try(adminPW); r.code != http.StatusSeeOther {
		t.Fatalf("after the window: %d; want 303 (logged in)", r.code)
	}
}

func TestLogin_UnknownUser_SameAnswerAsWrongPassword(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	r := c.get("/login")
	r = c.post("/login", url.Values{"user": {"nobody"}, "password": {adminPW}, "csrf": {csrfOf(t, r.body)}})
	if r.code != http.StatusUnauthorized || !strings.Contains(r.body, "Wrong user or password") {
		t.Fatalf("unknown user: %d", r.code)
	}
}

func TestSession_IdleAndAbsoluteExpiry_Refused(t *testing.T) {
	f := newFixture(t)
	f.d.answers["status"] = daemon.Status{Device: "t1"}
	c := f.client(t)
	c.login("admin", adminPW)
	f.clock.Advance(29 * time.Minute)
	if r := c.get("/"); r.code != 200 {
		t.Fatalf("after 29m: %d; want 200", r.code)
	}
	f.clock.Advance(30 * time.Minute)
	if r := c.get("/"); r.code != http.StatusSeeOther || r.loc != "/login" {
		t.Fatalf("after 30m idle: %d %q; want a redirect to /login", r.code, r.loc)
	}

	c = f.client(t)
	c.login("admin", adminPW)
	for i := 0; i < 8*3-1; i++ { // in use every 20m
		f.clock.Advance(20 * time.Minute)
		if r := c.get("/"); r.code != 200 {
			t.Fatalf("after %s in use: %d", time.Duration(i+1)*20*time.Minute, r.code)
		}
	}
	f.clock.Advance(20 * time.Minute)
	if r := c.get("/"); r.code != http.StatusSeeOther {
		t.Fatalf("after 8h: %d; want the login", r.code)
	}
}

func TestLogout_EndsSession(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	csrf := c.login("admin", adminPW)
	if r := c.post("/logout", url.Values{"csrf": {csrf}}); r.code != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.code)
	}
	if r := c.get("/"); r.code != http.StatusSeeOther {
		t.Fatalf("after logout: %d; want the login", r.code)
	}
}

func TestCookies_SecureHttpOnlySameSiteStrict(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	r := c.get("/login")
	r = c.post("/login", url.Values{"user": {"admin"}, "password": {adminPW}, "csrf": {csrfOf(t, r.body)}})
	var found bool
	for _, sc := range r.hdr.Values("Set-Cookie") {
		if !strings.HasPrefix(sc, sessionCookie+"=") || strings.HasPrefix(sc, sessionCookie+"=;") {
			continue
		}
		found = true
		for _, want := range []string{"Secure", "HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"} {
			if !strings.Contains(sc, want) {
				t.Errorf("session cookie %q lacks %s", sc, want)
			}
		}
	}
	if !found {
		t.Fatalf("no session cookie in %v", r.hdr.Values("Set-Cookie"))
	}
}

const xss = `<script>alert(1)</script><img src=x onerror=alert(2)>"'`

func TestXSS_BadgeNamesServerMessagesAndTapsEscaped(t *testing.T) {
	f := newFixture(t)
	f.d.answers["badges.list"] = []daemon.BadgeInfo{{UID: "04A1B2C3", Email: "a@example.com", Name: xss, Source: "enrolled", Problem: xss}}
	f.d.errs["badges.add"] = errors.New("server said: " + xss)
	f.d.answers["status"] = daemon.Status{Device: xss, StoreWarning: xss}
	c := f.client(t)
	csrf := c.login("admin", adminPW)
	f.feed.Add(agent.Outcome{Kind: feedback.Error, UID: "04A1B2C3", Email: xss, Err: errors.New(xss)})
	c.post("/badges/add", url.Values{"csrf": {csrf}, "uid": {"04A1B2C3"}, "email": {"a@example.com"}})
	for _, page := range []string{"/badges", "/", "/status/live", "/taps", "/badges?q=" + url.QueryEscape(xss)} {
		r := c.get(page)
		if r.code != 200 {
			t.Fatalf("%s: %d", page, r.code)
		}
		if strings.Contains(r.body, "<script>alert") || strings.Contains(r.body, "<img src=x") {
			t.Errorf("%s: unescaped markup:\n%s", page, r.body)
		}
		if !strings.Contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s: the escaped text is missing", page)
		}
	}
	if r := c.get("/"); !strings.Contains(r.hdr.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("no CSP: %v", r.hdr)
	}
}
