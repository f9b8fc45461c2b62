package queue

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The site's taps (shared shifts, package device/sitetaps) live in three
// buckets, created on first use so stores of terminals without shared
// shifts never carry them:
//
//   - site_taps: origin NUL seq(8) -> the SiteTap as JSON;
//   - site_tap_index: lower(email) NUL at(8, Unix ns) origin NUL seq(8) ->
//     nothing, so an employee's taps in a time window are one cursor walk
//     (emails compared case-insensitively, as the ledger does);
//   - site_tap_origins: origin -> SiteTapOrigin as JSON: what is held of
//     each origin.
var (
	bucketSiteTaps       = []byte("site_taps")
	bucketSiteTapIndex   = []byte("site_tap_index")
	bucketSiteTapOrigins = []byte("site_tap_origins")
)

// SiteTapOrigin is what the store holds of one origin's taps.
type SiteTapOrigin struct {
	Origin string `json:"origin"`
	// Contiguous is the watermark: every tap 1..Contiguous was stored
	// (old ones may have been pruned since).
	Contiguous uint64 `json:"contiguous"`
	// Highest is the highest seq stored; above Contiguous there are gaps.
	Highest uint64 `json:"highest"`
	// Held counts the taps stored now.
	Held uint64 `json:"held"`
	// Published (the terminal's own origin only) is the seq up to which
	// the broker confirmed the taps, published in seq order.
	Published uint64 `json:"published,omitempty"`
	// Conflicts counts taps received with a (origin, seq) already held
	// with other content; the held one was kept.
	Conflicts uint64 `json:"conflicts,omitempty"`
}

// PutResult is what PutSiteTap did.
type PutResult int

// Results of PutSiteTap.
const (
	SiteTapStored    PutResult = iota // new: stored
	SiteTapDuplicate                  // held already, same content
	SiteTapConflict                   // held already with other content: kept, counted
)

func siteTapKey(origin string, seq uint64) []byte {
	k := make([]byte, 0, len(origin)+9)
	k = append(k, origin...)
	k = append(k, 0)
	return append(k, itob(seq)...)
}

func siteTapEmailPrefix(email string) []byte {
	return append([]byte(strings.ToLower(email)), 0)
}

func siteTapIndexKey(st SiteTap) []byte {
	k := make([]byte, 0, len(st.Email)+len(st.Origin)+18)
	k = append(k, siteTapEmailPrefix(st.Email)...)
	k = append(k, itob(unixNano(st.At))...)
	return append(k, siteTapKey(st.Origin, st.Seq)...)
}

// validSiteTap checks what keys are built from.
func validSiteTap(st SiteTap) error {
	switch {
	case st.Origin == "" || bytes.IndexByte([]byte(st.Origin), 0) >= 0:
		return fmt.Errorf("queue: site tap origin %q", st.Origin)
	case st.Seq == 0:
		return fmt.Errorf("queue: site tap %s: seq 0", st.Origin)
	case st.Email == "" || bytes.IndexByte([]byte(st.Email), 0) >= 0:
		return fmt.Errorf("queue: site tap %s:%d: email %q", st.Origin, st.Seq, st.Email)
	case unixNano(st.At) == 0 || unixNano(st.At) >= math.MaxInt64-1:
		return fmt.Errorf("queue: site tap %s:%d: time %s", st.Origin, st.Seq, st.At)
	}
	return nil
}

func (t *Tx) siteTapBuckets() (taps, index, origins *bolt.Bucket, err error) {
	for _, b := range []struct {
		name []byte
		to   **bolt.Bucket
	}{{bucketSiteTaps, &taps}, {bucketSiteTapIndex, &index}, {bucketSiteTapOrigins, &origins}} {
		if *b.to, err = t.tx.CreateBucketIfNotExists(b.name); err != nil {
			return nil, nil, nil, err
		}
	}
	return taps, index, origins, nil
}

// SiteTapOrigin returns what is held of origin's taps (zero if nothing).
func (t *Tx) SiteTapOrigin(origin string) (SiteTapOrigin, error) {
	return getSiteTapOrigin(t.tx.Bucket(bucketSiteTapOrigins), origin)
}

