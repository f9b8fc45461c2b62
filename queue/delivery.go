package queue

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Per-uplink states of a queued record. A delivered record is no longer in
// the uplink's bucket; only a counter remembers it.
const (
	statePending  = "pending"
	stateInflight = "inflight"
	stateDead     = "dead"
	stateHeld     = "held"
	stateDone     = "delivered"
	// stateWithdrawn: a retraction withdrew the record before it was
	// sent; it is never sent and, like a delivered one, may be pruned.
	// Its row stays (listed) until then.
	stateWithdrawn = "withdrawn"
)

// finished tells whether a record in state st is done with for its uplink
// although its row is still there.
func finished(st string) bool { return st == stateWithdrawn }

type entryState struct {
	State    string `json:"s"`
	Attempts int    `json:"a,omitempty"`
	// Uncertain: an earlier attempt may have reached the receiver.
	Uncertain bool      `json:"u,omitempty"`
	Msg       string    `json:"m,omitempty"`
	Since     time.Time `json:"t,omitzero"`
}

func encodeState(e entryState) []byte {
	data, _ := json.Marshal(e) // a struct of plain fields cannot fail
	return data
}

func decodeState(data []byte) entryState {
	var e entryState
	if err := json.Unmarshal(data, &e); err != nil || e.State == "" {
		// An unreadable state is treated as a pending record whose last
		// attempt may have gone out: reconcile rather than lose or duplicate.
		return entryState{State: statePending, Uncertain: true}
	}
	return e
}

const (
	counterRecords   = "records"
	counterUntrusted = "untrusted"
)

func counterKey(uplink, state string) string { return uplinkPrefix + uplink + "." + state }

// moveCounter moves one record's count from one state to another.
func moveCounter(meta *bolt.Bucket, uplink, from, to string) error {
	if err := addCounter(meta, counterKey(uplink, from), -1); err != nil {
		return err
	}
	return addCounter(meta, counterKey(uplink, to), 1)
}

func (e entryState) put(b *bolt.Bucket, k []byte, now time.Time) error {
	e.Since = now.UTC()
	return b.Put(k, encodeState(e))
}

