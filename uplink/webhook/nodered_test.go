package webhook_test

// These tests run stampd's webhook uplink against a real Node-RED (the
// npm package node-red at noderedVersion) loaded with the example flow in
// testdata/nodered/flows.json, as a site would set it up from the README.
// Node-RED is installed by npm into a cache outside the repository
// (noderedCacheDirs) when STAMPCLOCK_NODERED is set (`make nodered-test`);
// without it the tests run only when that cache is already there and
// skip at once otherwise.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"stampclock/device/clock"
	"stampclock/device/control"
	"stampclock/device/ctlproto"
	"stampclock/internal/fakehttp"
	"stampclock/internal/syncbuf"
	"stampclock/uplink/webhook/webhooktest"
)

// noderedVersion is the Node-RED the flow is tested against. The 4.x line
// runs on node >= 18.5; 5.x needs node 22.
const noderedVersion = "4.1.8"

// noderedCacheDirs are where node-red is installed, first choice first:
// $STAMPCLOCK_NODERED_CACHE, a system cache (CI runs as root), the user's
// cache.
func noderedCacheDirs() []string {
	if d := os.Getenv("STAMPCLOCK_NODERED_CACHE"); d != "" {
		return []string{d}
	}
	dirs := []string{filepath.Join("/var/cache/stampclock-nodered", noderedVersion)}
	if d, err := os.UserCacheDir(); err == nil {
		dirs = append(dirs, filepath.Join(d, "stampclock-nodered", noderedVersion))
	}
	return dirs
}

// skipOrFail skips the test with the reason on a laptop and fails it
// when CI is set.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// installedNodeRED reports whether dir holds node-red at noderedVersion.
func installedNodeRED(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", "node-red", "package.json"))
	if err != nil {
		return false
	}
	var p struct {
		Version string `json:"version"`
	}
	return json.Unmarshal(b, &p) == nil && p.Version == noderedVersion
}

// nodeRED returns node's path and node-red's red.js, installing node-red
// into the first usable cache directory when STAMPCLOCK_NODERED is set.
func nodeRED(t *testing.T) (node, redJS string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		skipOrFail(t, "node not found (Debian: apt-get install nodejs npm): %v", err)
	}
	dirs := noderedCacheDirs()
	for _, d := range dirs {
		if installedNodeRED(d) {
			return node, filepath.Join(d, "node_modules", "node-red", "red.js")
		}
	}
	if os.Getenv("STAMPCLOCK_NODERED") == "" {
		// make test: the install is make nodered-test's job.
		t.Skipf("node-red %s not installed in %s; `make nodered-test` installs it and runs these tests", noderedVersion, strings.Join(dirs, " or "))
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		skipOrFail(t, "npm not found (Debian: apt-get install nodejs npm): %v", err)
	}
	var problems []string
	for _, d := range dirs {
		if err := installNodeRED(npm, d); err != nil {
			problems = append(problems, err.Error())
			continue
		}
		return node, filepath.Join(d, "node_modules", "node-red", "red.js")
	}
	skipOrFail(t, "cannot install node-red %s: %s", noderedVersion, strings.Join(problems, "; "))
	return "", ""
}

// installNodeRED installs node-red into a fresh directory beside dir and
// renames it to dir, so that an interrupted install leaves no half cache.
func installNodeRED(npm, dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".install-")
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	defer os.RemoveAll(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund", "--omit=dev", "--prefix", tmp, "node-red@"+noderedVersion)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm install node-red@%s into %s: %w\n%s", noderedVersion, dir, err, out)
	}
	os.RemoveAll(dir) // a broken or other version's cache
	if err := os.Rename(tmp, dir); err != nil && !installedNodeRED(dir) {
		return fmt.Errorf("%s: %w", dir, err)
	}
	return nil
}

