package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 11, defects 1 and 7: paths that would make stampd delete or "repair"
// the wrong file are refused with an error naming the key.
func TestParse_DangerousPaths_Refused(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "stampd.toml")
	regular := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(regular, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "state")
	if err := os.Mkdir(sub, 0o750); err != nil {
		t.Fatal(err)
	}
	q := filepath.Join(dir, "queue.db")
	for _, c := range []struct {
		name, store, socket, want string
	}{
		{"socket is the store", q, q, "control.socket"},
		{"socket is the store, spelled differently", q, dir + "/./queue.db", "control.socket"},
		{"socket is the config file", q, cfgFile, "control.socket"},
		{"socket is a regular file", q, regular, "control.socket"},
		{"socket inside a file", q, filepath.Join(regular, "s.sock"), "control.socket"},
		{"store is a directory", sub, filepath.Join(dir, "s.sock"), "store.path"},
		{"store is the config file", cfgFile, filepath.Join(dir, "s.sock"), "store.path"},
		{"store inside a file", filepath.Join(regular, "queue.db"), filepath.Join(dir, "s.sock"), "store.path"},
	} {
		text := "[device]\nid = \"t1\"\n[store]\npath = \"" + c.store + "\"\n[control]\nsocket = \"" + c.socket + "\"\n"
		if err := os.WriteFile(cfgFile, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(cfgFile)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to name %s", c.name, err, c.want)
		}
	}
	if _, err := os.Stat(regular); err != nil {
		t.Fatal(err)
	}
}

func TestParse_GoodPaths_Accepted(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "stampd.toml")
	text := "[device]\nid = \"t1\"\n[store]\npath = \"" + filepath.Join(dir, "new", "queue.db") + "\"\n[control]\nsocket = \"" + filepath.Join(dir, "run", "s.sock") + "\"\n"
	if err := os.WriteFile(cfgFile, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(cfgFile); err != nil {
		t.Fatal(err)
	}
}

func TestParse_BadgeTextWithControlCharacters_Refused(t *testing.T) {
	for _, c := range []struct{ badge, want string }{
		{"uid = \"04A1B2C3\"\nemail = \"maier@example.com\"\nname = \"\\u001b[2JBoss\"", "badge[0].name"},
		{"uid = \"04A1B2C3\"\nemail = \"mai\\u001ber@example.com\"", "badge[0].email"},
	} {
		_, err := Parse("a.toml", []byte(minimal+"[[badge]]\n"+c.badge+"\n"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %s", c.badge, err, c.want)
		}
	}
}

// Issue 11 (weaknesses): a wrong-type duration named only the line.
func TestParse_WrongTypeDuration_NamesTheKey(t *testing.T) {
	for _, c := range []struct{ text, key string }{
		{"[punch]\nrepeat_window = 60\n", "punch.repeat_window"},
		{"[punch]\nmax_shift = \"16 hours\"\n", "punch.max_shift"},
		{"[store]\nretention = true\n", "store.retention"},
	} {
		_, err := Parse("a.toml", []byte("[device]\nid = \"t\"\n"+c.text))
		if err == nil || !strings.Contains(err.Error(), c.key) || !strings.Contains(err.Error(), "a.toml") {
			t.Errorf("%q: err = %v, want the file and the key %s", c.text, err, c.key)
		}
	}
}

// One rule for secret files: no access for others, no write for the
// group (0600, 0640, 0400, 0440 pass).
func TestReadSecret_OneRule(t *testing.T) {
	for _, c := range []struct {
		mode os.FileMode
		ok   bool
	}{{0o600, true}, {0o640, true}, {0o400, true}, {0o440, true}, {0o660, false}, {0o644, false}, {0o604, false}, {0o620, false}} {
		_, err := ReadSecret(writeSecret(t, c.mode))
		if (err == nil) != c.ok {
			t.Errorf("mode %04o: err = %v, want ok=%v", c.mode, err, c.ok)
		}
	}
}
