package main

// End-to-end tests of the built stampd and stampctl binaries against the
// Zeiterfassung test server running in this process.

import (
	"context"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"stampclock/device/config"
	"stampclock/device/control"
	"stampclock/device/daemon"
	"stampclock/internal/syncbuf"
	"stampclock/uplink/zeiterfassung/zeittest"
)

var binDir string

func TestMain(m *testing.M) {
	if url := os.Getenv(bareClientEnv); url != "" {
		// The drain benchmark's bare baseline, as a process of its own.
		os.Exit(bareClientMain(url))
	}
	if path := os.Getenv(bareEchoEnv); path != "" {
		// The tap latency benchmark's bare socket, as a process of its own.
		os.Exit(bareEchoMain(path))
	}
	dir, err := os.MkdirTemp("", "stampd-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	for _, c := range []string{"stampd", "stampctl"} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, c), "stampclock/cmd/"+c).CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n%s", c, err, out)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type proc struct {
	t      testing.TB
	cmd    *exec.Cmd
	stderr *syncbuf.Buffer
	done   chan struct{} // closed when the process has exited
	err    error         // its exit error, valid after done
}

// wait waits for the process to exit and returns its exit error.
func (p *proc) wait() error {
	<-p.done
	return p.err
}

type env struct {
	t      testing.TB
	dir    string
	config string
	socket string
	zs     *zeittest.Server
}

func newEnv(t testing.TB, badges int) *env {
	t.Helper()
	var users []string
	for i := 0; i < badges; i++ {
		users = append(users, fmt.Sprintf("e%d@example.com", i))
	}
	zs, ts := zeittest.Start(t, zeittest.Options{Users: users})
	dir := t.TempDir()
	sockDir, err := os.MkdirTemp("", "sc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	e := &env{t: t, dir: dir, socket: filepath.Join(sockDir, "s.sock"), zs: zs, config: filepath.Join(dir, "stampd.toml")}
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte(zeittest.DefaultPassword), 0o600)
	var b strings.Builder
	fmt.Fprintf(&b, "[store]\npath = %q\n[control]\nsocket = %q\n[log]\nlevel = \"debug\"\n", filepath.Join(dir, "q.db"), e.socket)
	fmt.Fprintf(&b, "[zeiterfassung]\nurl = %q\nallow_http = true\nemail = %q\npassword_file = %q\ntimetype_id = \"arbeitszeit\"\ntimeout = \"2s\"\n", ts.URL, zeittest.DefaultEmail, pw)
	for i, u := range users {
		fmt.Fprintf(&b, "[[badge]]\nuid = \"%08X\"\nemail = %q\n", 0xB0000000+i, u)
	}
	if err := os.WriteFile(e.config, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) start() *proc {
	e.t.Helper()
	return e.startCmd(filepath.Join(binDir, "stampd"))
}

// startCmd starts stampd as argv (e.g. an emulator and a binary) with the
// env's config and waits until its control socket answers; its log is
// kept in the proc's stderr.
func (e *env) startCmd(argv ...string) *proc {
	e.t.Helper()
	return e.startLogTo(&syncbuf.Buffer{}, argv...)
}

// startLogTo is startCmd with stampd's log written to w: a *syncbuf.Buffer
// is kept as the proc's stderr; an *os.File (a pipe) is handed to the
// process itself, with nothing in this process reading it.
func (e *env) startLogTo(w io.Writer, argv ...string) *proc {
	e.t.Helper()
	cmd := exec.Command(argv[0], append(argv[1:], "--config", e.config)...)
	p := &proc{t: e.t, cmd: cmd, done: make(chan struct{})}
	p.stderr, _ = w.(*syncbuf.Buffer)
	cmd.Stderr = w
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	e.t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
		if e.t.Failed() {
			e.t.Logf("stampd stderr (tail):\n%s", p.logTail())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for control.Call(context.Background(), e.socket, "status", nil, nil) != nil {
		if time.Now().After(deadline) {
			e.t.Fatalf("stampd did not come up; stderr:\n%s", p.logTail())
		}
		select {
		case <-p.done:
			e.t.Fatalf("stampd exited: %v\n%s", p.err, p.logTail())
		default:
		}
		time.Sleep(10 * time.Millisecond)
	}
	return p
}

// logTail is the end of stampd's log, if this process keeps it.
func (p *proc) logTail() string {
	if p.stderr == nil {
		return "(stampd's log is not kept here)"
	}
	return tail(p.stderr.String(), 3000)
}

func (e *env) ctl(args ...string) (string, error) {
	out, err := exec.Command(filepath.Join(binDir, "stampctl"), append([]string{"--socket", e.socket}, args...)...).CombinedOutput()
	return string(out), err
}

func (e *env) status() daemon.Status {
	e.t.Helper()
	out, err := e.ctl("status", "--json")
	if err != nil {
		e.t.Fatalf("stampctl status: %v\n%s", err, out)
	}
	var s daemon.Status
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		e.t.Fatalf("status --json: %v\n%s", err, out)
	}
	return s
}

func (e *env) waitDelivered(n uint64) {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		s := e.status()
		if s.QueueDepth.Delivered >= n && s.QueueDepth.Pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("delivered %d of %d (pending %d)", s.QueueDepth.Delivered, n, s.QueueDepth.Pending)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestStampd_SIGTERM_ExitsZeroWithin5s(t *testing.T) {
	e := newEnv(t, 1)
	p := e.start()
	if out, err := e.ctl("tap", "B0000000", "--at", "2026-06-01T07:00:00Z"); err != nil || !strings.Contains(out, "start_ok") {
		t.Fatalf("tap: %v %s", err, out)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if p.err != nil {
			t.Fatalf("exit: %v\n%s", p.err, p.stderr)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("stampd did not exit within 5s of SIGTERM")
	}
	if _, err := os.Stat(e.socket); !os.IsNotExist(err) {
		t.Errorf("socket left behind: %v", err)
	}
}

func TestStampd_BadConfig_ExitNonZeroNamingFileAndKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "stampd.toml")
	os.WriteFile(path, []byte("[punch]\nrepeat_windw = \"5s\"\n"), 0o600)
	for _, c := range []struct{ path, want string }{
		{path, "unknown key punch.repeat_windw"},
		{filepath.Join(dir, "missing.toml"), "no such file"},
	} {
		out, err := exec.Command(filepath.Join(binDir, "stampd"), "--config", c.path).CombinedOutput()
		if err == nil {
			t.Fatalf("stampd with %s exited 0", c.path)
		}
		if !strings.Contains(string(out), c.path) || !strings.Contains(string(out), c.want) {
			t.Fatalf("output %q: want the file and %q", out, c.want)
		}
	}
}

func TestStampctl_NotRunning_ClearError(t *testing.T) {
	out, err := exec.Command(filepath.Join(binDir, "stampctl"), "--socket", filepath.Join(t.TempDir(), "x.sock"), "status").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "stampd is not running") {
		t.Fatalf("err %v, output %q", err, out)
	}
	t.Setenv("STAMPCLOCK_SOCKET", filepath.Join(t.TempDir(), "env.sock"))
	out, _ = exec.Command(filepath.Join(binDir, "stampctl"), "status").CombinedOutput()
	if !strings.Contains(string(out), "env.sock") {
		t.Fatalf("STAMPCLOCK_SOCKET not used: %q", out)
	}
}

func TestStampctl_Commands(t *testing.T) {
	e := newEnv(t, 2)
	e.zs.FailCreates(1, zeittest.Fault{Status: 422, Message: "Eintrag ungültig"})
	p := e.start()
	e.ctl("tap", "B0000000", "--at", "2026-06-01T07:00:00Z")
	e.ctl("tap", "B0000000", "--at", "2026-06-01T15:00:00Z")
	if out, _ := e.ctl("tap", "B0000000", "--at", "2026-06-01T15:00:30Z"); !strings.Contains(out, "already_stamped") {
		t.Fatalf("repeat: %s", out)
	}
	if out, _ := e.ctl("tap", "CAFE01"); !strings.Contains(out, "unknown_badge") {
		t.Fatalf("unknown: %s", out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for e.status().QueueDepth.Dead != 1 {
		if time.Now().After(deadline) {
			t.Fatal("no dead letter")
		}
		time.Sleep(20 * time.Millisecond)
	}
	out, err := e.ctl("queue", "dead")
	if err != nil || !strings.Contains(out, "Eintrag ungültig") || !strings.Contains(out, "e0@example.com") {
		t.Fatalf("queue dead: %v\n%s", err, out)
	}
	out, err = e.ctl("status")
	for _, want := range []string{"pending 0, held 0, dead 1", "unknown badges", "CAFE01", "zeiterfassung"} {
		if err != nil || !strings.Contains(out, want) {
			t.Fatalf("status lacks %q: %v\n%s", want, err, out)
		}
	}
	if out, err := e.ctl("queue", "retry"); err != nil || !strings.Contains(out, "1 dead letter queued again") {
		t.Fatalf("retry: %v %s", err, out)
	}
	e.waitDelivered(1)
	if out, _ := e.ctl("queue", "list"); !strings.Contains(out, "queue empty") {
		t.Fatalf("queue list after delivery: %s", out)
	}
	if out, err := e.ctl("queue", "frob"); err == nil || !strings.Contains(out, "want status, list, dead, retry, release, export, correct, discard or quarantine") || !strings.Contains(out, "see: stampctl help queue") {
		t.Fatalf("bad subcommand: %v %s", err, out)
	}
	// No secret in the logs (debug level) or the status.
	st, _ := e.ctl("status", "--json")
	for _, where := range []string{p.stderr.String(), st} {
		if strings.Contains(where, zeittest.DefaultPassword) || strings.Contains(where, "eyJ") {
			t.Fatal("a password or token leaked into the log or status")
		}
	}
}

// TestStampd_KillNineDuringBursts_EveryAcknowledgedPunchDeliveredOnce kills
// stampd with SIGKILL at random moments while taps arrive and the server
// drops answers, then checks that every acknowledged pair is on the server
// exactly once.
func TestStampd_KillNineDuringBursts_EveryAcknowledgedPunchDeliveredOnce(t *testing.T) {
	const pairs = 40
	e := newEnv(t, pairs)
	e.zs.DropAfterStore(5)
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC)
	type tap struct {
		uid string
		at  string
	}
	var taps []tap
	for i := 0; i < pairs; i++ {
		uid := fmt.Sprintf("%08X", 0xB0000000+i)
		start := base.Add(time.Duration(i) * time.Minute)
		taps = append(taps, tap{uid, start.Format(time.RFC3339)}, tap{uid, start.Add(8 * time.Hour).Format(time.RFC3339)})
	}
	acked := 0
	kills := 0
	p := e.start()
	for next := 0; next < len(taps); {
		killAt := next + 1 + rng.IntN(12)
		go func(p *proc, delay time.Duration) {
			time.Sleep(delay)
			p.cmd.Process.Signal(syscall.SIGKILL)
		}(p, time.Duration(rng.IntN(40))*time.Millisecond)
		for next < len(taps) && next < killAt {
			var res daemon.TapResult
			err := control.Call(context.Background(), e.socket, "tap", daemon.TapArgs{UID: taps[next].uid, At: taps[next].at}, &res)
			if err != nil {
				break // killed: this tap is unacknowledged; tap again after restart
			}
			switch res.Result {
			case "start_ok", "stop_ok", "already_stamped": // already: committed before the kill, unacknowledged
				acked++
				next++
			default:
				t.Fatalf("tap %+v: %+v", taps[next], res)
			}
		}
		p.wait()
		kills++
		p = e.start()
	}
	e.waitDelivered(pairs)
	if n := len(e.zs.Entries()); n != pairs {
		t.Fatalf("server has %d entries, want %d (kills %d)", n, pairs, kills)
	}
	if d := e.zs.Duplicates(); len(d) != 0 {
		t.Fatalf("duplicates after %d kills: %+v", kills, d)
	}
	for _, en := range e.zs.Entries() {
		if !strings.HasSuffix(en.StartTime, ":00") || en.EndTime <= en.StartTime {
			t.Fatalf("bad entry %+v", en)
		}
	}
	t.Logf("%d taps acknowledged across %d kill -9 cycles, %d entries delivered once each", acked, kills, pairs)
}

// TestStampd_DiskFull_ErrorFeedbackKeepsRunningAndRecovers runs stampd with
// a file-size limit (RLIMIT_FSIZE) so the store cannot grow: taps must fail
// with error feedback (never OK), the daemon must keep answering, and once
// the limit is lifted taps are stored again without a restart.
func TestStampd_DiskFull_ErrorFeedbackKeepsRunningAndRecovers(t *testing.T) {
	prlimit := needTool(t, "prlimit", "util-linux")
	const badges = 200
	e := newEnv(t, badges)
	e.zs.SetDown(zeittest.DownClose) // keep everything in the queue
	p := e.startCmd("/bin/sh", "-c", `ulimit -S -f 256 && exec "$0" "$@"`, filepath.Join(binDir, "stampd"))
	base := time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC)
	failedAt, stops := -1, uint64(0)
	for i := 0; i < 5000 && failedAt < 0; i++ {
		var res daemon.TapResult
		at := base.Add(time.Duration(i) * 2 * time.Minute)
		err := control.Call(context.Background(), e.socket, "tap", daemon.TapArgs{UID: fmt.Sprintf("%08X", 0xB0000000+i%badges), At: at.Format(time.RFC3339)}, &res)
		if err != nil {
			t.Fatalf("tap %d: %v (stderr: %s)", i, err, tail(p.stderr.String(), 2000))
		}
		switch res.Result {
		case "start_ok":
		case "stop_ok":
			stops++
		case "error":
			failedAt = i
			if res.Error == "" || len(res.Seqs) != 0 {
				t.Fatalf("error result without a message or with records: %+v", res)
			}
		default:
			t.Fatalf("tap %d: %+v", i, res)
		}
	}
	if failedAt < 0 {
		t.Fatal("the file-size limit was never hit")
	}
	s := e.status()
	if s.Taps.StoreErrors == 0 {
		t.Fatalf("status shows no store error: %+v", s.Taps)
	}
	stored := s.Queue.LastSeq
	if out, err := exec.Command(prlimit, "--pid", fmt.Sprint(p.cmd.Process.Pid), "--fsize=unlimited").CombinedOutput(); err != nil {
		t.Fatalf("prlimit: %v %s", err, out)
	}
	var res daemon.TapResult
	at := base.Add(time.Duration(failedAt+1) * 2 * time.Minute)
	if err := control.Call(context.Background(), e.socket, "tap", daemon.TapArgs{UID: fmt.Sprintf("%08X", 0xB0000000+(failedAt+1)%badges), At: at.Format(time.RFC3339)}, &res); err != nil {
		t.Fatal(err)
	}
	switch res.Result {
	case "start_ok":
	case "stop_ok":
		stops++
	default:
		t.Fatalf("after space returned: %+v", res)
	}
	if s := e.status(); s.Queue.LastSeq <= stored {
		t.Fatalf("nothing stored after recovery (seq %d)", s.Queue.LastSeq)
	}
	e.zs.SetDown(zeittest.Up)
	e.waitDelivered(stops)
	if n := uint64(len(e.zs.Entries())); n != stops || len(e.zs.Duplicates()) != 0 {
		t.Fatalf("server has %d entries, want %d acknowledged stops", n, stops)
	}
	t.Logf("store full after %d taps; recovered without restart", failedAt)
}

// TestStampd_DamagedStore_MovedAsideAndSalvageable starts the real binary on
// a store with a damaged page: the child-process check finds it, stampd
// moves it aside, starts fresh, raises the alarm, and stampctl salvage
// exports what is still readable from the old file.
func TestStampd_DamagedStore_MovedAsideAndSalvageable(t *testing.T) {
	e := newEnv(t, 2)
	p := e.start()
	tapAt := func(i int) time.Time {
		return time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC).Add(time.Duration(i) * 2 * time.Hour)
	}
	for i := 0; i < 60; i++ {
		if out, err := e.ctl("tap", "B0000000", "--at", tapAt(i).Format(time.RFC3339)); err != nil {
			t.Fatalf("tap %d: %v\n%s", i, err, out)
		}
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait()
	dbPath := filepath.Join(e.dir, "q.db")
	data, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	// Damage the header of every branch page (bbolt's page header: id,
	// then the flags, 0x01 for a branch). The meta pages stay intact, so
	// bbolt opens the file and only the check finds the damage; no record
	// can be reached through the tree any more, and every leaf page is
	// whole, so salvage must find every record. (Damage to every other
	// page made what it could find depend on where the pages landed: 11
	// to 59 of 90 records, by the load on the machine.)
	page := os.Getpagesize()
	branches := 0
	for pg := 2; pg < len(data)/page; pg++ {
		if binary.LittleEndian.Uint16(data[pg*page+8:]) == 0x01 {
			branches++
			for i := pg * page; i < pg*page+16; i++ {
				data[i] ^= 0x5A
			}
		}
	}
	if branches == 0 {
		t.Fatal("no branch page in the store: 60 taps no longer fill more than one leaf")
	}
	os.WriteFile(dbPath, data, 0o600)

	e.start()
	s := e.status()
	if s.StoreAlarm == nil || !strings.HasPrefix(s.StoreAlarm.MovedTo, dbPath+".corrupt-") {
		t.Fatalf("no store alarm: %+v", s.StoreAlarm)
	}
	out, _ := e.ctl("status")
	if !strings.Contains(out, "STORE ALARM") {
		t.Fatalf("status does not show the alarm:\n%s", out)
	}
	if out, err := e.ctl("tap", "B0000001", "--at", "2026-07-01T07:00:00Z"); err != nil || !strings.Contains(out, "start_ok") {
		t.Fatalf("fresh store: %v %s", err, out)
	}
	out, err = e.ctl("salvage", "--csv", s.StoreAlarm.MovedTo)
	if err != nil {
		t.Fatalf("salvage: %v\n%s", err, out)
	}
	checkSalvaged(t, out, tapAt, 30, 90)
}

// checkSalvaged checks `stampctl salvage --csv` output (stdout and stderr)
// of a store that held shifts start/stop pairs of one badge, tap i at
// tapAt(i): each shift is a start punch, a stop punch and an entry, seqs
// 3k+1..3k+3. Every recovered row must be the record written under its
// seq, the count said must match, the seqs not recovered up to the highest
// found must be named, and at least atLeast must be recovered.
func checkSalvaged(t *testing.T, out string, tapAt func(int) time.Time, shifts, atLeast int) {
	t.Helper()
	highest := uint64(3 * shifts)
	got := map[uint64]bool{}
	var said, missing string
	rows := csv.NewReader(strings.NewReader(out))
	rows.FieldsPerRecord = -1
	for {
		f, err := rows.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("salvage output: %v\n%s", err, out)
		}
		line := strings.Join(f, ",")
		switch {
		case strings.Contains(line, "records recovered"):
			said = line
			continue
		case strings.HasPrefix(line, "NOT recovered: seqs "):
			missing = strings.TrimPrefix(line, "NOT recovered: seqs ")
			continue
		case f[0] == "seq":
			continue
		}
		if len(f) < 10 {
			t.Fatalf("salvage row %q", line)
		}
		seq, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil || seq < 1 || seq > highest || got[seq] {
			t.Fatalf("salvage row with seq %q (want 1..%d, once)", f[0], highest)
		}
		got[seq] = true
		k, r := int(seq-1)/3, (seq-1)%3
		start, stop := tapAt(2*k).Format(time.RFC3339), tapAt(2*k+1).Format(time.RFC3339)
		want := map[uint64]string{
			0: "punch,start,,e0@example.com,B0000000," + start + ",,,true",
			1: "punch,stop,,e0@example.com,B0000000," + stop + ",,,true",
			2: "entry,,,e0@example.com,B0000000," + stop + "," + start + "," + stop + ",true",
		}[r]
		if g := strings.Join(f[1:10], ","); g != want {
			t.Errorf("seq %d recovered as\n %s\nwritten as\n %s", seq, g, want)
		}
	}
	if len(got) < atLeast {
		t.Fatalf("%d of %d records recovered, want at least %d:\n%s", len(got), highest, atLeast, out)
	}
	if want := fmt.Sprintf("%d records recovered", len(got)); !strings.HasPrefix(said, want) {
		t.Errorf("salvage says %q, want %q", said, want)
	}
	// Every seq not recovered up to the highest found is named, and none
	// that was; records after the highest found leave no trace.
	named := map[uint64]bool{}
	top := highest
	if missing != "" {
		list, rest, _ := strings.Cut(missing, " (of 1..")
		n, _, _ := strings.Cut(rest, ")")
		var err error
		if top, err = strconv.ParseUint(n, 10, 64); err != nil || top > highest {
			t.Fatalf("NOT recovered line %q", missing)
		}
		for _, r := range strings.Split(list, ", ") {
			lo, hi, isRange := strings.Cut(r, "-")
			if !isRange {
				hi = lo
			}
			first, err1 := strconv.ParseUint(lo, 10, 64)
			last, err2 := strconv.ParseUint(hi, 10, 64)
			if err1 != nil || err2 != nil {
				t.Fatalf("NOT recovered list %q", missing)
			}
			for q := first; q <= last; q++ {
				named[q] = true
			}
		}
	}
	for q := uint64(1); q <= top; q++ {
		if got[q] == named[q] {
			t.Errorf("seq %d: recovered %v, named as not recovered %v", q, got[q], named[q])
		}
	}
	t.Logf("salvage: %d of %d records recovered; not recovered: %s", len(got), highest, missing)
}

