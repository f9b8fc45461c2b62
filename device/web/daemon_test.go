package web

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"stampclock/device/config"
	"stampclock/device/daemon"
)

// newDaemonFixture serves the page in front of a real daemon with the
// simulated reader, so every action runs the real command handler.
func newDaemonFixture(t *testing.T) (*client, *daemon.Daemon) {
	t.Helper()
	feed := NewFeed(0, nil)
	d, dir := runDaemon(t, "[[badge]]\nuid = \"04A1B2C3\"\nemail = \"maier@example.com\"\nname = \"Anna Maier\"\n[[badge]]\nuid = \"AD000001\"\nadmin = true\n",
		daemon.Options{OnTap: feed.Add})
	c := servePage(t, dir, Options{Handle: d.Handle, Feed: feed, EnrollTimeout: 20 * time.Second})
	return c, d
}

// runDaemon runs a daemon on the config body (its store and control
// socket are added) with opts until the test ends; it returns the daemon
// and the test's directory.
func runDaemon(t *testing.T, body string, opts daemon.Options) (*daemon.Daemon, string) {
	t.Helper()
	dir := t.TempDir()
	sock, err := os.MkdirTemp("", "scweb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sock) })
	text := fmt.Sprintf("[store]\npath = %q\n[control]\nsocket = %q\n", filepath.Join(dir, "q.db"), filepath.Join(sock, "s.sock")) + body
	cfg, err := config.Parse(filepath.Join(dir, "stampd.toml"), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	d, err := daemon.New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("daemon: %v", err)
		}
	})
	return d, dir
}