func getSiteTapOrigin(b *bolt.Bucket, origin string) (SiteTapOrigin, error) {
	o := SiteTapOrigin{Origin: origin}
	if b == nil {
		return o, nil
	}
	data := b.Get([]byte(origin))
	if data == nil {
		return o, nil
	}
	if err := json.Unmarshal(data, &o); err != nil {
		return o, fmt.Errorf("queue: site tap origin %s: %w", origin, err)
	}
	return o, nil
}

// SiteTapOrigins returns every origin held, in origin order.
func (t *Tx) SiteTapOrigins() ([]SiteTapOrigin, error) {
	b := t.tx.Bucket(bucketSiteTapOrigins)
	if b == nil {
		return nil, nil
	}
	var out []SiteTapOrigin
	err := b.ForEach(func(k, v []byte) error {
		var o SiteTapOrigin
		if err := json.Unmarshal(v, &o); err != nil {
			return fmt.Errorf("queue: site tap origin %s: %w", k, err)
		}
		out = append(out, o)
		return nil
	})
	return out, err
}

// AppendSiteTap stores st as the next tap of its origin (the terminal's
// own): its Seq is set to one above the origin's highest. At is stored in
// UTC.
func (t *Tx) AppendSiteTap(st SiteTap) (SiteTap, error) {
	o, err := t.SiteTapOrigin(st.Origin)
	if err != nil {
		return st, err
	}
	st.Seq = o.Highest + 1
	res, err := t.PutSiteTap(st)
	if err == nil && res != SiteTapStored {
		err = fmt.Errorf("queue: site tap %s:%d held already", st.Origin, st.Seq)
	}
	return st, err
}

// PutSiteTap stores a site tap, idempotent by (Origin, Seq): a tap held
// already is never overwritten; with other content it is counted as a
// conflict (the caller logs it). At is stored in UTC.
func (t *Tx) PutSiteTap(st SiteTap) (PutResult, error) {
	if err := validSiteTap(st); err != nil {
		return 0, err
	}
	st.At = st.At.UTC()
	taps, index, origins, err := t.siteTapBuckets()
	if err != nil {
		return 0, err
	}
	o, err := getSiteTapOrigin(origins, st.Origin)
	if err != nil {
		return 0, err
	}
	key := siteTapKey(st.Origin, st.Seq)
	if old := taps.Get(key); old != nil || st.Seq <= o.Contiguous {
		if old == nil {
			// Pruned after it was paired: it was held, so a copy
			// arriving again is a duplicate.
			return SiteTapDuplicate, nil
		}
		var held SiteTap
		if err := json.Unmarshal(old, &held); err != nil {
			return 0, fmt.Errorf("queue: site tap %s:%d: %w", st.Origin, st.Seq, err)
		}
		if held.Equal(st) {
			return SiteTapDuplicate, nil
		}
		o.Conflicts++
		return SiteTapConflict, putJSON(origins, []byte(st.Origin), o)
	}
	if err := putJSON(taps, key, st); err != nil {
		return 0, err
	}
	if err := index.Put(siteTapIndexKey(st), nil); err != nil {
		return 0, err
	}
	o.Held++
	o.Highest = max(o.Highest, st.Seq)
	for o.Contiguous < o.Highest && taps.Get(siteTapKey(st.Origin, o.Contiguous+1)) != nil {
		o.Contiguous++
	}
	return SiteTapStored, putJSON(origins, []byte(st.Origin), o)
}

// Equal reports whether t and u are the same tap with the same content.
func (st SiteTap) Equal(u SiteTap) bool {
	return st.Origin == u.Origin && st.Seq == u.Seq && st.At.Equal(u.At) && st.Email == u.Email && st.UID == u.UID
}

