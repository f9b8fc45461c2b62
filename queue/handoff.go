package queue

import (
	"sync"

	bolt "go.etcd.io/bbolt"
)

// handoff lets an uplink whose runner has caught up take new records
// without a commit of its own. Once a claim finds nothing left to claim
// for an uplink (SettleAndClaim), the records appended for it are queued
// in flight by the commit that appends them, instead of pending, and noted
// here as fresh: in flight, but certainly not sent yet. The next claim
// hands them out without writing (and without Reconcile). A crash forgets
// what is fresh, so they count as in flight from then on, and the next
// start reconciles them: an extra look at the receiver, never a record
// sent twice or lost. A failed delivery (the outcomes Settle records as
// NotSent, RetryLater or MaybeSent) ends the handoff until the runner has
// caught up again, so records kept back by an outage are plain pending.
type handoff struct {
	mu    sync.Mutex
	armed map[string]bool
	fresh map[string]map[uint64]bool
}

func (h *handoff) arm(uplink string, on bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.armed == nil {
		h.armed = map[string]bool{}
	}
	h.armed[uplink] = on
}

func (h *handoff) isArmed(uplink string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.armed[uplink]
}

// add notes seq as fresh for uplink.
func (h *handoff) add(uplink string, seq uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fresh == nil {
		h.fresh = map[string]map[uint64]bool{}
	}
	if h.fresh[uplink] == nil {
		h.fresh[uplink] = map[uint64]bool{}
	}
	h.fresh[uplink][seq] = true
}

// take reports whether seq is fresh for uplink and forgets it: the caller
// hands it out.
func (h *handoff) take(uplink string, seq uint64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.fresh[uplink][seq] {
		return false
	}
	delete(h.fresh[uplink], seq)
	return true
}

// drop forgets the seqs of a commit that failed.
func (h *handoff) drop(handed []handed) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, x := range handed {
		delete(h.fresh[x.uplink], x.seq)
	}
}

// takeAll returns and forgets every fresh seq.
func (h *handoff) takeAll() []handed {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []handed
	for u, seqs := range h.fresh {
		for seq := range seqs {
			out = append(out, handed{u, seq})
		}
	}
	h.fresh = nil
	return out
}

// handed is a record queued in flight for uplink by its append.
type handed struct {
	uplink string
	seq    uint64
}

// appendState is the state a record appended now starts in for uplink.
func (t *Tx) appendState(uplink string, seq uint64) entryState {
	if !t.s.hand.isArmed(uplink) {
		return entryState{State: statePending}
	}
	// Noted within the transaction: no claim can look before it ends.
	t.s.hand.add(uplink, seq)
	t.handed = append(t.handed, handed{uplink, seq})
	return entryState{State: stateInflight}
}

// returnFresh puts the records handed out on append but not taken by a
// claim back to pending, so that the next start does not reconcile them.
// It is best effort: what it cannot write stays in flight and is
// reconciled.
func (s *Store) returnFresh() {
	fresh := s.hand.takeAll()
	if len(fresh) == 0 {
		return
	}
	_ = s.db.Update(func(tx *bolt.Tx) error {
		for _, x := range fresh {
			ub := tx.Bucket(uplinkBucket(x.uplink))
			k := itob(x.seq)
			v := ub.Get(k)
			if v == nil {
				continue
			}
			st := decodeState(v)
			if st.State != stateInflight || st.Uncertain {
				continue
			}
			st.State = statePending
			if err := ub.Put(k, encodeState(st)); err != nil {
				return err
			}
		}
		return nil
	})
}
