package main

// Benchmarks of the built stampd measured from outside, over its control
// socket and at the server, each beside a bare baseline run on the same
// machine in the same run (issue 13).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"stampclock/device/control"
	"stampclock/device/daemon"
	"stampclock/internal/waitfor"
	"stampclock/queue"
	"stampclock/uplink/zeiterfassung"
	"stampclock/uplink/zeiterfassung/zeittest"
)

// benchEnv is an env for benchmarks: stampd logs at info (a debug line per
// delivery would be part of what is measured) and talks to serverURL.
func benchEnv(b *testing.B, users []string, serverURL string) *env {
	b.Helper()
	dir := b.TempDir()
	sockDir, err := os.MkdirTemp("", "sc")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(sockDir) })
	e := &env{t: b, dir: dir, socket: filepath.Join(sockDir, "s.sock"), config: filepath.Join(dir, "stampd.toml")}
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte(zeittest.DefaultPassword), 0o600); err != nil {
		b.Fatal(err)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "[store]\npath = %q\n[control]\nsocket = %q\n[log]\nlevel = \"info\"\n", filepath.Join(dir, "q.db"), e.socket)
	fmt.Fprintf(&sb, "[zeiterfassung]\nurl = %q\nallow_http = true\nemail = %q\npassword_file = %q\ntimetype_id = \"arbeitszeit\"\ntimeout = \"5s\"\n", serverURL, zeittest.DefaultEmail, pw)
	for i, u := range users {
		fmt.Fprintf(&sb, "[[badge]]\nuid = \"%08X\"\nemail = %q\n", 0xB0000000+i, u)
	}
	if err := os.WriteFile(e.config, []byte(sb.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	return e
}

func benchUsers(n int) []string {
	u := make([]string, n)
	for i := range u {
		u[i] = fmt.Sprintf("e%d@example.com", i)
	}
	return u
}

// percentile returns the q-quantile of d in microseconds (0 for none).
func percentile(d []time.Duration, q float64) float64 {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return float64(d[int(q*float64(len(d)-1))].Nanoseconds()) / 1e3
}

// BenchmarkStampdTapLatency measures a tap sent to the built stampd over
// its control socket until its answer (the daemon answers after the
// fsync'ed commit), alternating with a bare bbolt Update of a record of
// the similar size in the same directory. It reports p50/p99 of both and the
// p99 ratio (target ≤ 1.5), and the round trip of a command that commits
// nothing (badges.pending), the control socket's own share, and starts and
// stops apart. With the uplink's server up, deliveries commit in between
// as they do in the field; with it down, only the taps commit. Run with
// -benchtime Nx.
func BenchmarkStampdTapLatency(b *testing.B) {
	b.Run("server-up", func(b *testing.B) { tapLatency(b, false) })
	// No deliveries: the taps' commits alone.
	b.Run("server-down", func(b *testing.B) { tapLatency(b, true) })
}

func tapLatency(b *testing.B, serverDown bool) {
	const employees = 50
	users := benchUsers(employees)
	zs, ts := zeittest.Start(b, zeittest.Options{Users: users})
	if serverDown {
		zs.SetDown(zeittest.DownClose)
	}
	e := benchEnv(b, users, ts.URL)
	if bin := os.Getenv(stampdBinEnv); bin != "" {
		e.startCmd(bin)
	} else {
		e.start()
	}
	echo := startBareEcho(b, filepath.Join(filepath.Dir(e.socket), "echo.sock"))
	bare, err := bolt.Open(filepath.Join(e.dir, "bare.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer bare.Close()
	// A punch record as the store encodes it is about 300 bytes; the
	// tap's commit also touches the open-shift and index buckets.
	payload := bytes.Repeat([]byte{'x'}, 300)
	start := time.Date(2026, 1, 5, 6, 0, 0, 0, time.UTC)
	ours := make([]time.Duration, 0, b.N)
	base := make([]time.Duration, 0, b.N)
	rtt := make([]time.Duration, 0, b.N)
	floor := make([]time.Duration, 0, b.N) // bare commit + bare socket round trip
	echoed := make([]time.Duration, 0, b.N)
	byResult := map[string][]time.Duration{}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		at := start.Add(time.Duration(i/employees) * 2 * time.Hour).Add(time.Duration(i%employees) * time.Second)
		var res daemon.TapResult
		t0 := time.Now()
		err := control.Call(ctx, e.socket, "tap", daemon.TapArgs{UID: fmt.Sprintf("%08X", 0xB0000000+i%employees), At: at.Format(time.RFC3339)}, &res)
		ours = append(ours, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		if res.Result != "start_ok" && res.Result != "stop_ok" {
			b.Fatalf("tap %d answered %q", i, res.Result)
		}
		byResult[res.Result] = append(byResult[res.Result], ours[len(ours)-1])
		t0 = time.Now()
		err = bare.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("records"))
			if err != nil {
				return err
			}
			seq, _ := bk.NextSequence()
			return bk.Put(binary.BigEndian.AppendUint64(nil, seq), payload)
		})
		base = append(base, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		t0 = time.Now()
		err = control.Call(ctx, echo, "tap", daemon.TapArgs{UID: "B0000000"}, nil)
		echoed = append(echoed, time.Since(t0))
		floor = append(floor, base[len(base)-1]+echoed[len(echoed)-1])
		if err != nil {
			b.Fatal(err)
		}
		// The control socket's own share: a command without a commit.
		t0 = time.Now()
		err = control.Call(ctx, e.socket, "badges.pending", nil, nil)
		rtt = append(rtt, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(percentile(rtt, 0.5), "ctl-p50-µs")
	b.ReportMetric(percentile(rtt, 0.99), "ctl-p99-µs")
	// A stop also sums the day's total for the display before it answers.
	b.ReportMetric(percentile(byResult["start_ok"], 0.5), "start-p50-µs")
	b.ReportMetric(percentile(byResult["stop_ok"], 0.5), "stop-p50-µs")
	b.ReportMetric(percentile(ours, 0.5), "tap-p50-µs")
	b.ReportMetric(percentile(ours, 0.99), "tap-p99-µs")
	b.ReportMetric(percentile(base, 0.5), "bare-p50-µs")
	b.ReportMetric(percentile(base, 0.99), "bare-p99-µs")
	b.ReportMetric(percentile(ours, 0.99)/percentile(base, 0.99), "p99-ratio")
	// The floor: a bare commit plus a bare socket round trip (a process
	// that answers every request line at once), over the bare commit.
	b.ReportMetric(percentile(echoed, 0.5), "echo-p50-µs")
	b.ReportMetric(percentile(echoed, 0.99), "echo-p99-µs")
	b.ReportMetric(percentile(floor, 0.99)/percentile(base, 0.99), "floor-p99-ratio")
}

// bareEchoEnv makes the test binary the tap latency benchmark's bare
// socket: it answers every request line on the unix socket it names with
// {"ok":true}, one connection at a time as the control socket does.
const bareEchoEnv = "STAMPCLOCK_BENCH_ECHO_SOCKET"

func bareEchoMain(path string) int {
	ln, err := net.Listen("unix", path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bare echo:", err)
		return 1
	}
	for {
		conn, err := ln.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, "bare echo:", err)
			return 1
		}
		go func() {
			defer conn.Close()
			if _, err := bufio.NewReader(conn).ReadBytes('\n'); err == nil {
				_, _ = conn.Write([]byte(`{"ok":true}` + "\n"))
			}
		}()
	}
}

// startBareEcho starts the test binary as the bare socket at path and
// waits until it answers.
func startBareEcho(b *testing.B, path string) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), bareEchoEnv+"="+path)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	waitfor.Until(b, 30*time.Second, "the bare echo socket to come up", func() bool {
		return control.Call(context.Background(), path, "tap", nil, nil) == nil
	})
	return path
}

