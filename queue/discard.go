package queue

import (
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Discard gives up sending the held records seqs of uplink ("" = every
// uplink that holds them), e.g. entries from a boot whose clock never
// synchronised and whose true times nobody knows. They become dead letters
// whose message is the operator's reason: kept, listed by `queue dead`,
// never deleted, and `queue retry` can still send them. Seqs must be
// given; it returns how many were discarded.
func (s *Store) Discard(uplink string, seqs []uint64, reason string, now time.Time) (int, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case len(seqs) == 0:
		return 0, fmt.Errorf("queue: discard: name the records (no seqs given)")
	case reason == "":
		return 0, fmt.Errorf("queue: discard: a reason is required")
	case uplink != "" && !s.hasUplink(uplink):
		return 0, fmt.Errorf("%w: %q", ErrUnknownUplink, uplink)
	}
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		n = 0
		meta := tx.Bucket(bucketMeta)
		for _, q := range seqs {
			found := false
			for _, u := range s.uplinks {
				if uplink != "" && u.Name != uplink {
					continue
				}
				ub := tx.Bucket(uplinkBucket(u.Name))
				k := itob(q)
				v := ub.Get(k)
				if v == nil {
					continue
				}
				st := decodeState(v)
				if st.State != stateHeld {
					continue
				}
				found = true
				st.State, st.Msg = stateDead, "discarded by the operator: "+reason
				if err := st.put(ub, k, now); err != nil {
					return err
				}
				if err := moveCounter(meta, u.Name, stateHeld, stateDead); err != nil {
					return err
				}
				n++
			}
			if !found {
				return fmt.Errorf("%w: seq %d", ErrNotHeld, q)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("queue: discard held records: %w", err)
	}
	return n, nil
}
