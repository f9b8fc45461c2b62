// Package deploy holds what goes on a terminal besides the binaries; this
// test checks that package versions made by version.sh sort by commit.
package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// need skips without tool, and fails instead when CI is set.
func need(t *testing.T, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not installed (CI must have it)", tool)
		}
		t.Skipf("%s not installed", tool)
	}
}

func TestVersion_SuccessiveCommitsSortInOrder(t *testing.T) {
	need(t, "git")
	need(t, "dpkg")
	script, err := os.ReadFile("version.sh")
	if err != nil {
		t.Fatal(err)
	}
	repo := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(repo, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	version := func() string {
		t.Helper()
		out, err := exec.Command("bash", filepath.Join(repo, "deploy", "version.sh")).Output()
		if err != nil {
			t.Fatalf("version.sh: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	write("deploy/version.sh", string(script))
	write("VERSION", "0.2.0\n")
	git("add", ".")
	git("commit", "-qm", "release 0.2.0")
	var versions []string
	versions = append(versions, version())
	// Hashes in random order: "0~bec95d9" would sort above "0~adcb5d5".
	for i := range 12 {
		write("file", strings.Repeat("x", i+1))
		git("add", "file")
		git("commit", "-qm", "change")
		versions = append(versions, version())
	}
	write("VERSION", "0.3.0\n")
	git("commit", "-qam", "release 0.3.0")
	versions = append(versions, version())
	write("file", "dirty")
	dirty := version()
	if versions[0] != "0.2.0" || versions[len(versions)-1] != "0.3.0" || !strings.HasSuffix(dirty, "-dirty") {
		t.Fatalf("versions %v, dirty %q", versions, dirty)
	}
	for i := 1; i < len(versions); i++ {
		a, b := versions[i-1], versions[i]
		if err := exec.Command("dpkg", "--compare-versions", a, "lt", b).Run(); err != nil {
			t.Errorf("dpkg --compare-versions %s lt %s: false", a, b)
		}
	}
}
