package control

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkCall_RoundTrip measures one command over the socket with a
// handler that does nothing: connect, request line, answer (client and
// server in one process).
func BenchmarkCall_RoundTrip(b *testing.B) {
	dir, err := os.MkdirTemp("", "ctl")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "s.sock")
	srv, err := Listen(path, func(context.Context, string, json.RawMessage) (any, error) { return []int{}, nil }, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	b.ResetTimer()
	for range b.N {
		if err := Call(context.Background(), path, "badges.pending", nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}
