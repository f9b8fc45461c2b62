package main

import (
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"stampclock/internal/waitfor"
)

// stampctlIn runs stampctl with stdin.
func stampctlIn(stdin string, args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(binDir, "stampctl"), args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestStampctlWeb_PasswdThenLoginToStampd sets a password with stampctl,
// starts stampd with the page on and logs in over https with it; the
// fingerprint stampctl prints is the certificate's.
func TestStampctlWeb_PasswdThenLoginToStampd(t *testing.T) {
	e := newEnv(t, 1)
	e.appendConfig("[web]\nlisten = \"127.0.0.1:0\"\n")
	if out, err := stampctlIn("", "web", "--config", e.config); err != nil || !strings.Contains(out, "not made yet") || !strings.Contains(out, "logins       none") {
		t.Fatalf("stampctl web before the first start: %v\n%s", err, out)
	}
	if out, err := stampctlIn("short\n", "web", "passwd", "--config", e.config, "anna"); err == nil || !strings.Contains(out, "at least 8 characters") {
		t.Fatalf("short password: %v\n%s", err, out)
	}
	if out, err := stampctlIn("", "web", "passwd", "--config", e.config, "--role", "root", "anna"); err == nil || !strings.Contains(out, `role "root": want viewer or admin`) {
		t.Fatalf("bad role: %v\n%s", err, out)
	}
	if out, err := stampctlIn("correct horse battery\n", "web", "passwd", "--config", e.config, "--role", "viewer", "anna"); err != nil || !strings.Contains(out, "password of anna (viewer) set in") {
		t.Fatalf("passwd: %v\n%s", err, out)
	}
	users := filepath.Join(filepath.Dir(e.config), "web-users")
	if fi, err := os.Stat(users); err != nil || fi.Mode().Perm() != 0o640 {
		t.Fatalf("users file: %v %v", fi, err)
	}
	p := e.start()
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if m := regexp.MustCompile(`msg="web page listening".* url=(https://\S+)/`).FindStringSubmatch(p.stderr.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no web page in the log:\n%s", p.stderr.String())
		}
	}
	out, err := stampctlIn("", "web", "--config", e.config)
	fp := regexp.MustCompile(`fingerprint  SHA-256 (\S+)`).FindStringSubmatch(out)
	if err != nil || fp == nil || !strings.Contains(out, "login        anna (viewer)") {
		t.Fatalf("stampctl web: %v\n%s", err, out)
	}

	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	r, err := hc.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if got := fingerprintOf(r.TLS.PeerCertificates[0].Raw); got != fp[1] {
		t.Errorf("served certificate %s; stampctl web says %s", got, fp[1])
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(string(body))
	if csrf == nil {
		t.Fatalf("login page:\n%s", body)
	}
	r, err = hc.PostForm(base+"/login", url.Values{"user": {"anna"}, "password": {"correct horse battery"}, "csrf": {csrf[1]}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || !strings.Contains(string(body), `id="status"`) || strings.Contains(string(body), `href="/badges"`) {
		t.Fatalf("after login: %d (want the status page without admin links)\n%s", r.StatusCode, body)
	}
	// The log is written from a goroutine of its own: wait for the line.
	waitfor.Until(t, 10*time.Second, "the login in the log", func() bool {
		return strings.Contains(p.stderr.String(), `msg="web: login" addr=127.0.0.1 user=anna role=viewer`)
	})
	if strings.Contains(p.stderr.String(), "correct horse") {
		t.Error("the password is in the log")
	}
}

func fingerprintOf(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}