// createCounter counts the createtimeentry requests a server answered
// with 200 and when the first and the n-th were answered.
type createCounter struct {
	next        http.Handler
	n           int64
	count       atomic.Int64
	mu          sync.Mutex
	first, last time.Time
	done        chan struct{}
}

func newCreateCounter(next http.Handler, n int) *createCounter {
	return &createCounter{next: next, n: int64(n), done: make(chan struct{})}
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

func (c *createCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/createtimeentry") {
		c.next.ServeHTTP(w, r)
		return
	}
	c.mu.Lock()
	if c.first.IsZero() {
		c.first = time.Now()
	}
	c.mu.Unlock()
	rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
	c.next.ServeHTTP(rec, r)
	if rec.code == http.StatusOK && c.count.Add(1) == c.n {
		c.mu.Lock()
		c.last = time.Now()
		c.mu.Unlock()
		close(c.done)
	}
}

// elapsed waits until n entries were created and returns the time from the
// first request to the n-th answer.
func (c *createCounter) elapsed(b *testing.B, limit time.Duration) time.Duration {
	b.Helper()
	select {
	case <-c.done:
	case <-time.After(limit):
		b.Fatalf("%d of %d entries created within %v", c.count.Load(), c.n, limit)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last.Sub(c.first)
}

// drainBacklogRecord is the i-th entry of the backlog: 20 employees, one
// entry a day each.
func drainBacklogRecord(i, employees int) queue.Record {
	start := time.Date(2024, 1, 1, 6, 0, 0, 0, time.UTC).Add(time.Duration(i/employees) * 24 * time.Hour).Add(time.Duration(i%employees) * time.Minute)
	return queue.Record{Kind: queue.KindEntry, At: start.Add(8 * time.Hour), ClockSynced: true, StartSynced: true, UID: fmt.Sprintf("%08X", 0xB0000000+i%employees), Email: fmt.Sprintf("e%d@example.com", i%employees), Start: start, End: start.Add(8 * time.Hour), StartSeq: uint64(2*i + 1), StopSeq: uint64(2*i + 2)}
}

// Drain benchmark knobs: bareClientEnv makes the test binary the bare
// client posting to the URL it holds (the baseline as a process of its
// own, like stampd); stampdBinEnv names a stampd binary to measure instead
// of the one built from this tree (to alternate with an older build).
const (
	bareClientEnv = "STAMPCLOCK_BENCH_BARE_CLIENT"
	stampdBinEnv  = "STAMPCLOCK_BENCH_STAMPD"
)

const drainEntries, drainEmployees, drainWorkers = 10_000, 20, 4

// bareLanes returns the backlog's createtimeentry bodies split into one
// lane per worker, each employee's entries in order on one lane.
func bareLanes() ([][][]byte, error) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return nil, err
	}
	lanes := make([][][]byte, drainWorkers)
	for i := 0; i < drainEntries; i++ {
		r := drainBacklogRecord(i, drainEmployees)
		body, err := json.Marshal(map[string]string{
			"starttime": zeiterfassung.FormatTime(r.Start, berlin), "endtime": zeiterfassung.FormatTime(r.End, berlin),
			"useremail": r.Email, "timetypeid": "arbeitszeit",
		})
		if err != nil {
			return nil, err
		}
		w := (i % drainEmployees) % drainWorkers
		lanes[w] = append(lanes[w], body)
	}
	return lanes, nil
}

