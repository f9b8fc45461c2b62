package queue

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// maxListed bounds the lists in Stats.
const maxListed = 100

// Stats returns the queue's state for `stampctl status`.
func (s *Store) Stats() (Stats, error) {
	var st Stats
	err := s.db.View(func(tx *bolt.Tx) error {
		st.FileBytes = tx.Size()
		recs := tx.Bucket(bucketRecords)
		st.Records = getCounter(tx.Bucket(bucketMeta), counterRecords)
		st.LastSeq = recs.Sequence()
		st.Untrusted = getCounter(tx.Bucket(bucketMeta), counterUntrusted)
		st.Quarantined = getCounter(tx.Bucket(bucketMeta), counterQuarantined)
		meta := tx.Bucket(bucketMeta)
		for name := range s.everyUplink() {
			us := UplinkStats{
				Name:         name,
				Unconfigured: !s.hasUplink(name),
				Pending:      getCounter(meta, counterKey(name, statePending)),
				Held:         getCounter(meta, counterKey(name, stateHeld)),
				Dead:         getCounter(meta, counterKey(name, stateDead)),
				Delivered:    getCounter(meta, counterKey(name, stateDone)),
				Quarantined:  getCounter(meta, counterKey(name, stateQuarantined)),
				Withdrawn:    getCounter(meta, counterKey(name, stateWithdrawn)),
			}
			if us.Unconfigured && us.Pending+us.Held+us.Dead+us.Quarantined == 0 {
				continue // everything it took is done: nothing to show
			}
			if v := meta.Get([]byte(counterKey(name, "last_delivery"))); v != nil {
				us.LastDelivery, _ = time.Parse(time.RFC3339Nano, string(v))
			}
			if v := meta.Get([]byte(counterKey(name, "last_error"))); v != nil {
				var le lastError
				// A delivery after the error shows it is over (e.g. refused
				// credentials, fixed since).
				if json.Unmarshal(v, &le) == nil && !us.LastDelivery.After(le.At) {
					us.LastError, us.LastErrorAt = le.Msg, le.At
				}
			}
			st.Uplinks = append(st.Uplinks, us)
		}
		err := tx.Bucket(bucketEmployees).ForEach(func(k, v []byte) error {
			var e Employee
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("employee %s: %w", k, err)
			}
			if e.Open && len(st.OpenShifts) < maxListed {
				st.OpenShifts = append(st.OpenShifts, e)
			}
			return nil
		})
		if err != nil {
			return err
		}
		c := tx.Bucket(bucketAnomalies).Cursor()
		for k, _ := c.Last(); k != nil && len(st.Anomalies) < maxListed; k, _ = c.Prev() {
			var r Record
			if data := recs.Get(k); data != nil && json.Unmarshal(data, &r) == nil {
				st.Anomalies = append(st.Anomalies, r)
			}
		}
		st.Unknown = unknownBadges(tx)
		return nil
	})
	if err != nil {
		return Stats{}, fmt.Errorf("queue: stats: %w", err)
	}
	return st, nil
}

// UnknownBadges returns the unknown badges as Stats lists them (at most
// maxListed, in the order of their UIDs), reading nothing else: `stampctl
// badges pending` asks for them alone, and the whole of Stats decodes
// every employee and the listed anomalies.
func (s *Store) UnknownBadges() ([]UnknownBadge, error) {
	var out []UnknownBadge
	err := s.db.View(func(tx *bolt.Tx) error {
		out = unknownBadges(tx)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("queue: unknown badges: %w", err)
	}
	return out, nil
}

func unknownBadges(tx *bolt.Tx) []UnknownBadge {
	var out []UnknownBadge
	c := tx.Bucket(bucketUnknown).Cursor()
	for k, v := c.First(); k != nil && len(out) < maxListed; k, v = c.Next() {
		var u UnknownBadge
		if json.Unmarshal(v, &u) == nil {
			out = append(out, u)
		}
	}
	return out
}

// Badges returns every enrolled badge.
func (s *Store) Badges() ([]Badge, error) {
	var out []Badge
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketBadges).ForEach(func(k, v []byte) error {
			var b Badge
			if err := json.Unmarshal(v, &b); err != nil {
				return fmt.Errorf("badge %s: %w", k, err)
			}
			out = append(out, b)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("queue: badges: %w", err)
	}
	return out, nil
}

// noteDelivered remembers when record k was confirmed (or withdrawn) by
// the last uplink that takes it; only such records are ever pruned, by
// that time.
func (s *Store) noteDelivered(tx *bolt.Tx, k []byte, now time.Time) error {
	if !s.finishedEverywhere(tx, k) {
		return nil // another uplink still waits for it
	}
	return tx.Bucket(bucketDelivered).Put(k, itob(uint64(now.UnixNano())))
}

// Prune deletes records that every uplink taking them confirmed before
// before (by delivery time, not record time), that are neither anomalies
// nor untrusted, at most max per call. It returns how many it deleted.
// Records no uplink confirmed (none takes them, none is configured, dead
// letters, held or quarantined ones) are never pruned. The walk goes
// through the confirmed records oldest first and ends at the first one
// confirmed too recently, or after scanning 4*max, so a large store is
// never read whole.
// A pruned entry keeps its key in the entry index (see Entries).
func (s *Store) Prune(before time.Time, max int) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		n = 0
		recs := tx.Bucket(bucketRecords)
		anomalies := tx.Bucket(bucketAnomalies)
		done := tx.Bucket(bucketDelivered)
		var doomed [][]byte
		c := done.Cursor()
		scanned := 0
		for k, v := c.First(); k != nil && len(doomed) < max && scanned < 4*max; k, v = c.Next() {
			scanned++
			if time.Unix(0, int64(btoi(v))).After(before) {
				break
			}
			r, err := decodeRecord(k, recs.Get(k))
			if err != nil || anomalies.Get(k) != nil || !r.Trusted() || !s.finishedEverywhere(tx, k) {
				continue // kept: quarantined, an anomaly, waiting for a clock correction, or queued again
			}
			doomed = append(doomed, append([]byte(nil), k...))
		}
		retractions := tx.Bucket(bucketRetractions)
		for _, k := range doomed {
			if err := recs.Delete(k); err != nil {
				return err
			}
			if err := done.Delete(k); err != nil {
				return err
			}
			// A withdrawn record's rows go with it, and what it was
			// withdrawn by.
			for name := range s.everyUplink() {
				if err := tx.Bucket(uplinkBucket(name)).Delete(k); err != nil {
					return err
				}
			}
			if retractions != nil {
				if err := retractions.Delete(k); err != nil {
					return err
				}
			}
			if err := dropReceipts(tx, k); err != nil {
				return err
			}
		}
		n = len(doomed)
		return addCounter(tx.Bucket(bucketMeta), counterRecords, -int64(n))
	})
	if err != nil {
		return 0, fmt.Errorf("queue: prune: %w", err)
	}
	return n, nil
}

// finishedEverywhere tells whether no uplink's queue holds record k but
// as finished (withdrawn); an uplink no longer configured counts too.
func (s *Store) finishedEverywhere(tx *bolt.Tx, k []byte) bool {
	for name := range s.everyUplink() {
		if v := tx.Bucket(uplinkBucket(name)).Get(k); v != nil && !finished(decodeState(v).State) {
			return false
		}
	}
	return true
}
