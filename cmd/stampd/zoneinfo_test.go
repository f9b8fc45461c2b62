package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A terminal may have no zone database (/usr/share/zoneinfo): stampd and
// stampctl load punch.timezone from the one built into them. Both binaries
// run here with the system's database hidden (an empty directory mounted
// over it in a mount namespace of their own) and no Go tree to fall back
// on (GOROOT pointing nowhere).
func TestBinaries_NoZoneDatabase_TimezoneLoads(t *testing.T) {
	unshare := needTool(t, "unshare", "util-linux")
	if os.Geteuid() != 0 {
		msg := "needs root to mount over /usr/share/zoneinfo in a mount namespace"
		if os.Getenv("CI") != "" {
			t.Fatal(msg + ", and CI is set")
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "stampd.toml")
	if err := os.WriteFile(cfg, []byte("[punch]\ntimezone = \"Europe/Berlin\"\n[store]\npath = \""+filepath.Join(dir, "q.db")+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hidden := func(argv ...string) (string, error) {
		script := `if [ -d /usr/share/zoneinfo ]; then mount --bind "$0" /usr/share/zoneinfo || exit 99; fi
[ -z "$(ls -A /usr/share/zoneinfo 2>/dev/null)" ] || { echo "zoneinfo still visible"; exit 98; }
exec "$@"`
		cmd := exec.Command(unshare, append([]string{"--mount", "--propagation", "private", "sh", "-c", script, empty}, argv...)...)
		cmd.Env = append(os.Environ(), "GOROOT="+filepath.Join(dir, "no-goroot"), "ZONEINFO=")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := hidden(filepath.Join(binDir, "stampctl"), "check", "--config", cfg)
	if !strings.Contains(out, "✓ config") {
		t.Fatalf("stampctl check without a zone database: %v\n%s", err, out)
	}
	out, err = hidden(filepath.Join(binDir, "stampd"), "--probe-reader", "--config", cfg)
	if err != nil || strings.Contains(out, "time zone") {
		t.Fatalf("stampd --probe-reader (loads the config) without a zone database: %v\n%s", err, out)
	}
}
