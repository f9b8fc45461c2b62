package metrics_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"stampclock/device/metrics"
)

func TestServeListener_ContextCancelled_ShutsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- metrics.ServeListener(ctx, ln, metrics.New(nil).Handler()) }()

	if code, _, _ := get(t, "http://"+addr+"/healthz"); code != http.StatusOK {
		t.Fatalf("GET /healthz = %d before cancel", code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeListener after cancel = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServeListener did not return after cancel")
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("still accepting connections after shutdown")
	}
}

func TestServe_AddressInUse_ReturnsListenError(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = metrics.Serve(ctx, busy.Addr().String(), metrics.New(nil).Handler())
	if err == nil || !strings.Contains(err.Error(), "metrics: listen on "+busy.Addr().String()) {
		t.Errorf("Serve on a busy port = %v, want a listen error naming the address", err)
	}
}

func TestServe_EmptyAddress_Error(t *testing.T) {
	err := metrics.Serve(context.Background(), "", metrics.New(nil).Handler())
	if err == nil {
		t.Error("Serve with no address succeeded")
	}
}

func TestServe_RealAddress_ServesUntilCancelled(t *testing.T) {
	// Find a free port, release it, and hand its address to Serve.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- metrics.Serve(ctx, addr, metrics.New(nil).Handler()) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("Serve never answered: %v (returned: %v)", err, <-done)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve = %v, want nil", err)
	}
}
