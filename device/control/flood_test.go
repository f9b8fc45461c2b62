package control

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// emfileListener fails Accept with EMFILE (as accept4 does when the
// process is out of file descriptors) n times, then accepts normally.
type emfileListener struct {
	net.Listener
	fails atomic.Int32
}

func (l *emfileListener) Accept() (net.Conn, error) {
	if l.fails.Add(-1) >= 0 {
		return nil, &net.OpError{Op: "accept", Net: "unix", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

func echoHandler(ctx context.Context, cmd string, args json.RawMessage) (any, error) {
	return map[string]string{"cmd": cmd}, nil
}

func startServer(t *testing.T, s *Server) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return within 5s")
		}
	})
	go func() {
		// Serve returning early is the failure this file is about.
		select {
		case err := <-done:
			done <- err
			if ctx.Err() == nil {
				t.Errorf("Serve returned while running: %v", err)
			}
		case <-ctx.Done():
		}
	}()
}

// Issue 11, defect 2: "accept4: too many open files" ended Serve and with
// it stampd. A temporary accept error must be waited out.
func TestServe_TooManyOpenFiles_BacksOffAndKeepsServing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	s, err := Listen(path, echoHandler, nil)
	if err != nil {
		t.Fatal(err)
	}
	l := &emfileListener{Listener: s.ln}
	l.fails.Store(6)
	s.ln = l
	startServer(t, s)
	var out map[string]string
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := Call(ctx, path, "status", nil, &out); err != nil || out["cmd"] != "status" {
		t.Fatalf("call after EMFILE: %v, %v", out, err)
	}
	if n := l.fails.Load(); n >= 0 {
		t.Fatalf("fault not exercised: %d EMFILE left", n+1)
	}
}

// Idle connections beyond the bound are answered "busy" and closed at
// once, and idle ones within the bound time out, so a flood cannot pin
// file descriptors; once it ends, requests are served again.
func TestServe_IdleFlood_BoundedThenServedAgain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	s, err := Listen(path, echoHandler, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.opts.ReadTimeout = 300 * time.Millisecond
	startServer(t, s)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	busy := 0
	for i := 0; i < 200; i++ {
		c, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns[DefaultMaxConns:] {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, _ := bufio.NewReader(c).ReadString('\n')
		if strings.Contains(line, "busy") {
			busy++
		}
	}
	if busy != 200-DefaultMaxConns {
		t.Fatalf("%d of %d connections over the bound answered busy", busy, 200-DefaultMaxConns)
	}
	for _, c := range conns[:DefaultMaxConns] {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, _ := bufio.NewReader(c).ReadString('\n')
		if !strings.Contains(line, "timeout") {
			t.Fatalf("idle connection within the bound: %q, want a timeout answer", line)
		}
	}
	if err := Call(context.Background(), path, "status", nil, nil); err != nil {
		t.Fatalf("after the flood: %v", err)
	}
}

// 200 connections each sending 1 MB without a newline grew the daemon from
// 12 to 338 MB. The request reader is bounded: the peak RSS stays flat.
func TestServe_LargeRequestFlood_RSSStaysFlat(t *testing.T) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Skipf("cannot reset the peak RSS: %v", err)
	}
	path := filepath.Join(t.TempDir(), "s.sock")
	s, err := Listen(path, echoHandler, nil)
	if err != nil {
		t.Fatal(err)
	}
	startServer(t, s)
	payload := []byte(strings.Repeat("x", 1<<20)) // shared by all senders
	before := peakRSSKB(t)
	var wg sync.WaitGroup
	var tooLarge, busy atomic.Int32
	var otherMu sync.Mutex
	var other []string // any other outcome, for the failure message
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("unix", path)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			go c.Write(payload) // the server may stop reading: do not block on it
			line, err := bufio.NewReader(c).ReadString('\n')
			switch {
			case strings.Contains(line, "too large"):
				tooLarge.Add(1)
			case strings.Contains(line, "busy"):
				busy.Add(1)
			default:
				otherMu.Lock()
				other = append(other, fmt.Sprintf("%q (%v)", line, err))
				otherMu.Unlock()
			}
		}()
	}
	wg.Wait()
	grew := peakRSSKB(t) - before
	t.Logf("peak RSS grew by %d KB (%d too large, %d busy); before the fix ~320 MB", grew, tooLarge.Load(), busy.Load())
	if tooLarge.Load()+busy.Load() != 200 {
		t.Errorf("%d too large + %d busy answers, want 200; the others: %s", tooLarge.Load(), busy.Load(), strings.Join(other, ", "))
	}
	if grew > 80<<10 {
		t.Fatalf("peak RSS grew by %d MB under the flood, want under 80 MB", grew>>10)
	}
}

func peakRSSKB(t *testing.T) int {
	t.Helper()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	t.Skip("no VmHWM in /proc/self/status")
	return 0
}
