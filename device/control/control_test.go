package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func serve(t *testing.T, path string) {
	t.Helper()
	h := func(ctx context.Context, cmd string, args json.RawMessage) (any, error) {
		switch cmd {
		case "echo":
			var v map[string]string
			if err := json.Unmarshal(args, &v); err != nil {
				return nil, fmt.Errorf("echo: %w", err)
			}
			return v, nil
		}
		return nil, fmt.Errorf("%w %q", ErrUnknownCommand, cmd)
	}
	serveHandler(t, path, h)
}

func TestCall_RoundTripAndErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	serve(t, path)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o660 {
		t.Fatalf("socket mode = %v, %v; want 0660", fi.Mode().Perm(), err)
	}
	var out map[string]string
	if err := Call(context.Background(), path, "echo", map[string]string{"a": "b"}, &out); err != nil || out["a"] != "b" {
		t.Fatalf("echo = %v, %v", out, err)
	}
	err = Call(context.Background(), path, "nope", nil, nil)
	if err == nil || !strings.Contains(err.Error(), `unknown command "nope"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestCall_NotRunning(t *testing.T) {
	err := Call(context.Background(), filepath.Join(t.TempDir(), "none.sock"), "status", nil, nil)
	if !errors.Is(err, ErrNotRunning) {
		t.Fatalf("err = %v, want ErrNotRunning", err)
	}
}

func TestListen_ReplacesStaleSocketButNotLiveOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(path, nil, nil); err == nil || !strings.Contains(err.Error(), "another stampd") {
		t.Fatalf("live socket: err = %v", err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // leaves a stale socket file behind
	serve(t, path)
	if err := Call(context.Background(), path, "echo", map[string]string{}, nil); err != nil {
		t.Fatalf("after replacing stale socket: %v", err)
	}
}

func TestServer_BadRequestLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	serve(t, path)
	for _, line := range []string{"not json\n", "{}\n", "{\"cmd\":\"echo\",\"args\":5}\n"} {
		c, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte(line))
		var resp Response
		if err := json.NewDecoder(c).Decode(&resp); err != nil {
			t.Fatal(err)
		}
		c.Close()
		if resp.OK || resp.Error == "" {
			t.Fatalf("%q: resp = %+v, want an error", line, resp)
		}
	}
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"cmd":"status"}`))
	f.Add([]byte(`{"cmd":"tap","args":{"uid":"04A1B2C3","at":"2026-03-02T08:00:00+01:00"}}`))
	f.Add([]byte(`{"cmd":`))
	f.Fuzz(func(t *testing.T, line []byte) {
		req, err := DecodeRequest(line)
		if err == nil && req.Cmd == "" {
			t.Fatal("accepted a request without cmd")
		}
	})
}
