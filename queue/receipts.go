package queue

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// bucketReceipts: seq of a delivered record, then the uplink's name ->
// the receipt the uplink's sender gave for it (Outcome.Receipt: what the
// receiver stored, such as its ids), so that a retraction later removes
// exactly that. Written in the commit that settles the delivery; created
// with the first receipt; a record's receipts go when it is pruned.
var bucketReceipts = []byte("receipts")

func receiptKey(seq uint64, uplink string) []byte {
	return append(itob(seq), uplink...)
}

// putReceipt keeps o's receipt for uplink, if it has one.
func putReceipt(tx *bolt.Tx, uplink string, o Outcome) error {
	if o.Receipt == "" {
		return nil
	}
	b, err := tx.CreateBucketIfNotExists(bucketReceipts)
	if err != nil {
		return err
	}
	return b.Put(receiptKey(o.Seq, uplink), []byte(o.Receipt))
}

// dropReceipts removes the receipts of record k (a pruned record).
func dropReceipts(tx *bolt.Tx, k []byte) error {
	b := tx.Bucket(bucketReceipts)
	if b == nil {
		return nil
	}
	c := b.Cursor()
	for rk, _ := c.Seek(k); rk != nil && bytes.HasPrefix(rk, k); rk, _ = c.Seek(k) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// Receipt returns the receipt uplink's sender gave when record seq was
// delivered; "" if it gave none (or the record was pruned).
func (s *Store) Receipt(uplink string, seq uint64) (string, error) {
	var out string
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketReceipts); b != nil {
			out = string(b.Get(receiptKey(seq, uplink)))
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("queue: receipt of %d for %s: %w", seq, uplink, err)
	}
	return out, nil
}

// NeverSent tells whether record seq certainly never reached uplink's
// receiver: it is still in uplink's queue, not in flight, and no attempt
// that may have stored it was made (withdrawn before it was sent, rejected
// outright, held or pending). A delivered record (no longer queued), one
// in flight and one whose attempt had an unknown outcome may be there.
func (s *Store) NeverSent(uplink string, seq uint64) (bool, error) {
	if !s.hasUplink(uplink) {
		return false, fmt.Errorf("%w: %q", ErrUnknownUplink, uplink)
	}
	never := false
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(uplinkBucket(uplink)).Get(itob(seq)); v != nil {
			st := decodeState(v)
			never = !st.Uncertain && st.State != stateInflight
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("queue: was %d sent to %s: %w", seq, uplink, err)
	}
	return never, nil
}
