package provision

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"stampclock/internal/powerloss"
)

// `stampctl init --force` replacing a config and its secret, then a power
// cut: both must be there whole, old or new, never empty or missing. The
// secret used to be truncated and rewritten in place and the config
// renamed into place, neither synced.
func TestWrite_PowerCut_ConfigAndSecretWhole(t *testing.T) {
	powerloss.Require(t)
	dir := t.TempDir()
	disk, mnt := filepath.Join(dir, "disk"), filepath.Join(dir, "mnt")
	os.Mkdir(disk, 0o755)
	os.Mkdir(mnt, 0o755)
	f, err := powerloss.Mount(disk, mnt, powerloss.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Unmount() })
	s := Settings{
		ConfigPath: filepath.Join(mnt, "etc", "stampclock", "stampd.toml"),
		SecretPath: filepath.Join(mnt, "etc", "stampclock", "zeiterfassung.password"),
		DeviceID:   "front-door",
		URL:        "https://zeit.example.com",
		Email:      "terminal@example.com",
		Password:   "first",
		TimeType:   "arbeitszeit",
	}
	if _, err := Write(s); err != nil {
		t.Fatal(err)
	}
	s.Password, s.Force, s.DeviceID = "second", true, "back-door"
	if _, err := Write(s); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Cut(powerloss.CutOptions{Tear: true}); err != nil {
		t.Fatal(err)
	}
	etc := filepath.Join(disk, "etc", "stampclock")
	if b, err := os.ReadFile(filepath.Join(etc, "zeiterfassung.password")); err != nil || string(b) != "second\n" {
		t.Fatalf("secret after the power cut: %q %v", b, err)
	}
	if b, err := os.ReadFile(filepath.Join(etc, "stampd.toml")); err != nil || !strings.Contains(string(b), "back-door") {
		t.Fatalf("config after the power cut: %q %v", b, err)
	}
	if ents, _ := os.ReadDir(etc); len(ents) != 2 {
		t.Errorf("want the config and the secret only, got %v", ents)
	}
}