// SiteTap returns the tap (origin, seq), if held.
func (t *Tx) SiteTap(origin string, seq uint64) (SiteTap, bool, error) {
	b := t.tx.Bucket(bucketSiteTaps)
	if b == nil {
		return SiteTap{}, false, nil
	}
	data := b.Get(siteTapKey(origin, seq))
	if data == nil {
		return SiteTap{}, false, nil
	}
	var st SiteTap
	if err := json.Unmarshal(data, &st); err != nil {
		return SiteTap{}, false, fmt.Errorf("queue: site tap %s:%d: %w", origin, seq, err)
	}
	return st, true, nil
}

// EachSiteTapOf calls fn with origin's taps held with from <= seq <= to,
// in seq order, until fn returns false.
func (t *Tx) EachSiteTapOf(origin string, from, to uint64, fn func(SiteTap) bool) error {
	b := t.tx.Bucket(bucketSiteTaps)
	if b == nil {
		return nil
	}
	c := b.Cursor()
	end := siteTapKey(origin, to)
	for k, v := c.Seek(siteTapKey(origin, from)); k != nil && bytes.Compare(k, end) <= 0; k, v = c.Next() {
		var st SiteTap
		if err := json.Unmarshal(v, &st); err != nil {
			return fmt.Errorf("queue: site tap %q: %w", k, err)
		}
		if !fn(st) {
			return nil
		}
	}
	return nil
}

// SiteTapEmails returns the employees (emails in lower case) with taps
// held, in order.
func (t *Tx) SiteTapEmails() ([]string, error) {
	index := t.tx.Bucket(bucketSiteTapIndex)
	if index == nil {
		return nil, nil
	}
	var out []string
	c := index.Cursor()
	for k, _ := c.First(); k != nil; {
		i := bytes.IndexByte(k, 0)
		if i < 0 {
			return out, fmt.Errorf("queue: site tap index key %q", k)
		}
		out = append(out, string(k[:i]))
		k, _ = c.Seek(append(append([]byte(nil), k[:i]...), 1))
	}
	return out, nil
}

// SiteTapsOf returns email's taps (email compared case-insensitively) with from <= At <= to, ordered by time
// (then origin and seq).
func (t *Tx) SiteTapsOf(email string, from, to time.Time) ([]SiteTap, error) {
	var out []SiteTap
	err := t.walkSiteTapsOf(email, from, to, false, func(st SiteTap) bool {
		out = append(out, st)
		return true
	})
	return out, err
}

// EachSiteTapBefore calls fn with email's taps (compared
// case-insensitively) with At <= to, newest
// first, until fn returns false.
func (t *Tx) EachSiteTapBefore(email string, to time.Time, fn func(SiteTap) bool) error {
	return t.walkSiteTapsOf(email, time.Unix(0, 0), to, true, fn)
}

func (t *Tx) walkSiteTapsOf(email string, from, to time.Time, reverse bool, fn func(SiteTap) bool) error {
	index, taps := t.tx.Bucket(bucketSiteTapIndex), t.tx.Bucket(bucketSiteTaps)
	if index == nil || taps == nil {
		return nil
	}
	prefix := siteTapEmailPrefix(email)
	lo := append(append([]byte(nil), prefix...), itob(unixNano(from))...)
	// hi is just above every key of time to.
	hi := append(append([]byte(nil), prefix...), itob(unixNano(to)+1)...)
	c := index.Cursor()
	var k []byte
	if reverse {
		if k, _ = c.Seek(hi); k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
	} else {
		k, _ = c.Seek(lo)
	}
	for k != nil && bytes.Compare(k, lo) >= 0 && bytes.Compare(k, hi) < 0 {
		data := taps.Get(k[len(prefix)+8:])
		if data == nil {
			return fmt.Errorf("queue: site tap index %q: no tap", k)
		}
		var st SiteTap
		if err := json.Unmarshal(data, &st); err != nil {
			return fmt.Errorf("queue: site tap %q: %w", k[len(prefix)+8:], err)
		}
		if !fn(st) {
			return nil
		}
		if reverse {
			k, _ = c.Prev()
		} else {
			k, _ = c.Next()
		}
	}
	return nil
}

