package queue

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// UplinkStats is one uplink's share of the queue.
type UplinkStats struct {
	Name string `json:"name"`
	// Pending counts records waiting for delivery (including in flight).
	Pending uint64 `json:"pending"`
	// Held counts records that must not be sent yet (untrusted time).
	Held uint64 `json:"held"`
	// Dead counts dead letters: rejected by the receiver, kept for retry.
	Dead uint64 `json:"dead"`
	// Delivered counts records the receiver confirmed, ever.
	Delivered    uint64    `json:"delivered"`
	LastDelivery time.Time `json:"last_delivery,omitzero"`
	LastError    string    `json:"last_error,omitempty"`
	LastErrorAt  time.Time `json:"last_error_at,omitzero"`
}

// Stats summarises the store without scanning the record bucket.
type Stats struct {
	// Records is the number of records kept (delivered ones are pruned
	// after the retention).
	Records uint64 `json:"records"`
	// LastSeq is the highest sequence number ever assigned.
	LastSeq    uint64         `json:"last_seq"`
	Uplinks    []UplinkStats  `json:"uplinks"`
	OpenShifts []Employee     `json:"open_shifts"`
	Anomalies  []Record       `json:"anomalies"`
	Unknown    []UnknownBadge `json:"unknown_badges"`
	// Untrusted counts records whose time is not trustworthy (clock not
	// synchronised); they are corrected when the clock synchronises in the
	// same boot, or held for good.
	Untrusted uint64 `json:"untrusted"`
	FileBytes int64  `json:"file_bytes"`
}

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
		meta := tx.Bucket(bucketMeta)
		for _, u := range s.uplinks {
			us := UplinkStats{
				Name:      u.Name,
				Pending:   getCounter(meta, counterKey(u.Name, statePending)),
				Held:      getCounter(meta, counterKey(u.Name, stateHeld)),
				Dead:      getCounter(meta, counterKey(u.Name, stateDead)),
				Delivered: getCounter(meta, counterKey(u.Name, stateDone)),
			}
			if v := meta.Get([]byte(counterKey(u.Name, "last_delivery"))); v != nil {
				us.LastDelivery, _ = time.Parse(time.RFC3339Nano, string(v))
			}
			if v := meta.Get([]byte(counterKey(u.Name, "last_error"))); v != nil {
				var le lastError
				if json.Unmarshal(v, &le) == nil {
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
		return tx.Bucket(bucketUnknown).ForEach(func(k, v []byte) error {
			var u UnknownBadge
			if json.Unmarshal(v, &u) == nil && len(st.Unknown) < maxListed {
				st.Unknown = append(st.Unknown, u)
			}
			return nil
		})
	})
	if err != nil {
		return Stats{}, fmt.Errorf("queue: stats: %w", err)
	}
	return st, nil
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

// Prune deletes records older than before that no uplink still needs and
// that are neither anomalies nor untrusted (waiting for a clock
// correction), at most max per call. It returns how many it
// deleted. Records are walked oldest first; the walk ends at the first
// record not older than before, at the first record still waiting for an
// uplink (younger records wait too: they are pruned once it is delivered),
// or after scanning 4*max records, so a large backlog is never read whole.
// A pruned entry keeps its key in the entry index (see Entries).
func (s *Store) Prune(before time.Time, max int) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		n = 0
		recs := tx.Bucket(bucketRecords)
		anomalies := tx.Bucket(bucketAnomalies)
		var ubs []*bolt.Bucket
		for _, u := range s.uplinks {
			ubs = append(ubs, tx.Bucket(uplinkBucket(u.Name)))
		}
		var doomed [][]byte
		c := recs.Cursor()
		scanned := 0
	walk:
		for k, v := c.First(); k != nil && len(doomed) < max && scanned < 4*max; k, v = c.Next() {
			scanned++
			var r Record
			if err := json.Unmarshal(v, &r); err != nil {
				continue // keep what cannot be read; an operator can export it
			}
			if !r.At.Before(before) {
				break
			}
			if anomalies.Get(k) != nil || !r.Trusted() {
				continue
			}
			for _, ub := range ubs {
				if st := ub.Get(k); st != nil {
					if s := decodeState(st).State; s == stateDead || s == stateHeld {
						continue walk
					}
					break walk
				}
			}
			doomed = append(doomed, append([]byte(nil), k...))
		}
		for _, k := range doomed {
			if err := recs.Delete(k); err != nil {
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
