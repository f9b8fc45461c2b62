package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// probeReader opens the reader of the config at path once, for `stampctl
// check` while stampd is not running. It runs `stampd --probe-reader`:
// the reader drivers live in stampd, and stampctl links none of them.
func probeReader(ctx context.Context, path string) (string, error) {
	exe, err := stampdPath()
	if err != nil {
		return "", fmt.Errorf("cannot open the reader: %w", err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, exe, "--probe-reader", "--config", path)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimPrefix(strings.TrimSpace(stderr.String()), "stampd: "); msg != "" {
			return "", errors.New(msg)
		}
		return "", fmt.Errorf("%s --probe-reader: %w", exe, err)
	}
	return strings.TrimSpace(stdout.String()), nil
}

// stampdPath finds stampd: beside this stampctl (as installed, and as the
// tests build them), else on PATH.
func stampdPath() (string, error) {
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), "stampd")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	p, err := exec.LookPath("stampd")
	if err != nil {
		return "", errors.New("stampd is not installed beside stampctl or on PATH")
	}
	return p, nil
}