func (e *env) appendConfig(text string) {
	e.t.Helper()
	f, err := os.OpenFile(e.config, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		e.t.Fatal(err)
	}
}

func TestStampctl_Badges(t *testing.T) {
	e := newEnv(t, 3) // users e0..e2@example.com; config badges B0000000..B0000002
	e.start()
	if out, err := e.ctl("badges", "add", "0a:0b:0c:0d", "e1@example.com", "--name", "Eins"); err != nil || !strings.Contains(out, "0A0B0C0D → e1@example.com") {
		t.Fatalf("add: %v %s", err, out)
	}
	if out, err := e.ctl("badges", "add", "0A0B0C0E", "nobody@example.com"); err == nil || !strings.Contains(out, "not a user") {
		t.Fatalf("add with an email the server does not know: %v %s", err, out)
	}
	if out, err := e.ctl("badges", "remove", "B0000000"); err == nil || !strings.Contains(out, "defined in") {
		t.Fatalf("removing a config badge: %v %s", err, out)
	}
	bad := filepath.Join(e.dir, "bad.csv")
	os.WriteFile(bad, []byte("uid,email,name\n0A000001,e0@example.com,Null\nXYZ,e1@example.com,\n0A000003,not-an-email,\n0A000001,e2@example.com,\n"), 0o600)
	out, err := e.ctl("badges", "import", bad)
	for _, want := range []string{"bad.csv:3: uid", "bad.csv:4: email", "bad.csv:5: uid 0A000001 is already on line 2", "3 bad lines: nothing imported"} {
		if err == nil || !strings.Contains(out, want) {
			t.Fatalf("import with bad lines: %v\n%s\nwant %q", err, out, want)
		}
	}
	// One rule for add and import: an email the server does not know is
	// refused, not imported to become a dead letter later.
	typo := filepath.Join(e.dir, "typo.csv")
	os.WriteFile(typo, []byte("uid,email\n0A000001,e0@example.com\n0A000009,e9@exmaple.com\n"), 0o600)
	if out, err := e.ctl("badges", "import", typo); err == nil || !strings.Contains(out, "typo.csv:3: email: e9@exmaple.com is not a user") || !strings.Contains(out, "1 bad line: nothing imported") {
		t.Fatalf("import with an unknown email: %v\n%s", err, out)
	}
	good := filepath.Join(e.dir, "good.csv")
	os.WriteFile(good, []byte("email,uid\ne0@example.com,0A000001\ne2@example.com,0A000002\n"), 0o600)
	if out, err := e.ctl("badges", "import", good); err != nil || !strings.Contains(out, "2 badges imported") || strings.Contains(out, "not checked") {
		t.Fatalf("import: %v %s", err, out)
	}
	// Checked at import with the server online: no "not checked yet" note.
	if out, _ := e.ctl("badges", "list", "--json"); strings.Contains(out, `"unverified": true`) {
		t.Fatalf("imported badges still unverified with the server online:\n%s", out)
	}
	out, _ = e.ctl("badges", "export")
	for _, want := range []string{"uid,email,name,source", "0A000001,e0@example.com,,enrolled", "0A0B0C0D,e1@example.com,Eins,enrolled", "B0000000,e0@example.com,,config"} {
		if !strings.Contains(out, want) {
			t.Fatalf("export lacks %q:\n%s", want, out)
		}
	}
	if out, err := e.ctl("tap", "0A000002", "--at", "2026-06-01T07:00:00Z"); err != nil || !strings.Contains(out, "start_ok  e2@example.com") {
		t.Fatalf("imported badge does not punch: %v %s", err, out)
	}
	if out, err := e.ctl("badges", "remove", "0A0B0C0D"); err != nil || !strings.Contains(out, "removed") {
		t.Fatalf("remove: %v %s", err, out)
	}
	out, _ = e.ctl("badges", "list", "--json")
	if strings.Contains(out, "0A0B0C0D") || !strings.Contains(out, `"source": "config"`) {
		t.Fatalf("list --json:\n%s", out)
	}
}

