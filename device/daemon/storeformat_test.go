package daemon

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"stampclock/queue"
)

// A downgrade past a store format change: stampd refuses to start, naming
// the cause, and leaves the store as it is: not moved aside as damaged,
// never replaced by an empty one (the undelivered records wait for the
// newer stampclock).
func TestDaemon_StoreInNewerFormat_RefusedAndKept(t *testing.T) {
	h := newHarness(t)
	cfg := h.config("")
	// Not queuetest's store: its check at cleanup would be refused too.
	s, err := queue.Open(cfg.Store.Path, queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// As a newer stampclock leaves it: the meta bucket's "format" raised.
	db, err := bolt.Open(cfg.Store.Path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		b := make([]byte, 8)
		b[7] = queue.StoreFormat + 1
		return tx.Bucket([]byte("meta")).Put([]byte("format"), b)
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, err := os.ReadFile(cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}

	d, err := New(cfg, Options{CheckStore: func(p string) error { return queue.CheckFile(p, time.Second) }, Version: "test"})
	if err == nil {
		d.closeAll()
		t.Fatal("stampd started on a store in a newer format")
	}
	if !errors.Is(err, queue.ErrNewerStore) {
		t.Fatalf("New: %v, want ErrNewerStore", err)
	}
	after, err := os.ReadFile(cfg.Store.Path)
	if err != nil || !bytes.Equal(before, after) {
		t.Fatalf("the store was changed (%v)", err)
	}
	if moved, _ := filepath.Glob(cfg.Store.Path + ".corrupt-*"); len(moved) != 0 {
		t.Fatalf("the store was moved aside as damaged: %v", moved)
	}
}
