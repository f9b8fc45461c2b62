package control

import (
	"context"
	"encoding/json"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"stampclock/internal/waitfor"
)

// workersAlive counts the goroutines serving connections.
func workersAlive() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "control.(*Server).work(")
}

// Workers are reused, but commands still run side by side, every
// connection is answered, and no worker outlives Serve.
func TestServe_Workers_ConcurrentThenSequential_NoneOutlivesServe(t *testing.T) {
	const concurrent = 5
	var running atomic.Int32
	release := make(chan struct{})
	h := func(ctx context.Context, cmd string, args json.RawMessage) (any, error) {
		if cmd == "block" {
			running.Add(1)
			defer running.Add(-1)
			select {
			case <-release:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		return map[string]string{"cmd": cmd}, nil
	}
	path := filepath.Join(t.TempDir(), "s.sock")
	s, err := Listen(path, h, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Cleanups run last first: this one after startServer's has stopped
	// Serve and waited for it.
	t.Cleanup(func() {
		waitfor.Until(t, 5*time.Second, "every worker to end after Serve returned", func() bool { return workersAlive() == 0 })
	})
	startServer(t, s)

	var wg sync.WaitGroup
	errs := make(chan error, concurrent)
	for range concurrent {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- Call(context.Background(), path, "block", nil, nil)
		}()
	}
	waitfor.Until(t, 10*time.Second, "all blocking commands running at once", func() bool { return running.Load() == concurrent })
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("blocking command: %v", err)
		}
	}
	for i := range 50 {
		var out map[string]string
		if err := Call(context.Background(), path, "echo", nil, &out); err != nil || out["cmd"] != "echo" {
			t.Fatalf("call %d after the concurrent ones = %v, %v", i, out, err)
		}
	}
	if n := workersAlive(); n == 0 || n > concurrent {
		t.Fatalf("%d workers alive after at most %d connections at once; want 1..%d", n, concurrent, concurrent)
	}
}

// Clients racing for two slots get an answer or "busy" (never a broken
// pipe: the refused connection is answered before its request is read),
// and there are never more workers than connections may be served at
// once.
func TestServe_Workers_Contention_BusyAnsweredNeverMoreThanMaxConns(t *testing.T) {
	const maxConns, clients, calls = 2, 16, 200
	path := filepath.Join(t.TempDir(), "s.sock")
	s, err := Listen(path, echoHandler, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.opts.MaxConns = maxConns
	startServer(t, s)
	var wg sync.WaitGroup
	var answered, busy atomic.Int32
	for range clients {
		wg.Go(func() {
			for range calls {
				switch err := Call(context.Background(), path, "echo", nil, nil); {
				case err == nil:
					answered.Add(1)
				case strings.Contains(err.Error(), "busy"):
					busy.Add(1)
				default:
					t.Errorf("call: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	if answered.Load() == 0 || answered.Load()+busy.Load() != clients*calls {
		t.Fatalf("%d answered, %d busy of %d calls", answered.Load(), busy.Load(), clients*calls)
	}
	if n := workersAlive(); n > maxConns {
		t.Fatalf("%d workers alive with MaxConns %d", n, maxConns)
	}
}
