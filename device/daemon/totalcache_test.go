package daemon

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"stampclock/daytotal"
)

// hangingSource is a remote day-total source that answers only when its
// request's context ends.
type hangingSource struct{ asked chan context.Context }

func (s hangingSource) DayTotal(ctx context.Context, _ string, _ daytotal.Date) (time.Duration, error) {
	s.asked <- ctx
	<-ctx.Done()
	return 0, ctx.Err()
}

func TestTotalCache_FetchesEndWithRun(t *testing.T) {
	src := hangingSource{asked: make(chan context.Context, 4)}
	c := newTotalCache(src, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Run binds the cache before it serves commands; run itself may
	// start later (its goroutine not scheduled yet): a fetch asked for in
	// between ends with Run all the same.
	c.bind(ctx)
	day := daytotal.DateOf(time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC), time.UTC)
	asked := c.ask("huber@example.com", day, time.Hour)
	done := make(chan error, 1)
	go func() { done <- c.run(ctx) }()

	if _, ok := c.get("maier@example.com", day, time.Hour); ok {
		t.Fatal("a total cached before any fetch")
	}
	for range 2 {
		select {
		case <-src.asked:
		case <-time.After(5 * time.Second):
			t.Fatal("not both fetches started")
		}
	}
	cancel()
	select {
	case a := <-asked:
		if !errors.Is(a.err, context.Canceled) {
			t.Fatalf("the fetch asked for before run started: %+v; want it ended with Run's context", a)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the fetch asked for before run started outlives Run")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run still waiting 5s after its context ended: a fetch outlives Run")
	}
	c.get("maier@example.com", day.AddDays(1), time.Hour)
	c.mu.Lock()
	busy := len(c.busy)
	c.mu.Unlock()
	if busy != 0 {
		t.Fatalf("%d fetches started or left after Run ended", busy)
	}
}

// Once Run has ended, `stampctl daytotal` starts no fetch: it is told
// stampd is stopping.
func TestTotalCache_AskAfterRun_NoFetch(t *testing.T) {
	src := hangingSource{asked: make(chan context.Context, 1)}
	c := newTotalCache(src, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.run(ctx); err != nil {
		t.Fatalf("run: %v", err)
	}
	day := daytotal.DateOf(time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC), time.UTC)
	if a := <-c.ask("maier@example.com", day, time.Hour); !errors.Is(a.err, errStopping) {
		t.Fatalf("ask after Run: %+v, want errStopping", a)
	}
	if len(src.asked) != 0 {
		t.Fatal("a fetch started after Run ended")
	}
}
