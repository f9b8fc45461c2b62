package queue

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrUndecodable marks a store whose pages are sound but which holds
// records that cannot be decoded (a damaged byte inside a record). Those
// records are quarantined, not moved aside with the whole store.
var ErrUndecodable = errors.New("queue: records cannot be decoded")

var bucketQuarantine = []byte("quarantine")

// stateQuarantined: the record cannot be decoded; it is kept, byte for
// byte, and no longer offered for delivery.
const stateQuarantined = "quarantined"

const counterQuarantined = "quarantined"

type quarantineEntry struct {
	Error string    `json:"error"`
	Since time.Time `json:"since"`
	// Reported is set in the commit that raised the operator's event.
	Reported bool `json:"reported,omitempty"`
}

// decodeRecord decodes the record stored under key k and checks that it
// names its own sequence number.
func decodeRecord(k, v []byte) (Record, error) {
	var r Record
	if err := json.Unmarshal(v, &r); err != nil {
		return r, err
	}
	if r.Seq != btoi(k) {
		return r, fmt.Errorf("stored under seq %d but names seq %d", btoi(k), r.Seq)
	}
	return r, nil
}

// quarantine marks record k as undecodable in tx: it leaves every uplink's
// delivery (state quarantined, with the error as message) and is listed in
// the quarantine bucket. It reports false if k was quarantined before.
func (s *Store) quarantine(tx *bolt.Tx, k []byte, cause error, now time.Time) (bool, error) {
	qb := tx.Bucket(bucketQuarantine)
	if qb.Get(k) != nil {
		return false, nil
	}
	msg := cause.Error()
	if err := putJSON(qb, k, quarantineEntry{Error: msg, Since: now.UTC()}); err != nil {
		return false, err
	}
	meta := tx.Bucket(bucketMeta)
	if err := addCounter(meta, counterQuarantined, 1); err != nil {
		return false, err
	}
	for _, u := range s.uplinks {
		ub := tx.Bucket(uplinkBucket(u.Name))
		v := ub.Get(k)
		if v == nil {
			continue
		}
		st := decodeState(v)
		from := st.State
		if from == stateInflight {
			from = statePending
		}
		st.State, st.Msg = stateQuarantined, "cannot be decoded: "+msg
		if err := st.put(ub, k, now); err != nil {
			return false, err
		}
		if err := moveCounter(meta, u.Name, from, stateQuarantined); err != nil {
			return false, err
		}
	}
	return true, nil
}

// QuarantineScan decodes up to limit records with seq > after and
// quarantines those that cannot be decoded and are not quarantined yet. It
// returns the seq to continue after (0 at the end of the store) and how
// many it quarantined. The records are read in a short read transaction;
// only when one is bad does a write transaction follow. Called chunk by
// chunk it checks a large store without holding a transaction long. The
// store's pages the scan read are then dropped from the process's map
// (releaseMapped), so the check does not leave the whole store resident.
func (s *Store) QuarantineScan(after uint64, limit int, now time.Time) (next uint64, n int, err error) {
	type bad struct {
		k   []byte
		err error
	}
	var found []bad
	err = s.db.View(func(tx *bolt.Tx) error {
		next = 0
		c := tx.Bucket(bucketRecords).Cursor()
		scanned := 0
		for k, v := c.Seek(itob(after + 1)); k != nil; k, v = c.Next() {
			if scanned == limit {
				next = btoi(k) - 1
				return nil
			}
			scanned++
			if _, err := decodeRecord(k, v); err != nil {
				found = append(found, bad{append([]byte(nil), k...), err})
			}
		}
		return nil
	})
	if err == nil {
		// The scan walks every record once at start: what it faulted in
		// need not stay in stampd's resident memory. Only a hint: should
		// it fail, the pages stay mapped and the check goes on.
		_ = s.db.View(releaseMapped)
	}
	if err != nil || len(found) == 0 {
		return next, 0, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		n = 0
		for _, b := range found {
			added, err := s.quarantine(tx, b.k, b.err, now)
			if err != nil {
				return err
			}
			if added {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("queue: quarantine: %w", err)
	}
	return next, n, nil
}

// Quarantined lists the quarantined records, oldest first, with their
// stored bytes.
func (s *Store) Quarantined() ([]Quarantine, error) {
	var out []Quarantine
	err := s.db.View(func(tx *bolt.Tx) error {
		recs := tx.Bucket(bucketRecords)
		return tx.Bucket(bucketQuarantine).ForEach(func(k, v []byte) error {
			var e quarantineEntry
			if err := json.Unmarshal(v, &e); err != nil {
				e.Error = "quarantine entry unreadable: " + err.Error()
			}
			out = append(out, Quarantine{Seq: btoi(k), Error: e.Error, Since: e.Since, Raw: append([]byte(nil), recs.Get(k)...)})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("queue: list quarantine: %w", err)
	}
	return out, nil
}

// UnreportedQuarantine lists the quarantined records no event was raised
// for yet (without their bytes).
func (t *Tx) UnreportedQuarantine() ([]Quarantine, error) {
	var out []Quarantine
	err := t.tx.Bucket(bucketQuarantine).ForEach(func(k, v []byte) error {
		var e quarantineEntry
		if json.Unmarshal(v, &e) == nil && e.Reported {
			return nil
		}
		out = append(out, Quarantine{Seq: btoi(k), Error: e.Error, Since: e.Since})
		return nil
	})
	return out, err
}

// MarkQuarantineReported notes that the event for quarantined record seq
// is raised; commit it with the event so it is raised exactly once.
func (t *Tx) MarkQuarantineReported(seq uint64) error {
	qb := t.tx.Bucket(bucketQuarantine)
	k := itob(seq)
	var e quarantineEntry
	v := qb.Get(k)
	if v == nil {
		return fmt.Errorf("queue: seq %d is not quarantined", seq)
	}
	if err := json.Unmarshal(v, &e); err != nil {
		e.Error = "quarantine entry unreadable: " + err.Error()
	}
	e.Reported = true
	return putJSON(qb, k, e)
}

// undecodable lists up to max seqs of records in tx that cannot be decoded,
// with the first error.
func undecodable(tx *bolt.Tx, max int) (seqs []uint64, first error) {
	b := tx.Bucket(bucketRecords)
	if b == nil {
		return nil, nil
	}
	c := b.Cursor()
	for k, v := c.First(); k != nil && len(seqs) < max; k, v = c.Next() {
		if _, err := decodeRecord(k, v); err != nil {
			seqs = append(seqs, btoi(k))
			if first == nil {
				first = fmt.Errorf("seq %d: %w", btoi(k), err)
			}
		}
	}
	return seqs, first
}
