package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stampclock/queue"
)

func checkFile(p string) error { return queue.CheckFile(p, time.Second) }

func corruptCopies(t *testing.T, path string) []string {
	t.Helper()
	m, err := filepath.Glob(path + ".corrupt-*")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Issue 11, defect 7: store.path on something that is not a store (a
// directory, the config file, any other file) is never "repaired": it is
// an error naming store.path, and the file stays where it is.
func TestDaemon_StorePathNotAStore_ConfigErrorNothingMoved(t *testing.T) {
	h := newHarness(t)
	cfg := h.config("")
	dir := filepath.Join(h.dir, "state")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{dir, cfg.Path, filepath.Join(h.dir, "pw")} {
		before, _ := os.Lstat(path)
		c := *cfg
		c.Store.Path = path
		_, err := New(&c, Options{CheckStore: checkFile})
		if err == nil || !strings.Contains(err.Error(), "store.path") {
			t.Errorf("store.path = %s: err = %v, want an error naming store.path", path, err)
		}
		after, serr := os.Lstat(path)
		if serr != nil || !os.SameFile(before, after) || after.Size() != before.Size() {
			t.Errorf("store.path = %s was moved or changed: %v", path, serr)
		}
		if m := corruptCopies(t, path); len(m) != 0 {
			t.Errorf("store.path = %s: moved aside as %v", path, m)
		}
	}
}

// Issue 11, weakness: a first start on a full disk leaves a 0-byte store.
// That is not damage: no .corrupt copy, no alarm, the store is initialised.
func TestDaemon_EmptyStoreFile_NotDamage(t *testing.T) {
	h := newHarness(t)
	cfg := h.config("")
	for i := 0; i < 2; i++ {
		if err := os.WriteFile(cfg.Store.Path, nil, 0o640); err != nil {
			t.Fatal(err)
		}
		h.startWith(cfg, Options{CheckStore: checkFile})
		if st := h.status(); st.StoreAlarm != nil {
			t.Fatalf("start %d: alarm for an empty file: %+v", i, st.StoreAlarm)
		}
		if r := h.tap("04A1B2C3", "2026-06-01T07:00:00Z"); r.Result != "start_ok" {
			t.Fatalf("start %d: tap = %+v", i, r)
		}
		h.stop()
		if m := corruptCopies(t, cfg.Store.Path); len(m) != 0 {
			t.Fatalf("start %d: empty store moved aside: %v", i, m)
		}
	}
}
