package powerloss

import (
	"os"
	"path/filepath"
	"testing"
)

// Require skips t when a powerloss filesystem cannot be mounted here (no
// /dev/fuse, not root, mount refused), saying why. When the environment
// variable CI is set it fails t instead: CI must run these tests.
func Require(t testing.TB) {
	t.Helper()
	why := ""
	if _, err := os.Stat("/dev/fuse"); err != nil {
		why = "no /dev/fuse: " + err.Error()
	} else if os.Geteuid() != 0 {
		why = "mounting FUSE without fusermount needs root"
	} else {
		dir := t.TempDir()
		b, m := filepath.Join(dir, "b"), filepath.Join(dir, "m")
		os.Mkdir(b, 0o700)
		os.Mkdir(m, 0o700)
		f, err := Mount(b, m, Options{})
		if err != nil {
			why = err.Error()
		} else if err := f.Unmount(); err != nil {
			t.Fatalf("powerloss: trial mount: %v", err)
		}
	}
	if why == "" {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("powerloss filesystem unavailable, and CI is set: %s", why)
	}
	t.Skipf("powerloss filesystem unavailable (needs /dev/fuse and root): %s", why)
}
