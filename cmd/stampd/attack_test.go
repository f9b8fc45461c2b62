package main

// Reproductions of issue 11 (defects found by attacking stampd) against
// the built binaries.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"stampclock/uplink/zeiterfassung/zeittest"
)

// setKey replaces `key = ...` in the env's config.
func (e *env) setKey(key, value string) {
	e.t.Helper()
	data, err := os.ReadFile(e.config)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, key+" = ") {
			l = key + " = " + value
		}
		out = append(out, l)
	}
	if err := os.WriteFile(e.config, []byte(strings.Join(out, "\n")), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

// runStampd runs stampd with the env's config to its end (it must fail)
// and returns its output.
func (e *env) runStampd(timeout time.Duration) (string, error) {
	e.t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "stampd"), "--config", e.config)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(timeout):
		cmd.Process.Kill()
		<-done
		e.t.Fatalf("stampd still running after %v:\n%s", timeout, out.String())
	}
	return "", nil
}

// Defect 1: control.socket = store.path must not delete the queue.
func TestStampd_SocketOnQueueFile_RefusedQueueKept(t *testing.T) {
	e := newEnv(t, 1)
	p := e.start()
	if out, err := e.ctl("tap", "B0000000", "--at", "2026-06-01T07:00:00Z"); err != nil || !strings.Contains(out, "start_ok") {
		t.Fatalf("tap: %v %s", err, out)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait()
	db := filepath.Join(e.dir, "q.db")
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	e.setKey("socket", `"`+db+`"`)
	out, err := e.runStampd(30 * time.Second)
	if err == nil || !strings.Contains(out, "control.socket") {
		t.Fatalf("stampd with control.socket = store.path: %v\n%s", err, out)
	}
	after, rerr := os.ReadFile(db)
	if rerr != nil || !bytes.Equal(before, after) {
		t.Fatalf("queue file changed or gone: %v", rerr)
	}
	// Also a plain regular file elsewhere is never removed as a "stale socket".
	other := filepath.Join(e.dir, "notes.txt")
	os.WriteFile(other, []byte("keep me"), 0o600)
	e.setKey("socket", `"`+other+`"`)
	if out, err := e.runStampd(30 * time.Second); err == nil || !strings.Contains(out, "control.socket") {
		t.Fatalf("stampd with control.socket on a file: %v\n%s", err, out)
	}
	if data, err := os.ReadFile(other); err != nil || string(data) != "keep me" {
		t.Fatalf("file removed: %v", err)
	}
}

// Defect 7: store.path on a directory or on the config file is a config
// error; nothing is renamed and the next start works once fixed.
func TestStampd_StorePathOnDirOrConfig_ConfigErrorNothingMoved(t *testing.T) {
	e := newEnv(t, 1)
	dir := filepath.Join(e.dir, "state")
	os.Mkdir(dir, 0o750)
	for _, path := range []string{dir, e.config} {
		e.setKey("path", `"`+path+`"`)
		out, err := e.runStampd(30 * time.Second)
		if err == nil || !strings.Contains(out, "store.path") {
			t.Fatalf("store.path = %s: %v\n%s", path, err, out)
		}
		if m, _ := filepath.Glob(path + ".corrupt-*"); len(m) != 0 {
			t.Fatalf("store.path = %s moved aside: %v", path, m)
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s gone: %v", path, err)
		}
	}
}

// Defect 3: one damaged entry. --check-store finds it (exit 4), stampd
// quarantines it at start and delivers everything else.
func TestStampd_DamagedRecord_CheckFindsItOthersDelivered(t *testing.T) {
	e := newEnv(t, 2)
	e.zs.SetDown(zeittest.DownClose)
	p := e.start()
	for _, tap := range [][2]string{
		{"B0000000", "2026-06-01T07:00:00Z"}, {"B0000000", "2026-06-01T15:00:00Z"}, // seq 1, 2 + entry 3
		{"B0000001", "2026-06-01T08:00:00Z"}, {"B0000001", "2026-06-01T16:00:00Z"},
	} {
		if out, err := e.ctl("tap", tap[0], "--at", tap[1]); err != nil {
			t.Fatalf("tap: %v %s", err, out)
		}
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait()
	db := filepath.Join(e.dir, "q.db")
	data, _ := os.ReadFile(db)
	good := []byte(`{"seq":3,"kind":"entry"`)
	if !bytes.Contains(data, good) {
		t.Fatal("entry seq 3 not found in the file")
	}
	os.WriteFile(db, bytes.ReplaceAll(data, good, []byte(`{"seq":3,"kind";"entry"`)), 0o600)

	out, err := exec.Command(filepath.Join(binDir, "stampd"), "--check-store", db).CombinedOutput()
	var ee *exec.ExitError
	if err == nil || !errors.As(err, &ee) || ee.ExitCode() != exitUndecodable || !strings.Contains(string(out), "seqs [3]") {
		t.Fatalf("--check-store: %v\n%s", err, out)
	}
	e.zs.SetDown(zeittest.Up)
	e.start()
	e.waitDelivered(1)
	s := e.status()
	if s.QueueDepth.Quarantined != 1 || s.QuarantineAlarm == "" || len(e.zs.Entries()) != 1 {
		t.Fatalf("status: depth %+v, alarm %q; server has %d entries", s.QueueDepth, s.QuarantineAlarm, len(e.zs.Entries()))
	}
	out2, err := e.ctl("queue", "quarantine")
	if err != nil || !strings.Contains(out2, "seq 3") || !strings.Contains(out2, `{\"seq\":3,\"kind\";\"entry\"`) {
		t.Fatalf("queue quarantine: %v\n%s", err, out2)
	}
	for _, args := range [][]string{{"status"}, {"queue", "list"}, {"queue", "export"}} {
		out, err := e.ctl(args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		if args[0] == "status" && !strings.Contains(out, "STORE ALARM") {
			t.Fatalf("status does not show the alarm:\n%s", out)
		}
	}
}

// Defect 2: with 1024 file descriptors, 1,100 idle control connections made
// accept4 fail with EMFILE and stampd exit 1. Now connections beyond 64 are
// answered "busy" at once, stampd keeps running and serves again when the
// flood ends; 200 connections sending 1 MB each without a newline leave its
// RSS flat. (The EMFILE backoff itself is tested in device/control.)
func TestStampd_ConnectionFloodUnderFDLimit_KeepsRunningRSSFlat(t *testing.T) {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("prlimit (util-linux) missing")
		}
		t.Skip("prlimit (util-linux) missing")
	}
	e := newEnv(t, 1)
	p := e.startCmd(prlimit, "--nofile=1024:1024", filepath.Join(binDir, "stampd"))
	pid := p.cmd.Process.Pid // prlimit execs stampd: same process
	var flood []net.Conn
	closeFlood := func() {
		for _, c := range flood {
			c.Close()
		}
		flood = nil
	}
	defer closeFlood()
	for i := 0; i < 1100; i++ {
		c, err := net.Dial("unix", e.socket)
		if err != nil {
			t.Fatalf("flood connection %d: %v", i, err)
		}
		flood = append(flood, c)
	}
	// Every connection beyond the bound is answered at once and closed, so
	// stampd never holds more than the bound: it does not even run out of
	// descriptors. (Before: EMFILE ended it with exit 1.)
	// The harness's own readiness query may still hold a slot when the
	// flood begins and free it during the flood: then one of the first 64
	// is the busy one and a later one is served. So every connection is
	// read: the late ones until their answer, the first 64 (a served one
	// says nothing until it gets a request) for what is already there.
	isBusy := func(c net.Conn, deadline time.Time) bool {
		c.SetReadDeadline(deadline)
		line, _ := bufio.NewReader(c).ReadString('\n')
		return strings.Contains(line, "busy")
	}
	busy := 0
	for _, c := range flood[64:] {
		if isBusy(c, time.Now().Add(10*time.Second)) {
			busy++
		}
	}
	early := time.Now().Add(300 * time.Millisecond)
	for _, c := range flood[:64] {
		if isBusy(c, early) {
			busy++
		}
	}
	if busy != len(flood)-64 {
		t.Fatalf("%d of %d connections answered busy, want all but the bound of 64; stderr:\n%s", busy, len(flood), tail(p.stderr.String(), 2000))
	}
	select {
	case <-p.done:
		t.Fatalf("stampd exited under the flood: %v\n%s", p.err, tail(p.stderr.String(), 2000))
	default:
	}
	closeFlood()
	if out, err := e.ctl("tap", "B0000000", "--at", "2026-06-01T07:00:00Z"); err != nil || !strings.Contains(out, "start_ok") {
		t.Fatalf("tap after the flood: %v %s", err, out)
	}

	before := procKB(t, pid, "VmHWM:")
	payload := []byte(strings.Repeat("x", 1<<20))
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("unix", e.socket)
			if err != nil {
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			go c.Write(payload)
			io.Copy(io.Discard, c)
		}()
	}
	wg.Wait()
	after := procKB(t, pid, "VmHWM:")
	t.Logf("stampd peak RSS %d KB before, %d KB after 200 × 1 MB requests (issue: 12 → 338 MB)", before, after)
	if after-before > 80<<10 {
		t.Fatalf("peak RSS grew by %d MB, want under 80 MB", (after-before)>>10)
	}
	select {
	case <-p.done:
		t.Fatalf("stampd exited: %v", p.err)
	default:
	}
}

