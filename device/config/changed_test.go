package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A reload applies the badges only: ChangedSections names the sections
// that wait for a restart, and none when only badges changed, also for the
// example config with every section.
func TestChangedSections(t *testing.T) {
	example, err := os.ReadFile(filepath.Join("..", "..", "deploy", "stampd.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"/etc/stampclock/zeiterfassung.secret", "/etc/stampclock/mqtt.secret"} {
		example = []byte(strings.Replace(string(example), secret, pw, 1))
	}
	base := minimal + `
[zeiterfassung]
url = "https://zeit.example.com"
email = "admin@example.com"
password_file = "` + pw + `"
timetype_id = "arbeitszeit"
[[badge]]
uid = "04A1B2C3"
email = "maier@example.com"
`
	parse := func(text string) *Config {
		t.Helper()
		c, err := Parse(filepath.Join(dir, "stampd.toml"), []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name, from, to string
		want           []string
	}{
		{"nothing changed", base, base, nil},
		{"nothing changed, every section", string(example), string(example), nil},
		{"only a badge", base, base + "[[badge]]\nuid = \"04A1B2C4\"\nemail = \"huber@example.com\"\n", nil},
		{"the uplink's URL", base, strings.Replace(base, "zeit.example.com", "zeit2.example.com", 1), []string{"zeiterfassung"}},
		{"the time zone and the log level", base, base + "[punch]\ntimezone = \"Europe/Vienna\"\n[log]\nlevel = \"debug\"\n", []string{"log", "punch"}},
		{"the reader", base, base + "[reader]\ntype = \"mfrc522\"\n", []string{"reader"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parse(tc.from).ChangedSections(parse(tc.to))
			if !slices.Equal(got, tc.want) {
				t.Fatalf("changed = %q, want %q", got, tc.want)
			}
		})
	}
}
