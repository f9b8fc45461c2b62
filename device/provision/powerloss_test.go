package provision

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"stampclock/internal/powerloss"
	"stampclock/uplink"
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
		ConfigPath:  filepath.Join(mnt, "etc", "stampclock", "stampd.toml"),
		SecretPaths: map[string]string{"zeiterfassung.password_file": filepath.Join(mnt, "etc", "stampclock", "zeiterfassung.password")},
		DeviceID:    "front-door",
		Group:       ownGroup(t),
		Uplinks: map[string]uplink.Answers{"zeiterfassung": {
			"url": "https://zeit.example.com", "email": "terminal@example.com", "password_file": "first", "timetype_id": "arbeitszeit",
		}},
	}
	if _, err := Write(s); err != nil {
		t.Fatal(err)
	}
	s.Uplinks["zeiterfassung"]["password_file"], s.Force, s.DeviceID = "second", true, "back-door"
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
	// The config, the secret and, as the second Write replaced an edited
	// config with Force, the backup of the first; no temporary file.
	ents, _ := os.ReadDir(etc)
	var names []string
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".bak") {
			names = append(names, e.Name())
		}
	}
	if len(names) != 2 || len(ents) > 3 {
		t.Errorf("want the config, the secret and at most one backup, got %v", ents)
	}
}
