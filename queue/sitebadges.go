package queue

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// bucketSiteBadges holds, per badge UID, the site's versioned record of
// the badge (package device/sitebadges owns its encoding). It is created
// on first use, so stores of terminals without a site never carry it.
var bucketSiteBadges = []byte("site_badges")

// SiteBadge returns the site record stored for uid; nil if none.
func (t *Tx) SiteBadge(uid string) []byte {
	b := t.tx.Bucket(bucketSiteBadges)
	if b == nil {
		return nil
	}
	return append([]byte(nil), b.Get([]byte(uid))...)
}

// PutSiteBadge stores the site record of uid.
func (t *Tx) PutSiteBadge(uid string, data []byte) error {
	b, err := t.tx.CreateBucketIfNotExists(bucketSiteBadges)
	if err != nil {
		return err
	}
	return b.Put([]byte(uid), data)
}

// EachSiteBadge calls fn with every stored site record, in UID order.
func (t *Tx) EachSiteBadge(fn func(uid string, data []byte) error) error {
	return eachSiteBadge(t.tx, fn)
}

// EachBadge calls fn with every enrolled badge, in UID order.
func (t *Tx) EachBadge(fn func(Badge) error) error {
	return t.tx.Bucket(bucketBadges).ForEach(func(k, v []byte) error {
		var b Badge
		if err := json.Unmarshal(v, &b); err != nil {
			return fmt.Errorf("queue: badge %s: %w", k, err)
		}
		return fn(b)
	})
}

// EachBadgeRaw calls fn with every enrolled badge's stored bytes, in UID
// order; data is valid only during fn.
func (t *Tx) EachBadgeRaw(fn func(uid string, data []byte) error) error {
	return t.tx.Bucket(bucketBadges).ForEach(func(k, v []byte) error { return fn(string(k), v) })
}

// SiteBadges calls fn with every stored site record in one read
// transaction; fn must not keep data.
func (s *Store) SiteBadges(fn func(uid string, data []byte) error) error {
	return s.db.View(func(tx *bolt.Tx) error { return eachSiteBadge(tx, fn) })
}

func eachSiteBadge(tx *bolt.Tx, fn func(uid string, data []byte) error) error {
	b := tx.Bucket(bucketSiteBadges)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error { return fn(string(k), v) })
}

// View runs fn in one read transaction. fn may only read; keep it short
// (a long read pins pages and grows the file).
func (s *Store) View(fn func(*Tx) error) error {
	return s.db.View(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx, s: s}) })
}

// bucketSiteMeta holds the site sync's own facts (package
// device/sitebadges owns keys and encoding), such as its last contact
// with the site. Created on first use.
var bucketSiteMeta = []byte("site_meta")

// DeleteSiteBadge forgets the site record of uid (a collected tombstone).
func (t *Tx) DeleteSiteBadge(uid string) error {
	b := t.tx.Bucket(bucketSiteBadges)
	if b == nil {
		return nil
	}
	return b.Delete([]byte(uid))
}

// SiteMeta returns the value stored under key; nil if none.
func (t *Tx) SiteMeta(key string) []byte {
	b := t.tx.Bucket(bucketSiteMeta)
	if b == nil {
		return nil
	}
	return append([]byte(nil), b.Get([]byte(key))...)
}

// PutSiteMeta stores value under key.
func (t *Tx) PutSiteMeta(key string, value []byte) error {
	b, err := t.tx.CreateBucketIfNotExists(bucketSiteMeta)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), value)
}
