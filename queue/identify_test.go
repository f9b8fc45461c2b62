package queue

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestIdentify_OnlyStoresAndEmptyFilesPass(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "q.db")
	s, err := Open(store, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	empty := filepath.Join(dir, "empty.db")
	text := filepath.Join(dir, "stampd.toml")
	os.WriteFile(empty, nil, 0o600)
	os.WriteFile(text, []byte("[store]\npath = \"q.db\"\n"), 0o600)
	for _, c := range []struct {
		path     string
		notStore bool
	}{
		{store, false}, {empty, false}, {filepath.Join(dir, "missing.db"), false},
		{dir, true}, {text, true},
	} {
		err := Identify(c.path)
		if got := errors.Is(err, ErrNotStore); got != c.notStore {
			t.Errorf("Identify(%s) = %v, want ErrNotStore %v", c.path, err, c.notStore)
		}
		if c.notStore {
			if _, err := MoveAside(c.path, time.Now()); !errors.Is(err, ErrNotStore) {
				t.Errorf("MoveAside(%s) = %v, want ErrNotStore", c.path, err)
			}
			if _, err := os.Lstat(c.path); err != nil {
				t.Errorf("%s gone: %v", c.path, err)
			}
		}
	}
	if err := CheckFile(empty, time.Second); err != nil {
		t.Errorf("CheckFile(empty) = %v, want nil: an empty file is not damage", err)
	}
}