// startNodeRED runs Node-RED headless (no editor) on a free loopback port
// with the example flow and secret in its environment, until the test
// ends, and returns its base URL.
func startNodeRED(t *testing.T, secret string) string {
	t.Helper()
	node, redJS := nodeRED(t)
	flow, err := os.ReadFile(filepath.Join("testdata", "nodered", "flows.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "flows.json"), flow, 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	// JSON strings are JavaScript strings.
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	settings := fmt.Sprintf(`module.exports = {
    uiHost: "127.0.0.1",
    uiPort: %d,
    userDir: %s,
    flowFile: "flows.json",
    credentialSecret: "stampclock-test-credentials",
    httpAdminRoot: false,
    functionExternalModules: true,
    telemetry: { enabled: false },
    diagnostics: { enabled: false },
    logging: { console: { level: "warn", metrics: false, audit: false } },
};
`, port, q(dir))
	settingsPath := filepath.Join(dir, "settings.js")
	if err := os.WriteFile(settingsPath, []byte(settings), 0o600); err != nil {
		t.Fatal(err)
	}
	var out syncbuf.Buffer
	cmd := exec.Command(node, redJS, "--settings", settingsPath, "--userDir", dir)
	cmd.Env = append(os.Environ(), "STAMPCLOCK_WEBHOOK_SECRET="+secret)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		skipOrFail(t, "start node-red: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("node-red's output:\n%s", out.String())
		}
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	eventually(t, "node-red serves the flow's GET /stampclock/stored", func() bool {
		select {
		case <-exited:
			t.Fatalf("node-red exited: %v\n%s", cmd.ProcessState, out.String())
		default:
		}
		_, err := storedInNodeRED(base)
		return err == nil
	})
	return base
}

// nodeRedStore is the flow's GET /stampclock/stored answer.
type nodeRedStore struct {
	Records []struct {
		Key    string `json:"key"`
		Kind   string `json:"kind"`
		Action string `json:"action"`
		Email  string `json:"email"`
	} `json:"records"`
	// Repeats counts requests answered from the store (a key seen before).
	Repeats int `json:"repeats"`
}

func storedInNodeRED(base string) (nodeRedStore, error) {
	var s nodeRedStore
	resp, err := http.Get(base + "/stampclock/stored")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("GET /stampclock/stored: %s", resp.Status)
	}
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

// lines are the stored records, one "key kind action email" each, sorted.
func (s nodeRedStore) lines() []string {
	var out []string
	for _, r := range s.Records {
		out = append(out, strings.Join(strings.Fields(r.Key+" "+r.Kind+" "+r.Action+" "+r.Email), " "))
	}
	slices.Sort(out)
	return out
}

func webhookStatus(t *testing.T, socket string) ctlproto.UplinkStatus {
	t.Helper()
	var st ctlproto.Status
	if err := control.Call(context.Background(), socket, "status", nil, &st); err != nil {
		t.Fatal(err)
	}
	for _, u := range st.Uplinks {
		if u.Uplink == "webhook" {
			return u
		}
	}
	t.Fatalf("status lists no webhook uplink: %+v", st.Uplinks)
	return ctlproto.UplinkStatus{}
}

// errAnswerLost marks the answer loseFirstAnswer throws away.
var errAnswerLost = errors.New("answer lost on purpose")

// loseFirstAnswer forwards requests to a receiver; the first POST's
// answer it reads in full and throws away, closing stampd's connection
// instead: the record is stored, and stampd cannot know.
type loseFirstAnswer struct {
	proxy *httputil.ReverseProxy
	lost  atomic.Int32 // the status of the lost answer, 0 before
}

func newLoseFirstAnswer(t *testing.T, target string) *loseFirstAnswer {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &loseFirstAnswer{proxy: httputil.NewSingleHostReverseProxy(u)}
	p.proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Method != http.MethodPost || !p.lost.CompareAndSwap(0, int32(resp.StatusCode)) {
			return nil
		}
		io.Copy(io.Discard, resp.Body)
		return errAnswerLost
	}
	p.proxy.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		if errors.Is(err, errAnswerLost) {
			fakehttp.Drop(w)
			return
		}
		http.Error(w, err.Error(), http.StatusBadGateway)
	}
	return p
}

func (p *loseFirstAnswer) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.proxy.ServeHTTP(w, r) }

