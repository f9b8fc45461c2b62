package queue

import (
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
// check over every page (CheckRecords decodes the records). A missing file is fine (nil). A damaged file
// yields an error wrapping ErrCorrupt; a file that is merely locked or
// unreadable yields another error.
//
// bbolt's check runs in goroutines of its own and panics on some kinds of
// damage, which no recover here can catch: the process dies. So call
// CheckFile in a child process (stampd --check-store PATH) and treat a crash
// like ErrCorrupt; that also keeps the page reads out of the daemon's
// memory.
//
// A missing or empty file is fine; a path that is not a store at all
// yields an error wrapping ErrNotStore (see Identify).
func CheckFile(path string, timeout time.Duration) (err error) {
	if err := Identify(path); err != nil {
		return err
	}
	if fi, err := os.Stat(path); errors.Is(err, os.ErrNotExist) || (err == nil && fi.Size() == 0) {
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
	var newer error
	err = db.View(func(tx *bolt.Tx) error {
		if err := readEveryPage(tx); err != nil {
			return err
		}
		for cerr := range tx.Check() {
			return cerr
		}
		for _, b := range [][]byte{bucketRecords, bucketMeta} {
			if tx.Bucket(b) == nil {
				return fmt.Errorf("bucket %s missing", b)
			}
		}
		// Sound pages in a newer format: not damage, and not ours to judge.
		newer = newerFormat(path, tx.Bucket(bucketMeta))
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	return newer
}

// CheckRecords decodes every record of the store at path (which CheckFile
// found sound) and returns an error wrapping ErrUndecodable naming up to 20
// records that cannot be decoded, or what is wrong with the site's taps
// (their employee index or counts; see checkSiteTaps) or the ledger of
// site entries (checkSiteEntries). It reads the whole store: seconds for a
// million records, so stampd does it in the background after start
// (Store.QuarantineScan) and `stampd --check-store` before.
func CheckRecords(path string, timeout time.Duration) error {
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		return nil
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: timeout})
	if err != nil {
		return fmt.Errorf("queue: check records of %s: %w", path, err)
	}
	defer db.Close()
	var seqs []uint64
	var first, taps error
	_ = db.View(func(tx *bolt.Tx) error {
		seqs, first = undecodable(tx, 20)
		taps = errors.Join(checkSiteTaps(tx), checkSiteEntries(tx))
		return nil
	})
	if taps != nil {
		return fmt.Errorf("%w: %s: %v", ErrUndecodable, path, taps)
	}
	if len(seqs) > 0 {
		return fmt.Errorf("%w: %s: seqs %v (first: %v); stampd quarantines them and delivers the rest", ErrUndecodable, path, seqs, first)
	}
	return nil
}

// MoveAside renames a damaged store to "<path>.corrupt-<UTC time>" so a
// fresh one can take its place. It never deletes anything, and it moves
// only what is plausibly a store (see Identify).
func MoveAside(path string, now time.Time) (string, error) {
	if err := Identify(path); err != nil {
		return "", fmt.Errorf("queue: move %s aside: %w", path, err)
	}
	to := path + ".corrupt-" + now.UTC().Format("20060102T150405Z")
	if _, err := os.Stat(to); err == nil {
		return "", fmt.Errorf("queue: move %s aside: %s exists", path, to)
	}
	// Durably: a fresh store is created under path next, and after a
	// power cut the damaged file must not be back in its place.
	if err := durable.Rename(path, to); err != nil {
		return "", fmt.Errorf("queue: move %s aside: %w", path, err)
	}
	// The acknowledgement record belongs to the moved store.
	if err := os.Rename(AckPath(path), AckPath(to)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return to, fmt.Errorf("queue: move %s aside: %w", AckPath(path), err)
	}
	return to, nil
}