func TestStampctl_EnrollByTapAndAdminCapture(t *testing.T) {
	e := newEnv(t, 2)
	e.appendConfig("[[badge]]\nuid = \"AD000001\"\nadmin = true\n")
	e.start()
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := e.ctl("enroll", "--email", "e1@example.com", "--timeout", "20s")
		done <- result{out, err}
	}()
	// The enrolment is waiting once a tap is taken as enrolment.
	deadline := time.Now().Add(10 * time.Second)
	var tapOut string
	for {
		tapOut, _ = e.ctl("tap", "0E0E0E0E", "--at", "2026-06-01T06:00:00Z")
		if strings.Contains(tapOut, "enrolled") || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	r := <-done
	if r.err != nil || !strings.Contains(r.out, "0E0E0E0E enrolled for e1@example.com") {
		t.Fatalf("enroll: %v %s (tap said %s)", r.err, r.out, tapOut)
	}
	if out, _ := e.ctl("tap", "0E0E0E0E", "--at", "2026-06-01T07:00:00Z"); !strings.Contains(out, "start_ok  e1@example.com") {
		t.Fatalf("enrolled badge: %s", out)
	}
	if out, err := e.ctl("enroll", "--email", "nobody@example.com", "--timeout", "1s"); err == nil || !strings.Contains(out, "not a user") {
		t.Fatalf("enrol unknown email: %v %s", err, out)
	}

	// Capture mode: admin badge, then two new badges, admin again.
	e.ctl("tap", "AD000001", "--at", "2026-06-01T08:00:00Z")
	e.ctl("tap", "0F000001", "--at", "2026-06-01T08:00:05Z")
	e.ctl("tap", "0F000002", "--at", "2026-06-01T08:00:09Z")
	e.ctl("tap", "AD000001", "--at", "2026-06-01T08:00:20Z")
	out, _ := e.ctl("badges", "pending")
	if !strings.Contains(out, "0F000001") || !strings.Contains(out, "0F000002") {
		t.Fatalf("pending:\n%s", out)
	}
	if out, err := e.ctl("badges", "assign", "0F000002", "e0@example.com"); err != nil || !strings.Contains(out, "0F000002 → e0@example.com") {
		t.Fatalf("assign: %v %s", err, out)
	}
	out, _ = e.ctl("badges", "pending", "--json")
	if strings.Contains(out, "0F000002") || !strings.Contains(out, "0F000001") {
		t.Fatalf("pending after assign:\n%s", out)
	}
}