// tapStartStop taps a shift of an hour that ended an hour ago and returns
// the three records Node-RED must store once each.
func tapStartStop(t *testing.T, socket string, now time.Time) []string {
	t.Helper()
	tap(t, socket, "04A1B2C3", now.Add(-2*time.Hour).Format(time.RFC3339))
	tap(t, socket, "04A1B2C3", now.Add(-time.Hour).Format(time.RFC3339))
	return []string{
		"term-1:1 punch start maier@example.com",
		"term-1:2 punch stop maier@example.com",
		"term-1:3 entry maier@example.com",
	}
}

// The receiver checks timestamps against the real clock, so stampd's
// clock starts at the real time (and stands: the window is 300 s).
func TestNodeRED_Webhook_StartStopStoredOnceEach(t *testing.T) {
	now := time.Now()
	base := startNodeRED(t, webhooktest.DefaultSecret)
	path, socket := stampdConfig(t, fmt.Sprintf("url = %q\nallow_http = true\ntimeout = \"5s\"", base+"/stampclock"))
	runStampd(t, path, socket, clock.NewFake(now))

	want := tapStartStop(t, socket, now)
	eventually(t, "stampd counts three delivered to webhook", func() bool { return webhookStatus(t, socket).Delivered == 3 })
	s, err := storedInNodeRED(base)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.lines(); !slices.Equal(got, want) || s.Repeats != 0 {
		t.Fatalf("node-red stored (%d repeats)\n%s\nwant, no repeat\n%s", s.Repeats, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestNodeRED_Webhook_LostAnswerResentStoredOnce(t *testing.T) {
	now := time.Now()
	base := startNodeRED(t, webhooktest.DefaultSecret)
	p := newLoseFirstAnswer(t, base)
	front := fakehttp.Serve(t, p)
	path, socket := stampdConfig(t, fmt.Sprintf("url = %q\nallow_http = true\ntimeout = \"5s\"", front.URL+"/stampclock"))
	runStampd(t, path, socket, clock.NewFake(now))

	want := tapStartStop(t, socket, now)
	eventually(t, "stampd counts three delivered to webhook", func() bool { return webhookStatus(t, socket).Delivered == 3 })
	if got := p.lost.Load(); got != http.StatusOK {
		t.Fatalf("the lost answer was %d; want node-red's 200 for a stored record", got)
	}
	s, err := storedInNodeRED(base)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.lines(); !slices.Equal(got, want) || s.Repeats != 1 {
		t.Fatalf("node-red stored (%d repeats)\n%s\nwant, the lost answer's record answered once from the store\n%s", s.Repeats, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestNodeRED_Webhook_WrongSecretRefusedRecordKept(t *testing.T) {
	now := time.Now()
	base := startNodeRED(t, "not-the-terminals-secret-at-all")
	path, socket := stampdConfig(t, fmt.Sprintf("url = %q\nallow_http = true\ntimeout = \"5s\"", base+"/stampclock"))
	runStampd(t, path, socket, clock.NewFake(now))

	tap(t, socket, "04A1B2C3", now.Add(-time.Hour).Format(time.RFC3339))
	var u ctlproto.UplinkStatus
	eventually(t, "stampd shows node-red's refusal", func() bool {
		u = webhookStatus(t, socket)
		return strings.Contains(u.LastError, "HTTP 401") && u.Failures >= 2
	})
	if !strings.Contains(u.LastError, "webhook.secret_file") {
		t.Errorf("last error %q; want the hint to webhook.secret_file", u.LastError)
	}
	if u.Delivered != 0 || u.Queue.Pending != 1 || u.Queue.Dead != 0 {
		t.Errorf("delivered %d, pending %d, dead %d; want the record kept pending", u.Delivered, u.Queue.Pending, u.Queue.Dead)
	}
	s, err := storedInNodeRED(base)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Records) != 0 || s.Repeats != 0 {
		t.Fatalf("node-red stored %q (%d repeats); want nothing", s.lines(), s.Repeats)
	}
}
