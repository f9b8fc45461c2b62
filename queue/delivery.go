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
// When there is nothing to claim, nothing is committed, and the records
// appended for uplink from then on are claimed by their own commit (see
// handoff).
func (s *Store) Claim(uplink string, n int, now time.Time) ([]Claim, error) {
	claims, _, err := s.SettleAndClaim(uplink, nil, nil, n, now)
	return claims, err
}

// errNothingToCommit rolls back a transaction that would commit nothing
// useful: bbolt writes and fsyncs even an empty commit.
var errNothingToCommit = errors.New("queue: nothing to commit")

// SettleAndClaim settles outcomes and claims up to n of uplink's pending
// records in one commit, as Settle followed by Claim would in two. It
// commits only when the claim has to write, and settled tells whether it
// did: with nothing to claim, or only records already claimed by their
// append (see handoff), it writes nothing, settled is false, and outcomes
// are still the caller's to settle (their records stay in flight
// meanwhile, so a crash before they are settled makes the next Claim
// reconcile them, never send them again blindly). With no outcomes it is
// Claim. Finding nothing to claim hands uplink the records appended from
// then on.
//
// busy are records the caller has in flight now (claimed, being sent, no
// outcome yet): the claim passes over them instead of taking them for a
// crash's leftovers, so the caller may claim its next batch while one is
// still being sent.
func (s *Store) SettleAndClaim(uplink string, outcomes []Outcome, busy []uint64, n int, now time.Time) (claims []Claim, settled bool, err error) {
	if !s.hasUplink(uplink) {
		return nil, false, fmt.Errorf("%w: %q", ErrUnknownUplink, uplink)
	}
	if err := checkOutcomes(outcomes); err != nil {
		return nil, false, fmt.Errorf("queue: claim for %s: %w", uplink, err)
	}
	// Records whose outcome leaves them out of the queue (or dead, or
	// held) are skipped by the claim, so the outcomes need to be written
	// only when the claim commits. Others (back to pending) are settled
	// first: they may be claimed again.
	var settling map[uint64]bool
	var early []Outcome
	skip := make(map[uint64]bool, len(outcomes)+len(busy))
	for _, q := range busy {
		skip[q] = true
	}
	for _, o := range outcomes {
		switch o.Result {
		case Delivered, Rejected, Held, Withdrawn:
			if settling == nil {
				settling = make(map[uint64]bool, len(outcomes))
			}
			settling[o.Seq] = true
			skip[o.Seq] = true
		default:
			early = append(early, o)
		}
	}
	var out []Claim
	err = s.db.Update(func(tx *bolt.Tx) error {
		out = out[:0]
		if err := s.settle(tx, uplink, early, now); err != nil {
			return err
		}
		changed, err := s.claim(tx, uplink, n, now, skip, &out)
		if err != nil {
			return err
		}
		if len(out) == 0 && !changed {
			// Caught up: within this transaction, so no append slips
			// in between and is sent before an older record.
			s.hand.arm(uplink, true)
		}
		if !changed {
			return errNothingToCommit
		}
		for _, o := range outcomes {
			if settling[o.Seq] {
				if _, err := s.settleOne(tx, uplink, o, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if errors.Is(err, errNothingToCommit) {
		return out, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("queue: claim for %s: %w", uplink, err)
	}
	return out, true, nil
}

// claim marks up to n of uplink's pending records in flight within tx and
// appends them to out, skipping the seqs in skip (being settled, or
// busy with the caller). changed tells whether it
// wrote anything (a claim or a quarantined record); a record claimed by its
// append is handed out without a write.
func (s *Store) claim(tx *bolt.Tx, uplink string, n int, now time.Time, skip map[uint64]bool, out *[]Claim) (changed bool, err error) {
	ub := tx.Bucket(uplinkBucket(uplink))
	recs := tx.Bucket(bucketRecords)
	type upd struct {
		k []byte
		v []byte
	}
	var updates, bad []upd
	c := ub.Cursor()
	for k, v := c.First(); k != nil && len(*out) < n; k, v = c.Next() {
		if skip[btoi(k)] {
			continue // being settled, or busy
		}
		st := decodeState(v)
		if st.State == stateDead || st.State == stateHeld || st.State == stateQuarantined || finished(st.State) {
			continue
		}
		data := recs.Get(k)
		if data == nil {
			return false, fmt.Errorf("%w: uplink %s: seq %d queued but missing", ErrBadRecord, uplink, btoi(k))
		}
		r, err := decodeRecord(k, data)
		if err != nil {
			// Quarantined below; the others keep flowing.
			bad = append(bad, upd{append([]byte(nil), k...), []byte(err.Error())})
			continue
		}
		// Forgotten as fresh whatever its state, so a later state of it
		// is never mistaken for one that was not sent.
		fresh := s.hand.take(uplink, btoi(k))
		if fresh && st.State == stateInflight && !st.Uncertain {
			// In flight since its append and not sent yet: nothing to write.
			*out = append(*out, Claim{Record: r, Attempts: st.Attempts})
			continue
		}
		reconcile := st.Uncertain || st.State == stateInflight
		*out = append(*out, Claim{Record: r, Attempts: st.Attempts, Reconcile: reconcile})
		st.State = stateInflight
		st.Uncertain = reconcile
		st.Since = now.UTC()
		updates = append(updates, upd{append([]byte(nil), k...), encodeState(st)})
	}
	for _, u := range updates {
		if err := ub.Put(u.k, u.v); err != nil {
			return false, err
		}
	}
	for _, b := range bad {
		if _, err := s.quarantine(tx, b.k, errors.New(string(b.v)), now); err != nil {
			return false, err
		}
	}
	return len(updates) > 0 || len(bad) > 0, nil
}

// Settle records the outcomes of a batch in one commit. Outcomes that
// change nothing (their records were settled before) commit nothing.
func (s *Store) Settle(uplink string, outcomes []Outcome, now time.Time) error {
	if !s.hasUplink(uplink) {
		return fmt.Errorf("%w: %q", ErrUnknownUplink, uplink)
	}
	if err := checkOutcomes(outcomes); err != nil {
		return fmt.Errorf("queue: settle for %s: %w", uplink, err)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		changed := false
		for _, o := range outcomes {
			c, err := s.settleOne(tx, uplink, o, now)
			if err != nil {
				return err
			}
			changed = changed || c
		}
		if !changed {
			return errNothingToCommit
		}
		return nil
	})
	if err != nil && !errors.Is(err, errNothingToCommit) {
		return fmt.Errorf("queue: settle for %s: %w", uplink, err)
	}
	return nil
}

// checkOutcomes refuses an outcome with an unknown result before anything
// is written.
func checkOutcomes(outcomes []Outcome) error {
	for _, o := range outcomes {
		if o.Result < Delivered || o.Result > Withdrawn {
			return fmt.Errorf("settle seq %d: unknown result %d", o.Seq, o.Result)
		}
	}
	return nil
}

// settle records outcomes within tx.
func (s *Store) settle(tx *bolt.Tx, uplink string, outcomes []Outcome, now time.Time) error {
	for _, o := range outcomes {
		if _, err := s.settleOne(tx, uplink, o, now); err != nil {
			return err
		}
	}
	return nil
}

// settleOne records one outcome within tx; changed is false when its
// record was settled before (or is dead, held or quarantined meanwhile).
func (s *Store) settleOne(tx *bolt.Tx, uplink string, o Outcome, now time.Time) (changed bool, err error) {
	ub := tx.Bucket(uplinkBucket(uplink))
	meta := tx.Bucket(bucketMeta)
	k := itob(o.Seq)
	v := ub.Get(k)
	if v == nil {
		return false, nil // already settled
	}
	st := decodeState(v)
	if st.State == stateDead || st.State == stateHeld || st.State == stateQuarantined || finished(st.State) {
		return false, nil
	}
	if o.MaybeStored && o.Result != Delivered {
		st.Uncertain = true // kept through dead, held and pending alike
	}
	switch o.Result {
	case Delivered:
		if err := ub.Delete(k); err != nil {
			return false, err
		}
		if err := putReceipt(tx, uplink, o); err != nil {
			return false, err
		}
		if err := s.noteDelivered(tx, k, now); err != nil {
			return false, err
		}
		if err := addCounter(meta, counterKey(uplink, statePending), -1); err != nil {
			return false, err
		}
		if err := addCounter(meta, counterKey(uplink, stateDone), 1); err != nil {
			return false, err
		}
		return true, meta.Put([]byte(counterKey(uplink, "last_delivery")), []byte(now.UTC().Format(time.RFC3339Nano)))
	case NotSent:
		s.hand.arm(uplink, false) // failing: new records wait as pending
		st.State = statePending
	case RetryLater:
		s.hand.arm(uplink, false)
		st.State = statePending
		st.Attempts++
		st.Msg = o.Msg
	case MaybeSent:
		s.hand.arm(uplink, false)
		st.State = statePending
		st.Attempts++
		st.Uncertain = true
		st.Msg = o.Msg
	case Rejected:
		st.State = stateDead
		st.Attempts++
		st.Msg = o.Msg
		if err := addCounter(meta, counterKey(uplink, statePending), -1); err != nil {
			return false, err
		}
		if err := addCounter(meta, counterKey(uplink, stateDead), 1); err != nil {
			return false, err
		}
	case Withdrawn:
		st.State, st.Msg, st.Since = stateWithdrawn, o.Msg, now.UTC()
		if err := ub.Put(k, encodeState(st)); err != nil {
			return false, err
		}
		if err := moveCounter(meta, uplink, statePending, stateWithdrawn); err != nil {
			return false, err
		}
		return true, s.noteDelivered(tx, k, now)
	case Held:
		st.State = stateHeld
		st.Msg = o.Msg
		if err := moveCounter(meta, uplink, statePending, stateHeld); err != nil {
			return false, err
		}
	default:
		return false, fmt.Errorf("settle seq %d: unknown result %d", o.Seq, o.Result)
	}
	st.Since = now.UTC()
	if err := ub.Put(k, encodeState(st)); err != nil {
		return false, err
	}
	if o.Msg != "" {
		if err := putJSON(meta, []byte(counterKey(uplink, "last_error")), lastError{At: now.UTC(), Msg: o.Msg}); err != nil {
			return false, err
		}
	}
	return true, nil
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
	if uplink != "" && !s.knowsUplink(uplink) {
		return nil, fmt.Errorf("%w: %q", ErrUnknownUplink, uplink)
	}
	var out []Item
	err := s.db.View(func(tx *bolt.Tx) error {
		recs := tx.Bucket(bucketRecords)
		for name := range s.everyUplink() {
			if uplink != "" && name != uplink {
				continue
			}
			c := tx.Bucket(uplinkBucket(name)).Cursor()
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
				out = append(out, Item{Record: r, Uplink: name, State: st.State, Attempts: st.Attempts, Msg: st.Msg, Since: st.Since})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("queue: list: %w", err)
	}
	return out, nil
}
