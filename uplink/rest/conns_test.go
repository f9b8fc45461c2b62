package rest_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"stampclock/uplink/rest"
)

// roundBarrier holds each request until n are in flight, so n requests
// are on n connections at once in every round.
type roundBarrier struct {
	n       int
	mu      sync.Mutex
	arrived int
	gate    chan struct{}
}

func (b *roundBarrier) wait() bool {
	b.mu.Lock()
	if b.gate == nil {
		b.gate = make(chan struct{})
	}
	gate := b.gate
	b.arrived++
	if b.arrived == b.n {
		close(gate)
		b.arrived, b.gate = 0, nil
	}
	b.mu.Unlock()
	select {
	case <-gate:
		return true
	case <-time.After(10 * time.Second):
		return false
	}
}

// The default client keeps Options.Parallel connections open between
// requests: rounds of Parallel requests in flight at once, each round
// ending with all of them idle, reuse the same connections instead of
// opening new ones (Go's default transport keeps only two idle per host).
func TestDo_DefaultClientReusesParallelConnections(t *testing.T) {
	const parallel, rounds = 4, 20
	bar := &roundBarrier{n: parallel}
	var opened atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !bar.wait() {
			http.Error(w, "barrier timed out", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c, err := rest.New(rest.Options{BaseURL: srv.URL, Parallel: parallel})
	if err != nil {
		t.Fatal(err)
	}
	// Each round ends with all its connections idle, as a batch sent by
	// parallel lanes does.
	for range rounds {
		var wg sync.WaitGroup
		errs := make([]error, parallel)
		for i := range parallel {
			wg.Go(func() {
				a, err := c.Do(context.Background(), rest.Request{Method: http.MethodGet, Path: "/x"})
				if err == nil && !a.OK() {
					err = c.Classify(a, "")
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := opened.Load(); n > parallel {
		t.Errorf("%d connections opened for %d rounds of %d requests in flight, want at most %d", n, rounds, parallel, parallel)
	}
}
