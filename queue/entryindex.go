package queue

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The entry index finds an employee's entries by start time, whatever
// order they were written in (taps given with --at, a clock stepped back):
// key lower(email) 0x00 start(8 bytes, order-preserving) seq(8 bytes),
// value the end (8 bytes). Day totals and reconciliation read it instead
// of the whole queue. Prune keeps the keys of the entries it deletes (a
// few dozen bytes each): day totals of old days stay right, and a
// reconciliation still counts a delivered twin whose record is gone.
var bucketEntryIndex = []byte("entries_by_start")

// metaEntryIndex holds the seq of the last record the entry index covers
// (8 bytes, big-endian): Append moves it with each record it indexes, and
// Open indexes every record after it. A store written by a version before
// the index has none, and gets it built from the first record; records an
// older version appended after a newer one (a downgrade, then an upgrade
// again) are past it and get indexed at the next Open. Versions before the
// mark held a seq wrote "1" here (complete, no seq): such a store is
// walked once from the first record, since an older version may have
// appended after it.
const metaEntryIndex = "index.entries_by_start"

func entryIndexPrefix(email string) []byte {
	return append([]byte(strings.ToLower(email)), 0)
}

func entryIndexKey(r Record) []byte {
	k := entryIndexPrefix(r.Email)
	k = binary.BigEndian.AppendUint64(k, uint64(r.Start.UnixNano())^(1<<63))
	return binary.BigEndian.AppendUint64(k, r.Seq)
}

func indexed(r Record) bool { return r.Kind == KindEntry && r.Email != "" && !r.Start.IsZero() }

// indexEntry adds r to the entry index if it is an entry.
func indexEntry(tx *bolt.Tx, r Record) error {
	if !indexed(r) {
		return nil
	}
	return tx.Bucket(bucketEntryIndex).Put(entryIndexKey(r), binary.BigEndian.AppendUint64(nil, uint64(r.End.UnixNano())^(1<<63)))
}

// unindexEntry removes r from the entry index.
func unindexEntry(tx *bolt.Tx, r Record) error {
	if !indexed(r) {
		return nil
	}
	return tx.Bucket(bucketEntryIndex).Delete(entryIndexKey(r))
}

// buildEntryIndex indexes the records after the entry index's mark and
// moves the mark to the last record. It runs in Open. A retracted entry is
// not indexed again (its retraction took it out of the index).
func buildEntryIndex(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	recs := tx.Bucket(bucketRecords)
	mark := meta.Get([]byte(metaEntryIndex))
	var from uint64 // records after from are indexed
	if len(mark) == 8 {
		from = btoi(mark)
		if from >= recs.Sequence() {
			return nil
		}
	}
	retracted := tx.Bucket(bucketRetractions)
	c := recs.Cursor()
	for k, v := c.Seek(itob(from + 1)); k != nil; k, v = c.Next() {
		var r Record
		if json.Unmarshal(v, &r) != nil {
			continue // an unreadable record is not an entry anyone can sum
		}
		if retracted != nil && retracted.Get(itob(r.Seq)) != nil {
			continue
		}
		if err := indexEntry(tx, r); err != nil {
			return err
		}
	}
	return meta.Put([]byte(metaEntryIndex), itob(recs.Sequence()))
}

// Entries lists email's entries (compared case-insensitively) that overlap
// [from, to), oldest start first, however they were written: it reads the
// entry index from MaxEntryLength before from, not the queue. An entry is
// given as the index keeps it (what a day total sums): Seq, Kind, Email (in
// lower case), Start, End and At (= End); no record is read or decoded, so
// a stop's day total costs the answer no more than the index's keys.
func (s *Store) Entries(email string, from, to time.Time) ([]Record, error) {
	var out []Record
	err := s.db.View(func(tx *bolt.Tx) error {
		prefix := entryIndexPrefix(email)
		c := tx.Bucket(bucketEntryIndex).Cursor()
		for k, v := c.Seek(entryIndexSeek(prefix, from.Add(-MaxEntryLength))); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			r, ok := indexedEntry(k[len(prefix):], v, email)
			if !ok {
				continue
			}
			if !r.Start.Before(to) {
				return nil
			}
			if r.End.After(from) {
				out = append(out, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("queue: entries of %s: %w", email, err)
	}
	return out, nil
}

// entryIndexSeek is the first key of email's (prefix's) entries starting
// at or after from.
func entryIndexSeek(prefix []byte, from time.Time) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), prefix...), uint64(from.UnixNano())^(1<<63))
}

