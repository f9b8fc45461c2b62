package queue

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Tx is one read-write transaction: everything a tap changes is done in one
// Tx, so it is committed (with fsync) together or not at all.
type Tx struct {
	tx    *bolt.Tx
	s     *Store
	added []Record
	// handed: records queued in flight by their append (handoff.go).
	handed []handed
}

// Update runs fn in one read-write transaction and commits it with fsync.
// It returns the records appended by fn, with their sequence numbers, only
// after the commit succeeded and the acknowledgement record (see
// CheckCommits) names it.
func (s *Store) Update(fn func(*Tx) error) ([]Record, error) {
	var added []Record
	var rec ack
	var t *Tx
	err := s.db.Update(func(btx *bolt.Tx) error {
		t = &Tx{tx: btx, s: s}
		if err := fn(t); err != nil {
			return err
		}
		added = t.added
		rec = ack{seq: btx.Bucket(bucketRecords).Sequence(), txid: uint64(btx.ID())}
		return nil
	})
	if err != nil {
		if t != nil {
			s.hand.drop(t.handed)
		}
		return nil, fmt.Errorf("queue: commit: %w", err)
	}
	if s.ack != nil {
		// After the commit: the record may lag the store (a crash in
		// between), never lead it.
		if err := s.ack.write(rec); err != nil {
			return nil, err
		}
	}
	return added, nil
}

// Employee returns the stored state of email; ok is false if none is stored.
func (t *Tx) Employee(email string) (Employee, bool, error) {
	data := t.tx.Bucket(bucketEmployees).Get([]byte(email))
	if data == nil {
		return Employee{Email: email}, false, nil
	}
	var e Employee
	if err := json.Unmarshal(data, &e); err != nil {
		return Employee{Email: email}, false, fmt.Errorf("queue: employee %s: %w", email, err)
	}
	return e, true, nil
}

// PutEmployee stores e.
func (t *Tx) PutEmployee(e Employee) error {
	return putJSON(t.tx.Bucket(bucketEmployees), []byte(e.Email), e)
}

// Badge returns the enrolled badge uid, if any.
func (t *Tx) Badge(uid string) (Badge, bool, error) {
	return getBadge(t.tx, uid)
}

func getBadge(tx *bolt.Tx, uid string) (Badge, bool, error) {
	data := tx.Bucket(bucketBadges).Get([]byte(uid))
	if data == nil {
		return Badge{}, false, nil
	}
	var b Badge
	if err := json.Unmarshal(data, &b); err != nil {
		return Badge{}, false, fmt.Errorf("queue: badge %s: %w", uid, err)
	}
	return b, true, nil
}

// PutBadge enrols b and forgets it as unknown.
func (t *Tx) PutBadge(b Badge) error {
	if err := t.tx.Bucket(bucketUnknown).Delete([]byte(b.UID)); err != nil {
		return err
	}
	return putJSON(t.tx.Bucket(bucketBadges), []byte(b.UID), b)
}

// NoteUnknown counts a tap of an unknown badge; captured marks it pending
// for assignment.
func (t *Tx) NoteUnknown(uid string, at time.Time, captured bool) error {
	b := t.tx.Bucket(bucketUnknown)
	u := UnknownBadge{UID: uid, First: at}
	if data := b.Get([]byte(uid)); data != nil {
		if err := json.Unmarshal(data, &u); err != nil {
			return fmt.Errorf("queue: unknown badge %s: %w", uid, err)
		}
	}
	u.Count++
	u.Last = at
	u.Pending = u.Pending || captured
	return putJSON(b, []byte(uid), u)
}

// RemoveBadge forgets an enrolled badge; ok is false if it was not enrolled.
func (t *Tx) RemoveBadge(uid string) (ok bool, err error) {
	b := t.tx.Bucket(bucketBadges)
	if b.Get([]byte(uid)) == nil {
		return false, nil
	}
	return true, b.Delete([]byte(uid))
}

// Append adds r to the queue with the next sequence number and queues it for
// every uplink that takes its kind. r.At is stored in UTC.
func (t *Tx) Append(r Record) (Record, error) {
	recs := t.tx.Bucket(bucketRecords)
	seq, err := recs.NextSequence()
	if err != nil {
		return r, err
	}
	r.Seq = seq
	r.At = r.At.UTC()
	if !r.Start.IsZero() {
		r.Start = r.Start.UTC()
	}
	if !r.End.IsZero() {
		r.End = r.End.UTC()
	}
	key := itob(seq)
	if err := putJSON(recs, key, r); err != nil {
		return r, err
	}
	if err := indexEntry(t.tx, r); err != nil {
		return r, err
	}
	if err := withdraw(t.tx, r); err != nil {
		return r, err
	}
	meta := t.tx.Bucket(bucketMeta)
	if err := meta.Put([]byte(metaEntryIndex), key); err != nil {
		return r, err
	}
	if err := addCounter(meta, counterRecords, 1); err != nil {
		return r, err
	}
	for _, u := range t.s.uplinks {
		if !u.takes(r.Kind) {
			continue
		}
		if err := t.tx.Bucket(uplinkBucket(u.Name)).Put(key, encodeState(t.appendState(u.Name, seq))); err != nil {
			return r, err
		}
		if err := addCounter(meta, counterKey(u.Name, statePending), 1); err != nil {
			return r, err
		}
	}
	if !r.Trusted() {
		if err := indexUntrusted(t.tx, r); err != nil {
			return r, err
		}
		if err := addCounter(meta, counterUntrusted, 1); err != nil {
			return r, err
		}
	}
	if r.Kind == KindEvent && r.Event == EventMissingStop {
		if err := t.tx.Bucket(bucketAnomalies).Put(key, nil); err != nil {
			return r, err
		}
	}
	t.added = append(t.added, r)
	return r, nil
}
