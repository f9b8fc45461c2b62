package reader

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"stampclock/internal/backoff"
)

// pipeFile returns the read end of a new pipe, closing both ends when the
// test ends.
func pipeFile(t *testing.T) *os.File {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r
}

func TestReopener_ReopensAfterLossWithBackoff(t *testing.T) {
	errLost, errGone := errors.New("lost"), errors.New("gone")
	files := []*os.File{pipeFile(t), nil, pipeFile(t)}
	var (
		mu    sync.Mutex
		waits []time.Duration
		opens int
		lost  int
	)
	now := make(chan time.Time)
	close(now)
	o := &Reopener{
		Open: func() (*os.File, error) {
			mu.Lock()
			defer mu.Unlock()
			f := files[opens]
			opens++
			if f == nil {
				return nil, errGone
			}
			return f, nil
		},
		Lost: func() { lost++ },
		Retry: backoff.Policy{Min: time.Second, Max: time.Minute, After: func(d time.Duration) <-chan time.Time {
			mu.Lock()
			defer mu.Unlock()
			waits = append(waits, d)
			return now
		}},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Prefix: "reopentest", Thing: "device", Source: "test", Path: "pipe",
	}
	if err := o.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- o.Run(ctx, func(ctx context.Context, f *os.File) (bool, error) {
			if f == files[0] {
				return true, errLost
			}
			<-ctx.Done()
			return false, ctx.Err()
		})
	}()
	deadline := time.Now().Add(5 * time.Second)
	for s := o.Stats(); !(s.Connected && s.Opens == 2); s = o.Stats() {
		if time.Now().After(deadline) {
			t.Fatalf("not reopened: %+v", s)
		}
		time.Sleep(time.Millisecond)
	}
	if s := o.Stats(); s.OpenErrors != 2 || s.LastErr != "" {
		t.Errorf("after the reopen: %+v, want 2 open errors (the loss, the failed open) and no last error", s)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []time.Duration{time.Second, 2 * time.Second}; !slices.Equal(waits, want) {
		t.Errorf("waits %v, want %v (the second failure in a row waits twice as long)", waits, want)
	}
	if lost != 1 {
		t.Errorf("Lost called %d times, want once (not when ctx ends)", lost)
	}
	if s := o.Stats(); s.Connected || s.OpenErrors != 2 {
		t.Errorf("after Run: %+v, want closed and no error counted for the cancel", s)
	}
}

func TestReopener_PermanentOpenErrorEndsRun(t *testing.T) {
	errPerm := errors.New("not that kind of device")
	o := &Reopener{
		Open:      func() (*os.File, error) { return nil, errPerm },
		Permanent: func(err error) bool { return errors.Is(err, errPerm) },
		Retry: backoff.Policy{Min: time.Hour, Max: time.Hour, After: func(time.Duration) <-chan time.Time {
			t.Error("Run waited to retry a permanent error")
			return nil
		}},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	err := o.Run(context.Background(), func(context.Context, *os.File) (bool, error) {
		t.Error("read called without an open file")
		return false, nil
	})
	if !errors.Is(err, errPerm) {
		t.Fatalf("Run = %v, want %v", err, errPerm)
	}
	if s := o.Stats(); s.OpenErrors != 1 || s.LastErr != errPerm.Error() {
		t.Errorf("Stats %+v, want one open error, the permanent one", s)
	}
}
