package queue

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// StoreFormat is the version of the store's layout this stampclock reads
// and writes, kept in the meta bucket. It is raised only by a change an
// older stampclock would misread or damage: a record's or a delivery
// state's encoding, or what a bucket means. Additions an older version
// ignores, and that a newer one's Open catches up on (the entry index, the
// quarantine, the acknowledgement record), leave it. A store without it is
// format 1: every store from before it was kept.
const StoreFormat = 1

const metaFormat = "format"

// ErrNewerStore marks a store written in a format newer than this
// stampclock reads (a downgrade past a format change). It is refused as it
// is: neither opened, checked for damage, moved aside nor replaced.
var ErrNewerStore = errors.New("queue: store written by a newer stampclock")

// newerFormat returns an error wrapping ErrNewerStore when meta (a store's
// meta bucket; nil for a new store) names a format newer than StoreFormat.
func newerFormat(path string, meta *bolt.Bucket) error {
	if meta == nil {
		return nil
	}
	if f := btoi(meta.Get([]byte(metaFormat))); f > StoreFormat {
		return fmt.Errorf("%w: %s is in store format %d, this stampd reads format %d and older; "+
			"install the newer stampclock package again (the store was left as it is)", ErrNewerStore, path, f, StoreFormat)
	}
	return nil
}

// markFormat records StoreFormat in a store that has an older one or none.
func markFormat(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if btoi(meta.Get([]byte(metaFormat))) >= StoreFormat {
		return nil
	}
	return meta.Put([]byte(metaFormat), itob(StoreFormat))
}
