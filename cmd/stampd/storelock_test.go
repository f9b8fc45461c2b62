package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSecondStampd_NamesThePidHoldingTheStore(t *testing.T) {
	e := newEnv(t, 1)
	first := e.start()
	// The second one has its own socket but the same store.
	cfg, err := os.ReadFile(e.config)
	if err != nil {
		t.Fatal(err)
	}
	second := filepath.Join(t.TempDir(), "second.toml")
	text := strings.Replace(string(cfg), e.socket, filepath.Join(filepath.Dir(e.socket), "second.sock"), 1)
	if text == string(cfg) {
		t.Fatalf("socket %s not in the config:\n%s", e.socket, cfg)
	}
	if err := os.WriteFile(second, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	out, err := exec.Command(filepath.Join(binDir, "stampd"), "--config", second).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("second stampd: %v, want exit 1\n%s", err, out)
	}
	pid := strconv.Itoa(first.cmd.Process.Pid)
	if !strings.Contains(string(out), "(pid "+pid+")") || !strings.Contains(string(out), "in use by another") {
		t.Fatalf("second stampd's error does not name pid %s:\n%s", pid, out)
	}
	// It says so at once instead of waiting for the lock's timeout.
	if d := time.Since(start); d > 4*time.Second { // the lock wait alone was 5 s
		t.Errorf("second stampd took %v to give up", d)
	}
}
