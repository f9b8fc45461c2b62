// Package queuetest opens queue stores for tests and checks them with
// bbolt's consistency check when the test ends, so that a test which
// leaves a store with a broken page, a leaked page or a bad free list
// fails where it happened, not in a later run on the device.
package queuetest

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"stampclock/queue"
)

// Open opens a new store q.db in a fresh t.TempDir() with opts. When the
// test ends it closes the store and checks the file (see Check).
func Open(t testing.TB, opts queue.Options) *queue.Store {
	t.Helper()
	return OpenPath(t, filepath.Join(t.TempDir(), "q.db"), opts)
}

// OpenPath opens the store at path (created if missing) with opts. When the
// test ends it closes the store and checks the file (see Check). Closing it
// earlier in the test is fine.
func OpenPath(t testing.TB, path string, opts queue.Options) *queue.Store {
	t.Helper()
	s, err := queue.Open(path, opts)
	if err != nil {
		t.Fatalf("queuetest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("queuetest: %v", err)
		}
		if err := Check(path); err != nil {
			t.Errorf("queuetest: %v", err)
		}
	})
	return s
}

// Check checks the closed store file at path as stampd does at start-up
// (queue.CheckFile): bbolt's Tx.Check (every page reachable once, no page
// both free and in use, keys in order) and the store's buckets. A record
// that cannot be decoded is not an inconsistency: the store keeps it
// quarantined by design, and tests make such records on purpose.
func Check(path string) error {
	if err := queue.CheckFile(path, time.Second); err != nil && !errors.Is(err, queue.ErrUndecodable) {
		return err
	}
	return nil
}
