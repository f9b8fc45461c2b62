package control

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 11, defect 1: control.socket pointing at an existing regular file
// (here: a queue file) must never remove it.
func TestListen_PathIsRegularFile_RefusedAndFileKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "queue.db")
	want := []byte("acknowledged punches")
	if err := os.WriteFile(path, want, 0o640); err != nil {
		t.Fatal(err)
	}
	_, err := Listen(path, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "control.socket") || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("Listen on a regular file: err = %v, want a control.socket error saying it is not a socket", err)
	}
	if got, rerr := os.ReadFile(path); rerr != nil || !bytes.Equal(got, want) {
		t.Fatalf("file after Listen: %q, %v; want it untouched", got, rerr)
	}
}

func TestListen_PathIsDirectoryOrSymlink_Refused(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o750); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{sub, link} {
		if _, err := Listen(p, nil, nil); err == nil || !strings.Contains(err.Error(), "not a socket") {
			t.Errorf("Listen(%s): err = %v, want not a socket", p, err)
		}
	}
	if _, err := os.Stat(sub); err != nil {
		t.Errorf("directory gone: %v", err)
	}
	if _, err := os.Lstat(link); err != nil {
		t.Errorf("symlink gone: %v", err)
	}
}

func TestListen_ParentIsAFile_Refused(t *testing.T) {
	file := filepath.Join(t.TempDir(), "queue.db")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Listen(filepath.Join(file, "s.sock"), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("err = %v, want not a directory", err)
	}
}

func TestListen_StaleSocketReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // a dead daemon's socket file stays behind
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("stale socket not left behind: %v", err)
	}
	serve(t, path)
}