func TestStampctl_InitThenCheck(t *testing.T) {
	e := newEnv(t, 1)
	url := strings.TrimSuffix(strings.Split(strings.Split(mustRead(t, e.config), "url = \"")[1], "\"")[0], "/")
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "etc", "stampd.toml")
	run := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command(filepath.Join(binDir, "stampctl"), args...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	initArgs := []string{"init", "--config", cfgPath, "--url", url, "--allow-http", "--email", zeittest.DefaultEmail,
		"--timetype", "arbeitszeit", "--password-file", "-", "--store", filepath.Join(dir, "q.db"),
		"--control-socket", e.socket, "--no-check", "--group", ownGroup(t)}
	if out, err := run("", initArgs[:3]...); err == nil || !strings.Contains(out, "--url is required") {
		t.Fatalf("init without flags and no terminal: %v %s", err, out)
	}
	out, err := run(zeittest.DefaultPassword+"\n", initArgs...)
	if err != nil || !strings.Contains(out, "time type Arbeitszeit = arbeitszeit") {
		t.Fatalf("init: %v\n%s", err, out)
	}
	secret := filepath.Join(dir, "etc", "zeiterfassung.secret")
	if fi, err := os.Stat(secret); err != nil || fi.Mode().Perm() != config.FileMode {
		t.Fatalf("secret file: %v %v", fi.Mode(), err)
	}
	if strings.Contains(mustRead(t, cfgPath), zeittest.DefaultPassword) {
		t.Fatal("the password is in the config file")
	}
	if out, err := run(zeittest.DefaultPassword+"\n", initArgs...); err == nil || !strings.Contains(out, "--force") {
		t.Fatalf("init over an existing config: %v %s", err, out)
	}
	out, _ = run("", "check", "--config", cfgPath)
	t.Logf("check:\n%s", out)
	for _, want := range []string{"✓ config", "✓ TCP 127.0.0.1:", "✓ GET /api/hello/sayhello", "✓ login", "✓ time type", "arbeitszeit = Arbeitszeit", "✓ users", "– reader answering", "stampd is not running", "clock synchronised", "✓ free disk for the queue"} {
		if !strings.Contains(out, want) {
			t.Fatalf("check output lacks %q:\n%s", want, out)
		}
	}
	// A wrong password: the login step fails with the cause.
	os.WriteFile(secret, []byte("wrong\n"), 0o600)
	out, err = run("", "check", "--config", cfgPath, "--json")
	if err == nil || !strings.Contains(out, `"step": "login"`) || !strings.Contains(out, "credentials") {
		t.Fatalf("check with a wrong password: %v\n%s", err, out)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ownGroup names the test process's group, which init is told to hand
// its files to (group stampclock, where the package is installed, only
// root and its members may).
func ownGroup(t *testing.T) string {
	g, err := user.LookupGroupId(strconv.Itoa(os.Getgid()))
	if err != nil {
		t.Fatal(err)
	}
	return g.Name
}
