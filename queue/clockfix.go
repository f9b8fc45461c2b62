package queue

import (
	"encoding/json"
	"fmt"
	"strings"
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
		var keys [][]byte
		if err := untrusted.ForEach(func(k, _ []byte) error {
			keys = append(keys, append([]byte(nil), k...))
			return nil
		}); err != nil {
			return err
		}
		for _, k := range keys {
			var r Record
			if err := json.Unmarshal(recs.Get(k), &r); err != nil {
				return fmt.Errorf("%w: seq %d: %v", ErrBadRecord, btoi(k), err)
			}
			changed := false
			if !r.ClockSynced && r.Boot == boot {
				r.At, r.ClockSynced, changed = fix(r.Mono), true, true
				if r.Kind == KindEntry {
					r.End = r.At
				}
			}
			if (r.Kind == KindEntry || r.Event == EventMissingStop) && !r.StartSynced && r.StartBoot == boot {
				r.Start, r.StartSynced, changed = fix(r.StartMono), true, true
			}
			if !changed {
				continue
			}
			r.Corrected = true
			if err := putJSON(recs, k, r); err != nil {
				return err
			}
			n++
			if !r.Trusted() {
				continue
			}
			if err := untrusted.Delete(k); err != nil {
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
// writing: an untrusted record, or an open shift or last tap of boot that
// was stamped untrusted.
func needsCorrection(tx *bolt.Tx, boot string) (bool, error) {
	found := false
	err := tx.Bucket(bucketUntrusted).ForEach(func(_, v []byte) error {
		for _, b := range strings.Fields(string(v)) {
			if b == boot {
				found = true
			}
		}
		return nil
	})
	if err != nil || found {
		return found, err
	}
	err = tx.Bucket(bucketEmployees).ForEach(func(k, v []byte) error {
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