// servePage serves the page with opts (an admin login is added to a users
// file in dir) over TLS and returns a client that keeps its cookies and
// does not follow redirects.
func servePage(t *testing.T, dir string, opts Options) *client {
	t.Helper()
	opts.UsersFile = filepath.Join(dir, "web-users")
	if err := SetPassword(opts.UsersFile, "admin", Admin, adminPW, bcrypt.MinCost); err != nil {
		t.Fatal(err)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(s.Handler())
	t.Cleanup(ts.Close)
	jar, _ := cookiejar.New(nil)
	hc := new(http.Client)
	*hc = *ts.Client()
	hc.Jar = jar
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &client{t: t, c: hc, base: ts.URL}
}

func (c *client) upload(path, csrf, name, content string) resp {
	c.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("csrf", csrf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+path, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

func TestDaemon_ImportCSVWithBadLine_LineNumberedErrorsNothingImported(t *testing.T) {
	c, d := newDaemonFixture(t)
	csrf := c.login("admin", adminPW)
	csv := "uid,email,name\n04000001,a@example.com,A\n04000002,not-an-email,B\nzz,c@example.com,C\n"
	if r := c.upload("/badges/import", csrf, "staff.csv", csv); r.code != http.StatusSeeOther {
		t.Fatalf("import: %d\n%s", r.code, r.body)
	}
	page := c.get("/badges").body
	for _, want := range []string{"staff.csv: 2 bad lines: nothing imported", "line 3: email: &#34;not-an-email&#34; is not an email address", "line 4: uid:"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
	v, err := d.Handle(context.Background(), "badges.list", nil)
	if err != nil {
		t.Fatal(err)
	}
	if bs := v.([]daemon.BadgeInfo); len(bs) != 2 { // the config's two
		t.Errorf("rows were imported although the file had bad lines: %v", bs)
	}
	// The good file goes in, and the page's export reads back what it shows.
	if r := c.upload("/badges/import", csrf, "ok.csv", "uid,email,name\n04000001,a@example.com,A\n"); r.code != http.StatusSeeOther {
		t.Fatalf("import: %d", r.code)
	}
	if page := c.get("/badges").body; !strings.Contains(page, "1 badges imported") || !strings.Contains(page, "04000001") {
		t.Errorf("import not shown:\n%s", page)
	}
	exp := c.get("/badges/export")
	if exp.hdr.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(exp.body, "04000001,a@example.com,A,enrolled") || !strings.Contains(exp.body, "04A1B2C3,maier@example.com,Anna Maier,config") {
		t.Errorf("export:\n%s", exp.body)
	}
	// For a spreadsheet: a byte order mark first, and semicolons for the
	// German page, as a spreadsheet set to German opens them in columns.
	if !strings.HasPrefix(exp.body, "\ufeffuid,email,name,source\n") {
		t.Errorf("export for the English page does not begin with a byte order mark and the header:\n%q", exp.body)
	}
	de := c.get("/badges/export", "Accept-Language", "de-DE,de;q=0.9")
	if !strings.HasPrefix(de.body, "\ufeffuid;email;name;source\n") || !strings.Contains(de.body, "04000001;a@example.com;A;enrolled") {
		t.Errorf("export for the German page:\n%q", de.body)
	}
}

func TestDaemon_EnrolFromPageThenTap_ShownEnrolledAndTapInFeed(t *testing.T) {
	c, d := newDaemonFixture(t)
	csrf := c.login("admin", adminPW)
	res := make(chan resp, 1)
	go func() {
		res <- c.post("/badges/enroll", url.Values{"csrf": {csrf}, "email": {"huber@example.com"}, "name": {"Hans Huber"}})
	}()
	// Tap until the enrolment has taken the badge (a tap before the
	// enrolment started is an unknown badge).
	deadline := time.Now().Add(10 * time.Second)
	var r resp
	for r.code == 0 {
		if time.Now().After(deadline) {
			t.Fatal("enrolment did not take the tap")
		}
		if _, err := d.Handle(context.Background(), "tap", []byte(`{"uid":"04C0FFEE"}`)); err != nil {
			t.Fatal(err)
		}
		select {
		case r = <-res:
		case <-time.After(50 * time.Millisecond):
		}
	}
	if r.code != http.StatusSeeOther {
		t.Fatalf("enrol: %d", r.code)
	}
	if page := c.get("/badges").body; !strings.Contains(page, "04C0FFEE enrolled for huber@example.com") {
		t.Fatalf("enrolment not shown:\n%s", page)
	}
	// Far enough from the enrolment tap to count as a start.
	if _, err := d.Handle(context.Background(), "tap", []byte(`{"uid":"04C0FFEE","at":"`+time.Now().Add(time.Hour).Format(time.RFC3339)+`"}`)); err != nil {
		t.Fatal(err)
	}
	page := c.get("/taps").body
	if !strings.Contains(page, `data-uid="04C0FFEE"`) || !strings.Contains(page, "huber@example.com") || !strings.Contains(page, ">IN") {
		t.Errorf("tap not on the taps page:\n%s", page)
	}
}

func TestDaemon_BadInput_ClearMessageOnPage(t *testing.T) {
	c, _ := newDaemonFixture(t)
	csrf := c.login("admin", adminPW)
	c.post("/badges/add", url.Values{"csrf": {csrf}, "uid": {"04A1B2C3"}, "email": {"x@example.com"}})
	if page := c.get("/badges").body; !strings.Contains(page, "badge 04A1B2C3 is defined in") {
		t.Errorf("no message for a badge from the config file:\n%s", page)
	}
	if r := c.get("/daytotal?email=nobody"); r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "is not an email address") {
		t.Errorf("day total of a bad email: %d\n%s", r.code, r.body)
	}
	c.post("/queue/retry", url.Values{"csrf": {csrf}, "seq": {"x1"}})
	if page := c.get("/queue").body; !strings.Contains(page, "&#34;x1&#34; is not a sequence number") {
		t.Errorf("no message for a bad sequence number:\n%s", page)
	}
}

func TestDaemon_CaptureModeBadge_AssignedFromPage(t *testing.T) {
	c, d := newDaemonFixture(t)
	csrf := c.login("admin", adminPW)
	for _, uid := range []string{"AD000001", "0F000002", "AD000001"} { // admin badge, new badge, admin badge
		if _, err := d.Handle(context.Background(), "tap", []byte(`{"uid":"`+uid+`"}`)); err != nil {
			t.Fatal(err)
		}
	}
	page := c.get("/badges").body
	if !strings.Contains(page, `<tr data-uid="0F000002"><td class="uid head">0F000002</td>`) || !strings.Contains(page, "Badges waiting to be assigned") {
		t.Fatalf("pending badge not offered:\n%s", page)
	}
	if r := c.post("/badges/assign", url.Values{"csrf": {csrf}, "uid": {"0F000002"}, "email": {"huber@example.com"}}); r.code != http.StatusSeeOther {
		t.Fatalf("assign: %d", r.code)
	}
	page = c.get("/badges").body
	if !strings.Contains(page, "0F000002 added for huber@example.com") || strings.Contains(page, "Badges waiting to be assigned") {
		t.Errorf("after assign:\n%s", page)
	}
}