// unixNano is t in Unix nanoseconds, clamped to what the index holds
// (UnixNano is undefined past the year 2262).
func unixNano(t time.Time) uint64 {
	switch {
	case t.Before(time.Unix(0, 0)):
		return 0
	case t.After(time.Unix(0, math.MaxInt64-1)):
		return math.MaxInt64 - 1
	}
	return uint64(t.UnixNano())
}

// SkipSiteTapsBelow moves origin's watermark to at least first-1: the
// taps below first are no longer asked for (the origin pruned them). It
// returns the origin's state after.
func (t *Tx) SkipSiteTapsBelow(origin string, first uint64) (SiteTapOrigin, error) {
	taps, _, origins, err := t.siteTapBuckets()
	if err != nil {
		return SiteTapOrigin{}, err
	}
	o, err := getSiteTapOrigin(origins, origin)
	if err != nil || first <= o.Contiguous+1 {
		return o, err
	}
	o.Contiguous = first - 1
	o.Highest = max(o.Highest, o.Contiguous)
	for taps.Get(siteTapKey(origin, o.Contiguous+1)) != nil {
		o.Contiguous++
		o.Highest = max(o.Highest, o.Contiguous)
	}
	return o, putJSON(origins, []byte(origin), o)
}

// MarkSiteTapsPublished notes that the broker confirmed origin's taps up
// to seq (published in seq order).
func (t *Tx) MarkSiteTapsPublished(origin string, seq uint64) error {
	_, _, origins, err := t.siteTapBuckets()
	if err != nil {
		return err
	}
	o, err := getSiteTapOrigin(origins, origin)
	if err != nil {
		return err
	}
	if seq <= o.Published {
		return nil
	}
	o.Published = min(seq, o.Highest)
	return putJSON(origins, []byte(origin), o)
}

// PruneSiteTaps deletes up to limit site taps older than before that are
// done with: below their origin's watermark (so no gap appears), for the
// own origin (self) published, and not kept by keep, which the pairing
// answers (false once the tap is paired and its entry delivered). A tap
// that keep holds back is never deleted.
func (s *Store) PruneSiteTaps(before time.Time, self string, limit int, keep func(*Tx, SiteTap) (bool, error)) (int, error) {
	n := 0
	err := s.db.Update(func(btx *bolt.Tx) error {
		n = 0
		taps, index, origins := btx.Bucket(bucketSiteTaps), btx.Bucket(bucketSiteTapIndex), btx.Bucket(bucketSiteTapOrigins)
		if taps == nil || index == nil || origins == nil {
			return nil
		}
		tx := &Tx{tx: btx, s: s}
		held := map[string]SiteTapOrigin{}
		var doomed []SiteTap
		c := taps.Cursor()
		for k, v := c.First(); k != nil && len(doomed) < limit; k, v = c.Next() {
			var st SiteTap
			if err := json.Unmarshal(v, &st); err != nil {
				continue // kept: a damaged tap is looked at by a person
			}
			o, ok := held[st.Origin]
			if !ok {
				var err error
				if o, err = getSiteTapOrigin(origins, st.Origin); err != nil {
					return err
				}
				held[st.Origin] = o
			}
			if !st.At.Before(before) || st.Seq > o.Contiguous || (st.Origin == self && st.Seq > o.Published) {
				continue
			}
			if keep != nil {
				k, err := keep(tx, st)
				if err != nil {
					return err
				}
				if k {
					continue
				}
			}
			doomed = append(doomed, st)
		}
		for _, st := range doomed {
			if err := taps.Delete(siteTapKey(st.Origin, st.Seq)); err != nil {
				return err
			}
			if err := index.Delete(siteTapIndexKey(st)); err != nil {
				return err
			}
			o := held[st.Origin]
			o.Held--
			held[st.Origin] = o
		}
		for origin, o := range held {
			if err := putJSON(origins, []byte(origin), o); err != nil {
				return err
			}
		}
		n = len(doomed)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("queue: prune site taps: %w", err)
	}
	return n, nil
}
