package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// needTool returns the path of a system tool, skipping the test when it is
// missing on a laptop and failing it when CI is set.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not found but CI is set: install the Debian package %s", name, pkg)
		}
		t.Skipf("%s not found: install the Debian package %s to run this test", name, pkg)
	}
	return p
}

// TestStampd_ARMBinariesUnderQemu cross-compiles stampd for the boards
// (linux/arm GOARM=6 and linux/arm64, CGO off) and runs each under
// qemu-user-static through a real scenario: simulated taps → bbolt queue →
// delivered to the test server.
func TestStampd_ARMBinariesUnderQemu(t *testing.T) {
	for _, tc := range []struct{ name, goarch, goarm, qemu string }{
		{"armv6", "arm", "6", "qemu-arm-static"},
		{"arm64", "arm64", "", "qemu-aarch64-static"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu := needTool(t, tc.qemu, "qemu-user-static")
			bin := filepath.Join(t.TempDir(), "stampd-"+tc.name)
			build := exec.Command("go", "build", "-trimpath", "-o", bin, "stampclock/cmd/stampd")
			build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+tc.goarch, "GOARM="+tc.goarm)
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("cross-compile: %v\n%s", err, out)
			}
			if out, err := exec.Command("file", bin).Output(); err == nil && !strings.Contains(string(out), "statically linked") {
				t.Fatalf("not a static binary: %s", out)
			}
			e := newEnv(t, 3)
			e.startCmd(emu, bin)
			for i := 0; i < 3; i++ {
				uid := fmt.Sprintf("%08X", 0xB0000000+i)
				start := time.Date(2026, 10, 24, 20+i, 0, 0, 0, time.UTC) // 9 h across the end of DST
				if out, err := e.ctl("tap", uid, "--at", start.Format(time.RFC3339)); err != nil || !strings.Contains(out, "start_ok") {
					t.Fatalf("tap: %v %s", err, out)
				}
				if out, err := e.ctl("tap", uid, "--at", start.Add(9*time.Hour).Format(time.RFC3339)); err != nil || !strings.Contains(out, "stop_ok") {
					t.Fatalf("tap: %v %s", err, out)
				}
			}
			e.waitDelivered(3)
			if n, d := len(e.zs.Entries()), len(e.zs.Duplicates()); n != 6 || d != 0 {
				t.Fatalf("server: %d entries (%d duplicates), want 6 (3 shifts, each split at the DST change)", n, d)
			}

		})
	}
}