// Claim marks up to n of uplink's pending records, oldest first, as in
// flight and returns them. Dead-lettered records are skipped. A record found
// already in flight was left so by a crash: it is returned with Reconcile set.
func (s *Store) Claim(uplink string, n int, now time.Time) ([]Claim, error) {
	if !s.hasUplink(uplink) {
		return nil, fmt.Errorf("%w: %q", ErrUnknownUplink, uplink)
	}
	var out []Claim
	err := s.db.Update(func(tx *bolt.Tx) error {
		out = out[:0]
		ub := tx.Bucket(uplinkBucket(uplink))
		recs := tx.Bucket(bucketRecords)
		type upd struct {
			k []byte
			v []byte
		}
		var updates, bad []upd
		c := ub.Cursor()
		for k, v := c.First(); k != nil && len(out) < n; k, v = c.Next() {
			st := decodeState(v)
			if st.State == stateDead || st.State == stateHeld || st.State == stateQuarantined || finished(st.State) {
				continue
			}
			data := recs.Get(k)
			if data == nil {
				return fmt.Errorf("%w: uplink %s: seq %d queued but missing", ErrBadRecord, uplink, btoi(k))
			}
			r, err := decodeRecord(k, data)
			if err != nil {
				// Quarantined below; the others keep flowing.
				bad = append(bad, upd{append([]byte(nil), k...), []byte(err.Error())})
				continue
			}
			reconcile := st.Uncertain || st.State == stateInflight
			out = append(out, Claim{Record: r, Attempts: st.Attempts, Reconcile: reconcile})
			st.State = stateInflight
			st.Uncertain = reconcile
			st.Since = now.UTC()
			updates = append(updates, upd{append([]byte(nil), k...), encodeState(st)})
		}
		for _, u := range updates {
			if err := ub.Put(u.k, u.v); err != nil {
				return err
			}
		}
		for _, b := range bad {
			if _, err := s.quarantine(tx, b.k, errors.New(string(b.v)), now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("queue: claim for %s: %w", uplink, err)
	}
	return out, nil
}

// Settle records the outcomes of a batch in one commit.
func (s *Store) Settle(uplink string, outcomes []Outcome, now time.Time) error {
	if !s.hasUplink(uplink) {
		return fmt.Errorf("%w: %q", ErrUnknownUplink, uplink)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		ub := tx.Bucket(uplinkBucket(uplink))
		meta := tx.Bucket(bucketMeta)
		for _, o := range outcomes {
			k := itob(o.Seq)
			v := ub.Get(k)
			if v == nil {
				continue // already settled
			}
			st := decodeState(v)
			if st.State == stateDead || st.State == stateHeld || st.State == stateQuarantined || finished(st.State) {
				continue
			}
			if o.MaybeStored && o.Result != Delivered {
				st.Uncertain = true // kept through dead, held and pending alike
			}
			switch o.Result {
			case Delivered:
				if err := ub.Delete(k); err != nil {
					return err
				}
				if err := s.noteDelivered(tx, k, now); err != nil {
					return err
				}
				if err := addCounter(meta, counterKey(uplink, statePending), -1); err != nil {
					return err
				}
				if err := addCounter(meta, counterKey(uplink, stateDone), 1); err != nil {
					return err
				}
				if err := meta.Put([]byte(counterKey(uplink, "last_delivery")), []byte(now.UTC().Format(time.RFC3339Nano))); err != nil {
					return err
				}
				continue
			case NotSent:
				st.State = statePending
			case RetryLater:
				st.State = statePending
				st.Attempts++
				st.Msg = o.Msg
			case MaybeSent:
				st.State = statePending
				st.Attempts++
				st.Uncertain = true
				st.Msg = o.Msg
			case Rejected:
				st.State = stateDead
				st.Attempts++
				st.Msg = o.Msg
				if err := addCounter(meta, counterKey(uplink, statePending), -1); err != nil {
					return err
				}
				if err := addCounter(meta, counterKey(uplink, stateDead), 1); err != nil {
					return err
				}
			case Withdrawn:
				st.State, st.Msg, st.Since = stateWithdrawn, o.Msg, now.UTC()
				if err := ub.Put(k, encodeState(st)); err != nil {
					return err
				}
				if err := moveCounter(meta, uplink, statePending, stateWithdrawn); err != nil {
					return err
				}
				if err := s.noteDelivered(tx, k, now); err != nil {
					return err
				}
				continue
			case Held:
				st.State = stateHeld
				st.Msg = o.Msg
				if err := moveCounter(meta, uplink, statePending, stateHeld); err != nil {
					return err
				}
			default:
				return fmt.Errorf("queue: settle seq %d: unknown result %d", o.Seq, o.Result)
			}
			st.Since = now.UTC()
			if err := ub.Put(k, encodeState(st)); err != nil {
				return err
			}
			if o.Msg != "" {
				if err := putJSON(meta, []byte(counterKey(uplink, "last_error")), lastError{At: now.UTC(), Msg: o.Msg}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("queue: settle for %s: %w", uplink, err)
	}
	return nil
}

type lastError struct {
	At  time.Time `json:"at"`
	Msg string    `json:"msg"`
}

// RetryDead puts dead letters of uplink ("" = all) back into the queue. With
// no seqs every dead letter is retried. It returns how many were moved.
func (s *Store) RetryDead(uplink string, seqs []uint64, now time.Time) (int, error) {
	return s.requeue(uplink, stateDead, seqs, now)
}

// requeue moves records of uplink ("" = all) in state from back to pending:
// those in seqs, or all of them when seqs is empty.
func (s *Store) requeue(uplink, from string, seqs []uint64, now time.Time) (int, error) {
	if uplink != "" && !s.hasUplink(uplink) {
		return 0, fmt.Errorf("%w: %q", ErrUnknownUplink, uplink)
	}
	want := make(map[uint64]bool, len(seqs))
	for _, q := range seqs {
		want[q] = true
	}
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		n = 0
		meta := tx.Bucket(bucketMeta)
		found := make(map[uint64]bool)
		for _, u := range s.uplinks {
			if uplink != "" && u.Name != uplink {
				continue
			}
			ub := tx.Bucket(uplinkBucket(u.Name))
			var keys [][]byte
			var states []entryState
			c := ub.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				st := decodeState(v)
				if st.State != from || (len(want) > 0 && !want[btoi(k)]) {
					continue
				}
				keys = append(keys, append([]byte(nil), k...))
				states = append(states, st)
			}
			for i, k := range keys {
				st := states[i]
				st.State = statePending
				if err := st.put(ub, k, now); err != nil {
					return err
				}
				if err := moveCounter(meta, u.Name, from, statePending); err != nil {
					return err
				}
				found[btoi(k)] = true
				n++
			}
		}
		for q := range want {
			if !found[q] {
				if from == stateHeld {
					return fmt.Errorf("%w: seq %d", ErrNotHeld, q)
				}
				return fmt.Errorf("%w: seq %d", ErrNotDead, q)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("queue: requeue %s records: %w", from, err)
	}
	return n, nil
}

// Queued lists up to limit records still in uplink's queue ("" = every
// uplink), oldest first, after sequence number after. state filters by
// "pending" (includes in flight), "held", "dead", "quarantined" or "" for
// all. A record that cannot be decoded is listed with its seq only and the
// decode error as its message.
func (s *Store) Queued(uplink, state string, after uint64, limit int) ([]Item, error) {
	if uplink != "" && !s.hasUplink(uplink) {
		return nil, fmt.Errorf("%w: %q", ErrUnknownUplink, uplink)
	}
	var out []Item
	err := s.db.View(func(tx *bolt.Tx) error {
		recs := tx.Bucket(bucketRecords)
		for _, u := range s.uplinks {
			if uplink != "" && u.Name != uplink {
				continue
			}
			c := tx.Bucket(uplinkBucket(u.Name)).Cursor()
			for k, v := c.Seek(itob(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
				st := decodeState(v)
				if state != "" && state != st.State && !(state == statePending && st.State == stateInflight) {
					continue
				}
				r, err := decodeRecord(k, recs.Get(k))
				if err != nil {
					// Listed, not hidden: quarantined (or about to be).
					r = Record{Seq: btoi(k)}
					if st.State != stateQuarantined {
						st.Msg = "cannot be decoded: " + err.Error()
					}
				}
				out = append(out, Item{Record: r, Uplink: u.Name, State: st.State, Attempts: st.Attempts, Msg: st.Msg, Since: st.Since})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("queue: list: %w", err)
	}
	return out, nil
}
