package queue

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CorrectBoot fixes the times of records and open shifts stamped while the
// clock was not trustworthy during boot, now that it is: wallNow and monoNow
// are one reading of the synchronised wall clock and of the time since boot,
// and every untrusted time t of that boot becomes wallNow - (monoNow - its
// monotonic reading). Records that are fully trusted afterwards leave the
// untrusted index, and uplinks that held them get them back as pending.
// It returns how many records were corrected.
func (s *Store) CorrectBoot(boot string, wallNow time.Time, monoNow time.Duration) (int, error) {
	if boot == "" {
		return 0, nil
	}
	fix := func(mono time.Duration) time.Time { return wallNow.Add(mono - monoNow).UTC() }
	var need bool
	if err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		need, err = needsCorrection(tx, boot)
		return err
	}); err != nil || !need {
		return 0, err
	}
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		n = 0
		recs := tx.Bucket(bucketRecords)
		untrusted := tx.Bucket(bucketUntrusted)
		meta := tx.Bucket(bucketMeta)
		prefix := untrustedPrefix(boot)
		var keys [][]byte
		c := untrusted.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			keys = append(keys, append([]byte(nil), k...))
		}
		for _, ik := range keys {
			if err := untrusted.Delete(ik); err != nil {
				return err
			}
			k := ik[len(prefix):]
			var r Record
			if err := json.Unmarshal(recs.Get(k), &r); err != nil {
				return fmt.Errorf("%w: seq %d: %v", ErrBadRecord, btoi(k), err)
			}
			if err := unindexEntry(tx, r); err != nil {
				return err
			}
			if !r.ClockSynced && r.Boot == boot {
				r.At, r.ClockSynced = fix(r.Mono), true
				if r.Kind == KindEntry {
					r.End = r.At
				}
			}
			if (r.Kind == KindEntry || r.Event == EventMissingStop) && !r.StartSynced && r.StartBoot == boot {
				r.Start, r.StartSynced = fix(r.StartMono), true
			}
			r.Corrected = true
			if err := putJSON(recs, k, r); err != nil {
				return err
			}
			if err := indexEntry(tx, r); err != nil {
				return err
			}
			n++
			if !r.Trusted() {
				continue // a part from another boot is still untrusted
			}
			if err := addCounter(meta, counterUntrusted, -1); err != nil {
				return err
			}
			for _, u := range s.uplinks {
				ub := tx.Bucket(uplinkBucket(u.Name))
				v := ub.Get(k)
				if v == nil {
					continue
				}
				st := decodeState(v)
				if st.State != stateHeld {
					continue
				}
				st.State, st.Msg = statePending, ""
				if err := st.put(ub, k, wallNow); err != nil {
					return err
				}
				if err := moveCounter(meta, u.Name, stateHeld, statePending); err != nil {
					return err
				}
			}
		}
		return s.correctEmployees(tx, boot, fix)
	})
	if err != nil {
		return 0, fmt.Errorf("queue: correct times of boot %s: %w", boot, err)
	}
	return n, nil
}

// needsCorrection tells whether CorrectBoot has anything to do, without
// writing: an untrusted record of boot, or an open shift of boot whose
// start was stamped untrusted.
func needsCorrection(tx *bolt.Tx, boot string) (bool, error) {
	prefix := untrustedPrefix(boot)
	if k, _ := tx.Bucket(bucketUntrusted).Cursor().Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) {
		return true, nil
	}
	found := false
	err := tx.Bucket(bucketEmployees).ForEach(func(k, v []byte) error {
		var e Employee
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("employee %s: %w", k, err)
		}
		if e.Open && !e.StartSynced && e.StartBoot == boot {
			found = true
		}
		return nil
	})
	return found, err
}

// The untrusted index has one key per boot whose clock reading a record
// still waits for: boot id, a zero byte, the record's sequence number. A
// correction finds its records by seeking to its boot's prefix.
func untrustedPrefix(boot string) []byte { return append([]byte(boot), 0) }

// indexUntrusted adds r's untrusted parts to the index.
func indexUntrusted(tx *bolt.Tx, r Record) error {
	b := tx.Bucket(bucketUntrusted)
	boots := map[string]bool{}
	if !r.ClockSynced {
		boots[r.Boot] = true
	}
	if (r.Kind == KindEntry || r.Event == EventMissingStop) && !r.StartSynced {
		boots[r.StartBoot] = true
	}
	for boot := range boots {
		if err := b.Put(append(untrustedPrefix(boot), itob(r.Seq)...), nil); err != nil {
			return err
		}
	}
	return nil
}

// correctEmployees fixes open shifts and last taps stamped in boot.
func (s *Store) correctEmployees(tx *bolt.Tx, boot string, fix func(time.Duration) time.Time) error {
	b := tx.Bucket(bucketEmployees)
	var fixed []Employee
	err := b.ForEach(func(k, v []byte) error {
		var e Employee
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("employee %s: %w", k, err)
		}
		changed := false
		if e.Open && !e.StartSynced && e.StartBoot == boot {
			e.Start, e.StartSynced, changed = fix(e.StartMono), true, true
		}
		if e.LastBoot == boot && !e.LastTap.IsZero() {
			if t := fix(e.LastMono); !t.Equal(e.LastTap) {
				e.LastTap, changed = t, true
			}
		}
		if changed {
			fixed = append(fixed, e)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, e := range fixed {
		if err := putJSON(b, []byte(e.Email), e); err != nil {
			return err
		}
	}
	return nil
}

// Release puts records that uplink held back into its queue (all of them
// when seqs is empty), e.g. after an operator checked their times. It
// returns how many were released.
func (s *Store) Release(uplink string, seqs []uint64, now time.Time) (int, error) {
	return s.requeue(uplink, stateHeld, seqs, now)
}
