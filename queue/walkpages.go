package queue

import bolt "go.etcd.io/bbolt"

// readEveryPage reads every key of every bucket, nested ones too, so that
// every branch and leaf page reachable from the root is loaded in the
// calling goroutine. bbolt asserts a page's header when it loads it and
// panics on a damaged one. Tx.Check walks the pages in a goroutine of its
// own, where such a panic cannot be recovered and ends the process; walked
// here first, the damage panics where CheckFile recovers it and reports the
// store as corrupt. (A damaged freelist page is still read first by
// Tx.Check: a read-only transaction cannot load the free list itself.)
func readEveryPage(tx *bolt.Tx) error {
	return tx.ForEach(func(_ []byte, b *bolt.Bucket) error { return readBucket(b) })
}

func readBucket(b *bolt.Bucket) error {
	return b.ForEach(func(k, v []byte) error {
		if v == nil {
			if nb := b.Bucket(k); nb != nil {
				return readBucket(nb)
			}
		}
		return nil
	})
}