func procKB(t *testing.T, pid int, key string) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == key {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", key, pid)
	return 0
}

// Defect 5: `stampctl badges import` panicked on a quote error in the first
// field, and 13,000+ rows failed with "broken pipe".
func TestStampctl_BadgeImport_QuoteErrorNamedLargeFileImported(t *testing.T) {
	e := newEnv(t, 0)
	e.start()
	cmd := exec.Command(filepath.Join(binDir, "stampctl"), "--socket", e.socket, "badges", "import", "-")
	cmd.Stdin = strings.NewReader("uid,email\n\"unterminated,g@x.y\n")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || strings.Contains(string(out), "panic") || !strings.Contains(string(out), "-:2: ") {
		t.Fatalf("quote error: %v\n%s", err, out)
	}
	big := filepath.Join(e.dir, "big.csv")
	var b strings.Builder
	b.WriteString("uid,email,name\n")
	const n = 13500
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%08X,employee%d@example.com,Employee Number %d\n", 0x0A000000+i, i, i)
	}
	os.WriteFile(big, []byte(b.String()), 0o600)
	// The server is down, so the user list cannot be asked: the emails are
	// accepted unverified (checked again later) and the size is what is
	// tested here.
	e.zs.SetDown(zeittest.Down503)
	if out, err := e.ctl("badges", "import", big); err != nil || !strings.Contains(out, fmt.Sprintf("%d badges imported", n)) {
		t.Fatalf("import of %d rows: %v\n%s", n, err, tail(out, 2000))
	}
	out2, err := e.ctl("badges", "export")
	if err != nil || strings.Count(out2, "\n") != n+1 {
		t.Fatalf("export after import: %v, %d lines", err, strings.Count(out2, "\n"))
	}
	// A bad line at the end of a large file: nothing is imported.
	b.WriteString("0B000000,bad\x1b[2J@example.com,X\n")
	os.WriteFile(big, []byte(b.String()), 0o600)
	if out, err := e.ctl("badges", "import", big); err == nil || !strings.Contains(out, fmt.Sprintf("big.csv:%d: ", n+2)) || !strings.Contains(out, "nothing imported") {
		t.Fatalf("bad last line: %v\n%s", err, tail(out, 2000))
	}
}

