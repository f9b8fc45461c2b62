package web

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"stampclock/device/agent"
	"stampclock/device/feedback"
	"stampclock/device/provision"
	"stampclock/queue"
)

func TestMessages_EveryKeyInEveryLanguage(t *testing.T) {
	for key, m := range messages {
		for _, l := range languages {
			if m[l] == "" {
				t.Errorf("message %q has no %s text", key, l)
			}
		}
	}
}

func TestPickLang(t *testing.T) {
	for _, tc := range []struct{ accept, cookie, want string }{
		{"", "", "en"},
		{"de-DE,de;q=0.9,en;q=0.8", "", "de"},
		{"en-US,en;q=0.9,de;q=0.8", "", "en"},
		{"fr-FR,fr;q=0.9,de;q=0.5", "", "de"},
		{"de;q=0.2,en;q=0.7", "", "en"},
		{"de-DE", "en", "en"},
		{"en", "de", "de"},
		{"en", "xx", "en"},
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Language", tc.accept)
		if tc.cookie != "" {
			r.AddCookie(&http.Cookie{Name: "lang", Value: tc.cookie})
		}
		if got := pickLang(r); string(got) != tc.want {
			t.Errorf("Accept-Language %q, cookie %q: %s; want %s", tc.accept, tc.cookie, got, tc.want)
		}
	}
}

func TestLanguage_ByAcceptLanguageAndSwitch(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.login("admin", adminPW)
	if r := c.get("/taps", "Accept-Language", "de-DE,de;q=0.9"); !strings.Contains(r.body, "Abmelden") || !strings.Contains(r.body, `lang="de"`) {
		t.Errorf("German browser gets:\n%s", r.body)
	}
	r := c.get("/lang?to=en&back=/taps", "Accept-Language", "de-DE")
	if r.code != http.StatusSeeOther || r.loc != "/taps" {
		t.Fatalf("switch: %d %q", r.code, r.loc)
	}
	if r := c.get("/taps", "Accept-Language", "de-DE"); !strings.Contains(r.body, "Log out") {
		t.Errorf("after the switch to English:\n%s", r.body)
	}
	for _, back := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "/\t/evil.example", "evil"} {
		if r := c.get("/lang?to=de&back=" + url.QueryEscape(back)); r.loc != "/" {
			t.Errorf("back %q: redirected to %q; want /", back, r.loc)
		}
	}
}

func TestUsersFile_Mode0640BcryptAndReplace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "web-users")
	if err := SetPassword(path, "anna", Admin, "first-password", bcrypt.MinCost); err != nil {
		t.Fatal(err)
	}
	if err := SetPassword(path, "bob", Viewer, "bobs-password", bcrypt.MinCost); err != nil {
		t.Fatal(err)
	}
	if err := SetPassword(path, "anna", Viewer, "second-password", bcrypt.MinCost); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %04o; want 0640", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), "password") || !strings.Contains(string(data), "anna:viewer:$2a$") {
		t.Errorf("file:\n%s", data)
	}
	users, err := ReadUsers(path)
	if err != nil || len(users) != 2 {
		t.Fatalf("users %v, %v", users, err)
	}
	dummy, _ := bcrypt.GenerateFromPassword([]byte("x"), bcrypt.MinCost)
	if role, ok := checkLogin(users, "anna", "second-password", dummy); !ok || role != Viewer {
		t.Errorf("anna with the new password: %v %v", role, ok)
	}
	if _, ok := checkLogin(users, "anna", "first-password", dummy); ok {
		t.Error("the old password still works")
	}
	if os.Geteuid() == 0 { // the file takes its directory's group
		dir := filepath.Join(t.TempDir(), "etc")
		os.Mkdir(dir, 0o750)
		os.Chown(dir, -1, 4242)
		p := filepath.Join(dir, "web-users")
		if err := SetPassword(p, "anna", Admin, "first-password", bcrypt.MinCost); err != nil {
			t.Fatal(err)
		}
		if fi, _ := os.Stat(p); fi.Sys().(*syscall.Stat_t).Gid != 4242 {
			t.Errorf("group %d; want the directory's 4242", fi.Sys().(*syscall.Stat_t).Gid)
		}
	}
	os.Chmod(path, 0o644)
	if _, err := ReadUsers(path); err == nil || !strings.Contains(err.Error(), "chmod 640") {
		t.Errorf("world-readable file: %v", err)
	}
	if err := SetPassword(path, "a:b", Admin, "long-enough", bcrypt.MinCost); err == nil {
		t.Error("a name with ':' was accepted")
	}
	if err := SetPassword(path, "carl", Admin, "short", bcrypt.MinCost); err == nil {
		t.Error("a short password was accepted")
	}
}

func TestListen_SelfSignedCertificateMadeOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	opts := Options{
		Listen: "127.0.0.1:0", CertFile: filepath.Join(dir, "sub", "web-cert.pem"), KeyFile: filepath.Join(dir, "sub", "web-key.pem"),
		SelfSigned: true, Handle: (&fakeDaemon{}).handle,
	}
	s1, err := Listen(opts)
	if err != nil {
		t.Fatal(err)
	}
	s1.ln.Close()
	s2, err := Listen(opts)
	if err != nil {
		t.Fatal(err)
	}
	if s1.Fingerprint() == "" || s1.Fingerprint() != s2.Fingerprint() {
		t.Fatalf("fingerprints %q, %q: want the same certificate kept", s1.Fingerprint(), s2.Fingerprint())
	}
	if fp, err := Fingerprint(opts.CertFile); err != nil || fp != s1.Fingerprint() {
		t.Errorf("Fingerprint(file) = %q, %v; want %q", fp, err, s1.Fingerprint())
	}
	if fi, err := os.Stat(opts.KeyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v %v; want mode 0600", fi, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s2.Serve(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	if !strings.HasPrefix(s2.URL(), "https://127.0.0.1:") {
		t.Errorf("URL %s", s2.URL())
	}
	// Plain http gets no page, only the hint to use https.
	if r, err := http.Get("http://" + s2.Addr().String() + "/login"); err != nil {
		t.Errorf("plain http: %v; want a 400 with a hint", err)
	} else {
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "HTTPS") {
			t.Errorf("plain http: %d %s", r.StatusCode, b)
		}
	}
	// TLS is, and the certificate is the one fingerprinted.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	r, err := hc.Get(s2.URL() + "login")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 200 || fingerprint(r.TLS.PeerCertificates[0].Raw) != s2.Fingerprint() {
		t.Errorf("https: %d", r.StatusCode)
	}
	if r.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS over TLS")
	}
}

func TestTapEvents_NewTapStreamedAsEscapedRow(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.login("view", viewerPW)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", c.base+"/taps/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	r, err := c.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	br := bufio.NewReader(r.Body)
	if line, _ := br.ReadString('\n'); line != ": taps\n" { // subscribed
		t.Fatalf("first line %q", line)
	}
	at := time.Date(2026, 3, 2, 7, 58, 0, 0, time.UTC)
	f.feed.Add(agent.Outcome{Kind: feedback.StartOK, UID: "04A1B2C3", Email: "maier@example.com", Records: []queue.Record{{Seq: 7, Kind: queue.KindPunch, Action: queue.ActionStart, At: at}}})
	f.feed.Add(agent.Outcome{Kind: feedback.Error, UID: "04A1B2C4", Err: errors.New(xss)})
	var got []string
	for len(got) < 2 {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, "data: ") {
			got = append(got, line)
		}
	}
	if !strings.Contains(got[0], `data-uid="04A1B2C3"`) || !strings.Contains(got[0], "2026-03-02 07:58:00") || !strings.Contains(got[0], ">IN") || !strings.Contains(got[0], "#7") {
		t.Errorf("start row: %s", got[0])
	}
	if strings.Contains(got[1], "<script>") || !strings.Contains(got[1], "&lt;script&gt;") {
		t.Errorf("error row not escaped: %s", got[1])
	}
}

func TestCheck_RunsOnlyOnPostAndShowsEscapedSteps(t *testing.T) {
	f := newFixture(t)
	runs := 0
	f.s.opts.Check = func(context.Context) []provision.Step {
		runs++
		return []provision.Step{{Name: "dns zeit.example.com", OK: true, Detail: "192.0.2.1"}, {Name: "login", Detail: "HTTP 401: <b>nope</b>"}}
	}
	c := f.client(t)
	csrf := c.login("admin", adminPW)
	if r := c.get("/check"); r.code != 200 || runs != 0 {
		t.Fatalf("GET /check: %d, ran %d times; want the page without a run", r.code, runs)
	}
	r := c.post("/check", url.Values{"csrf": {csrf}})
	if r.code != 200 || runs != 1 {
		t.Fatalf("POST /check: %d, ran %d times", r.code, runs)
	}
	for _, want := range []string{"1 checks failed", "✓</span> <strong>dns zeit.example.com</strong>", "✗</span> <strong>login</strong> <span class=\"detail\">HTTP 401: &lt;b&gt;nope&lt;/b&gt;"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("page lacks %q:\n%s", want, r.body)
		}
	}
}

func TestStatus_DaemonError_MessageOnPageAndFragment(t *testing.T) {
	f := newFixture(t)
	f.d.errs["status"] = errors.New("queue: read stats: <disk> gone")
	c := f.client(t)
	c.login("view", viewerPW)
	r := c.get("/")
	if r.code != http.StatusServiceUnavailable || !strings.Contains(r.body, "queue: read stats: &lt;disk&gt; gone") || !strings.Contains(r.body, "<nav>") {
		t.Errorf("page: %d\n%s", r.code, r.body)
	}
	r = c.get("/status/live")
	if r.code != http.StatusServiceUnavailable || !strings.Contains(r.body, "&lt;disk&gt; gone") || strings.Contains(r.body, "<html") {
		t.Errorf("fragment: %d\n%s", r.code, r.body)
	}
}