// bareDrain is the bare client: one login, then one worker per lane
// posting its bodies in order over connections kept open.
func bareDrain(url string, lanes [][][]byte) error {
	hc := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: len(lanes)}}
	resp, err := hc.Post(url+"/api/login", "application/json", strings.NewReader(`{"loginemail":"`+zeittest.DefaultEmail+`","apipassword":"`+zeittest.DefaultPassword+`"}`))
	if err != nil {
		return err
	}
	tokBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok, err := zeiterfassung.ParseLoginBody(tokBody)
	if err != nil {
		return err
	}
	errs := make([]error, len(lanes))
	var wg sync.WaitGroup
	for w, lane := range lanes {
		wg.Go(func() {
			for _, body := range lane {
				req, _ := http.NewRequest("POST", url+"/api/time-v2.1/createtimeentry", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := hc.Do(req)
				if err != nil {
					errs[w] = err
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs[w] = fmt.Errorf("create answered %s", resp.Status)
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// bareClientMain runs bareDrain against url in the test binary started
// as the bare client process.
func bareClientMain(url string) int {
	lanes, err := bareLanes()
	if err == nil {
		err = bareDrain(url, lanes)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bare client:", err)
		return 1
	}
	return 0
}

// bareServer starts a test server counting creates for a baseline.
func bareServer(users []string) (*httptest.Server, *createCounter) {
	count := newCreateCounter(zeittest.New(zeittest.Options{Users: users}).Handler(), drainEntries)
	return httptest.NewServer(count), count
}

// BenchmarkStampdDrain starts the built stampd on a store holding a
// backlog of 10,000 entries of 20 employees and measures, at a local
// zero-latency test server, the time from its first create request to the
// 10,000th created entry. The baselines, in the same run against
// instances of their own of the server, are a bare HTTP client: one login,
// then four workers posting the same bodies, each employee's entries in
// order on one worker, run once as a process of its own (like stampd:
// "bare-proc") and once inside the benchmark's process, which also runs
// the server ("bare-inproc"). It reports the rates and ours over each.
// Run with -benchtime Nx; with STAMPCLOCK_BENCH_STAMPD set, that stampd
// binary is measured.
func BenchmarkStampdDrain(b *testing.B) {
	const entries, employees = drainEntries, drainEmployees
	users := benchUsers(employees)
	lanes, err := bareLanes()
	if err != nil {
		b.Fatal(err)
	}
	stampd := filepath.Join(binDir, "stampd")
	if bin := os.Getenv(stampdBinEnv); bin != "" {
		stampd = bin
	}
	var inproc, proc, ours time.Duration
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		// Bare baseline in this process.
		ts, count := bareServer(users)
		if err := bareDrain(ts.URL, lanes); err != nil {
			b.Fatal(err)
		}
		inproc += count.elapsed(b, time.Minute)
		ts.Close()

		// Bare baseline as a process of its own.
		ts, count = bareServer(users)
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), bareClientEnv+"="+ts.URL)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("bare client process: %v\n%s", err, out)
		}
		proc += count.elapsed(b, time.Minute)
		ts.Close()

		// Ours: stampd starts on the backlog and drains it.
		zs := zeittest.New(zeittest.Options{Users: users})
		count = newCreateCounter(zs.Handler(), entries)
		ts = httptest.NewServer(count)
		e := benchEnv(b, users, ts.URL)
		s, err := queue.Open(filepath.Join(e.dir, "q.db"), queue.Options{Uplinks: []queue.UplinkSpec{{Name: "zeiterfassung", Kinds: []queue.Kind{queue.KindEntry}}}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Update(func(tx *queue.Tx) error {
			for i := 0; i < entries; i++ {
				if _, err := tx.Append(drainBacklogRecord(i, employees)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		s.Close()
		b.StartTimer()
		e.startCmd(stampd)
		ours += count.elapsed(b, 5*time.Minute)
		b.StopTimer()
		ts.Close()
		es := zs.Entries()
		if len(es) != entries || len(zs.Duplicates()) != 0 {
			b.Fatalf("ours: %d entries, %d duplicates", len(es), len(zs.Duplicates()))
		}
		last := map[string]string{}
		for _, en := range es {
			if en.StartTime <= last[en.UserEmail] {
				b.Fatalf("order broken for %s: %s after %s", en.UserEmail, en.StartTime, last[en.UserEmail])
			}
			last[en.UserEmail] = en.StartTime
		}
		// Requests besides the creates (logins, reconciling queries) are
		// part of what ours costs.
		st := zs.Requests()
		b.ReportMetric(float64(st.Requests-st.Creates), "ours-other-requests")
	}
	rate := func(d time.Duration) float64 { return float64(b.N*entries) / d.Seconds() }
	b.ReportMetric(rate(inproc), "bare-inproc-entries/s")
	b.ReportMetric(rate(proc), "bare-proc-entries/s")
	b.ReportMetric(rate(ours), "ours-entries/s")
	b.ReportMetric(proc.Seconds()/ours.Seconds(), "ratio-proc")
	b.ReportMetric(inproc.Seconds()/ours.Seconds(), "ratio-inproc")
}
