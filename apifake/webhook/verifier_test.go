package webhook

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// readmeVerifier returns the ```python block of the README's "Webhook
// uplink" section.
func readmeVerifier(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the package directory")
		}
		dir = parent
	}
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Webhook uplink\n")
	if !ok {
		t.Fatal(`README.md: no "## Webhook uplink" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	_, block, ok := strings.Cut(section, "\n```python\n")
	if !ok {
		t.Fatal("README.md, Webhook uplink: no ```python block")
	}
	block, _, ok = strings.Cut(block, "\n```")
	if !ok || !strings.Contains(block, "def verify(") {
		t.Fatalf("README.md, Webhook uplink: python block without def verify: %q", block)
	}
	return block + "\n"
}

// driver runs the README's verify on each case read from stdin and prints
// the results as a JSON list.
const driver = `
import base64, json, sys
results = []
for c in json.load(sys.stdin):
    headers = {k: v for k, v in (("X-Stampclock-Timestamp", c["ts"]), ("X-Stampclock-Signature", c["sig"])) if v}
    results.append(bool(verify(bytes.fromhex(c["secret"]), headers, base64.b64decode(c["body"]))))
print(json.dumps(results))
`

// TestREADMEVerifier_AgreesWithFake signs requests with the scheme as this
// test reads it, runs the README's Python verifier on them and sends them
// to the fake (on the wall clock, as the Python verifier uses it): both
// must accept the good request and refuse each wrong one.
func TestREADMEVerifier_AgreesWithFake(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 not found (CI is set; .ci/run installs it)")
		}
		t.Skip("python3 not found: install python3 to check the README's verifier against the fake")
	}
	script := filepath.Join(t.TempDir(), "verify.py")
	if err := os.WriteFile(script, []byte(readmeVerifier(t)+driver), 0o600); err != nil {
		t.Fatal(err)
	}

	s := newServer(t, Options{Now: time.Now})
	body := marshal(t, baseRecord("punch"))
	tampered := bytes.Replace(body, []byte(`"start"`), []byte(`"stop"`), 1)
	now := strconv.FormatInt(time.Now().Unix(), 10)
	old := strconv.FormatInt(time.Now().Add(-10*time.Minute).Unix(), 10)
	ahead := strconv.FormatInt(time.Now().Add(10*time.Minute).Unix(), 10)
	good := signature(testSecret, now, body)
	cases := []struct {
		name   string
		secret []byte
		ts     string
		sig    string
		body   []byte
		want   bool
	}{
		{"signed as the README says", testSecret, now, good, body, true},
		{"body changed after signing", testSecret, now, good, tampered, false},
		{"signed with another secret", testSecret, now, signature([]byte("another secret, 16+"), now, body), body, false},
		{"upper-case hex", testSecret, now, "sha256=" + strings.ToUpper(good[7:]), body, false},
		{"timestamp 10 min old", testSecret, old, signature(testSecret, old, body), body, false},
		{"timestamp 10 min ahead", testSecret, ahead, signature(testSecret, ahead, body), body, false},
		// A refusal, not an exception (a receiver would answer 500: "maybe stored").
		{"no timestamp header", testSecret, "", good, body, false},
		{"timestamp not a number", testSecret, now + "x", signature(testSecret, now+"x", body), body, false},
		{"no signature header", testSecret, now, "", body, false},
	}
	type pyCase struct {
		Secret string `json:"secret"`
		TS     string `json:"ts"`
		Sig    string `json:"sig"`
		Body   string `json:"body"`
	}
	var in []pyCase
	for _, c := range cases {
		in = append(in, pyCase{hex.EncodeToString(c.secret), c.ts, c.sig, base64.StdEncoding.EncodeToString(c.body)})
	}
	stdin, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, script)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 %s: %v\n%s", script, err, stderr.String())
	}
	var py []bool
	if err := json.Unmarshal(out, &py); err != nil || len(py) != len(cases) {
		t.Fatalf("python3 printed %q: %v", out, err)
	}
	for i, c := range cases {
		before := len(s.Violations())
		a := send(t, s, request{body: c.body, ts: c.ts, sig: c.sig, key: "term-1:12", noTS: c.ts == "", noSig: c.sig == ""})
		fake := a.status == http.StatusOK
		if py[i] != c.want || fake != c.want {
			t.Errorf("%s: README verifier %v, fake %v (%d %s); want %v",
				c.name, py[i], fake, a.status, strings.TrimSpace(a.body), c.want)
		}
		if !c.want && len(s.Violations()) != before+1 {
			t.Errorf("%s: refused without a violation", c.name)
		}
	}
	if n := len(s.Records()); n != 1 {
		t.Errorf("%d records stored, want 1 (the good request)", n)
	}
}
