package queue

import (
	"errors"

	bolt "go.etcd.io/bbolt"
)

// errWritableTx is returned by releaseMapped when it is called inside a
// writable transaction.
var errWritableTx = errors.New("queue: release mapped pages: needs a read-only transaction")

// releaseMapped drops the store's pages from this process's memory map
// after a walk over the whole store (the record check at start), so they
// no longer count in stampd's resident memory. bbolt maps the file
// read-only and shared and writes with pwrite, never through the map:
// every mapped page is a clean page of the page cache, so dropping it
// loses nothing; the next read faults it in again from the page cache (or
// the disk, if the kernel has reclaimed it meanwhile).
//
// It must run inside a read-only transaction: bbolt holds its mmap lock for
// the lifetime of one, so the map cannot be replaced (on growth) while it
// is advised. Readers running meanwhile in other goroutines fault their
// pages back in; they read the same bytes.
func releaseMapped(tx *bolt.Tx) error {
	if tx.Writable() {
		return errWritableTx
	}
	info := tx.DB().Info()
	// tx.Size is the data in use as of this transaction; the map is at
	// least that large.
	return dropPages(info.Data, uintptr(tx.Size()))
}
