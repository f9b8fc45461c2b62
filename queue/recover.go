package queue

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"stampclock/internal/durable"
)

// ErrCorrupt marks a store file that fails its consistency check.
var ErrCorrupt = errors.New("queue: store file is corrupt")

// CheckFile opens the store at path read-only and runs bbolt's consistency
// check over every page. A missing file is fine (nil). A damaged file
// yields an error wrapping ErrCorrupt; a file that is merely locked or
// unreadable yields another error.
//
// bbolt's check runs in goroutines of its own and panics on some kinds of
// damage, which no recover here can catch: the process dies. So call
// CheckFile in a child process (stampd --check-store PATH) and treat a crash
// like ErrCorrupt; that also keeps the page reads out of the daemon's
// memory.
func CheckFile(path string, timeout time.Duration) (err error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %s: %v", ErrCorrupt, path, p)
		}
	}()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: timeout})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) || errors.Is(err, os.ErrPermission) {
			return fmt.Errorf("queue: check %s: %w", path, err)
		}
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		for cerr := range tx.Check() {
			return cerr
		}
		for _, b := range [][]byte{bucketRecords, bucketMeta} {
			if tx.Bucket(b) == nil {
				return fmt.Errorf("bucket %s missing", b)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	return nil
}

// MoveAside renames a damaged store to "<path>.corrupt-<UTC time>" so a
// fresh one can take its place. It never deletes anything.
func MoveAside(path string, now time.Time) (string, error) {
	to := path + ".corrupt-" + now.UTC().Format("20060102T150405Z")
	if _, err := os.Stat(to); err == nil {
		return "", fmt.Errorf("queue: move %s aside: %s exists", path, to)
	}
	// Durably: a fresh store is created under path next, and after a
	// power cut the damaged file must not be back in its place.
	if err := durable.Rename(path, to); err != nil {
		return "", fmt.Errorf("queue: move %s aside: %w", path, err)
	}
	return to, nil
}

// Salvage reads whatever records are still readable from a store file,
// damaged or not, oldest first, and passes each to fn. It opens the file
// read-only and never changes it. It returns how many records it read and
// the first error that ended the walk early (nil if it read to the end).
func Salvage(path string, fn func(Record) error) (n int, err error) {
	db, err := bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		return 0, fmt.Errorf("queue: salvage %s: %w", path, err)
	}
	defer db.Close()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("queue: salvage %s: stopped after %d records at a damaged page: %v", path, n, p)
		}
	}()
	err = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRecords)
		if b == nil {
			return errors.New("no records bucket")
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var r Record
			if json.Unmarshal(v, &r) != nil {
				continue // one unreadable record does not end the salvage
			}
			if err := fn(r); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("queue: salvage %s: %w", path, err)
	}
	return n, nil
}
