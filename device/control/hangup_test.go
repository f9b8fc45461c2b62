package control

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"testing"
	"time"
)

// A command still running when its client hangs up ends: its context is
// cancelled (an enrolment does not outlive its stampctl).
func TestServe_ClientHangsUp_CommandEnds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	started := make(chan struct{})
	ended := make(chan error, 1)
	h := func(ctx context.Context, cmd string, _ json.RawMessage) (any, error) {
		close(started)
		select {
		case <-ctx.Done():
			ended <- ctx.Err()
		case <-time.After(time.Minute):
			ended <- nil
		}
		return nil, ctx.Err()
	}
	serveHandler(t, path, h)

	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte(`{"cmd":"wait"}` + "\n")); err != nil {
		t.Fatal(err)
	}
	<-started
	conn.Close()
	select {
	case err := <-ended:
		if err == nil {
			t.Fatal("the command ran on for a minute after its client hung up")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the command did not end within 10s of its client hanging up")
	}
}

// A quick command's answer is one JSON line that decodes to what the
// handler returned, with and without data.
func TestServe_AnswerLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	h := func(_ context.Context, cmd string, _ json.RawMessage) (any, error) {
		if cmd == "none" {
			return nil, nil
		}
		return map[string]any{"n": 1, "s": "a\"b"}, nil
	}
	serveHandler(t, path, h)
	for cmd, want := range map[string]string{"some": `{"ok":true,"data":{"n":1,"s":"a\"b"}}`, "none": `{"ok":true,"data":null}`} {
		conn, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write([]byte(`{"cmd":"` + cmd + `"}` + "\n")); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(conn).ReadString('\n')
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
		if line != want+"\n" {
			t.Errorf("%s answered %q, want %q", cmd, line, want+"\n")
		}
		var r Response
		if err := json.Unmarshal([]byte(line), &r); err != nil || !r.OK {
			t.Errorf("%s: answer %q does not decode: %v", cmd, line, err)
		}
	}
}

// serveHandler serves h on a socket at path until the test ends.
func serveHandler(t *testing.T, path string, h Handler) {
	t.Helper()
	s, err := Listen(path, h, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
}