// Defect 6: an enrolling stampctl killed with kill -9 left the enrolment
// armed; the next tap of an enrolled badge was swallowed and re-bound.
func TestStampctl_EnrollKilled_EnrolmentEndsNextTapPunched(t *testing.T) {
	e := newEnv(t, 2)
	e.start()
	if out, err := e.ctl("badges", "add", "0A000001", "e0@example.com"); err != nil {
		t.Fatalf("badges add: %v %s", err, out)
	}
	cmd := exec.Command(filepath.Join(binDir, "stampctl"), "--socket", e.socket, "enroll", "--email", "e1@example.com", "--timeout", "1h")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitStatus := func(what string, ok func(s string) bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !ok(e.status().Enrolling) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting: %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitStatus("enrolment armed", func(s string) bool { return s == "e1@example.com" })
	cmd.Process.Kill()
	cmd.Wait()
	waitStatus("enrolment withdrawn", func(s string) bool { return s == "" })
	if out, err := e.ctl("tap", "0A000001", "--at", "2026-06-01T07:00:00Z"); err != nil || !strings.Contains(out, "start_ok  e0@example.com") {
		t.Fatalf("tap after the killed enrolment: %v %s", err, out)
	}
}

// Weakness: stampctl giving up on a stopped stampd said only "i/o
// timeout", while the tap was committed once stampd continued.
func TestStampctl_DaemonStopped_TimeoutSaysOutcomeUnknown(t *testing.T) {
	e := newEnv(t, 1)
	p := e.start()
	p.cmd.Process.Signal(syscall.SIGSTOP)
	out, err := exec.Command(filepath.Join(binDir, "stampctl"), "--socket", e.socket, "--wait", "500ms", "tap", "B0000000", "--at", "2026-06-01T07:00:00Z").CombinedOutput()
	p.cmd.Process.Signal(syscall.SIGCONT)
	if err == nil || !strings.Contains(string(out), "outcome of tap is UNKNOWN") || !strings.Contains(string(out), "queue export") {
		t.Fatalf("stampctl against a stopped stampd: %v\n%s", err, out)
	}
	// And indeed: the tap was committed after all.
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, _ := e.ctl("queue", "export", "--kind", "punch")
		if strings.Contains(out, `"action":"start"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tap never committed:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