// indexedEntry is the entry an index key (after the email prefix) and
// value describe; ok is false for a malformed one.
func indexedEntry(rest, v []byte, email string) (Record, bool) {
	if len(rest) != 16 || len(v) != 8 {
		return Record{}, false
	}
	start := int64(binary.BigEndian.Uint64(rest[:8]) ^ (1 << 63))
	end := int64(binary.BigEndian.Uint64(v) ^ (1 << 63))
	r := Record{Seq: btoi(rest[8:]), Kind: KindEntry, Email: strings.ToLower(email),
		Start: time.Unix(0, start).UTC(), End: time.Unix(0, end).UTC(), ClockSynced: true, StartSynced: true}
	r.At = r.End
	return r, true
}

// EntriesSent lists email's entries other than seq, starting in [from,
// to), that uplink may already have handed to its receiver: delivered,
// uncertain (an attempt whose outcome is unknown), or in flight in the
// batch being sent with a lower seq (a batch is sent oldest first, so
// those went out before seq; the higher ones have not been sent yet). A
// sender reconciling seq counts these twins to know how many identical
// entries the receiver should hold. An entry not in uplink's queue counts
// as delivered (also one written before the uplink was configured: at
// worst a duplicate, never a loss), a pruned one too.
func (s *Store) EntriesSent(uplink string, seq uint64, email string, from, to time.Time) ([]Record, error) {
	if !s.hasUplink(uplink) {
		return nil, fmt.Errorf("%w: %q", ErrUnknownUplink, uplink)
	}
	var out []Record
	err := s.db.View(func(tx *bolt.Tx) error {
		ub := tx.Bucket(uplinkBucket(uplink))
		return walkEntries(tx, email, from, to, func(r Record) error {
			if r.Seq == seq {
				return nil
			}
			if v := ub.Get(itob(r.Seq)); v != nil {
				st := decodeState(v)
				if !st.Uncertain && !(st.State == stateInflight && r.Seq < seq) {
					return nil // certainly not on the receiver (yet)
				}
			}
			out = append(out, r)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("queue: entries of %s sent to %s: %w", email, uplink, err)
	}
	return out, nil
}

// walkEntries calls fn for email's indexed entries starting in [from, to).
// An entry Prune deleted is given as its index keeps it: seq, email (in
// lower case), start and end.
func walkEntries(tx *bolt.Tx, email string, from, to time.Time, fn func(Record) error) error {
	prefix := entryIndexPrefix(email)
	recs := tx.Bucket(bucketRecords)
	c := tx.Bucket(bucketEntryIndex).Cursor()
	for k, v := c.Seek(entryIndexSeek(prefix, from)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		rest := k[len(prefix):]
		if len(rest) != 16 {
			continue
		}
		start := int64(binary.BigEndian.Uint64(rest[:8]) ^ (1 << 63))
		if start >= to.UnixNano() {
			return nil
		}
		data := recs.Get(rest[8:])
		if data == nil {
			// Pruned: delivered everywhere; the key keeps what counts.
			pruned, ok := indexedEntry(rest, v, email)
			if !ok {
				continue
			}
			if err := fn(pruned); err != nil {
				return err
			}
			continue
		}
		var r Record
		if err := json.Unmarshal(data, &r); err != nil {
			return fmt.Errorf("%w: seq %d: %v", ErrBadRecord, btoi(rest[8:]), err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}
