package queue

import (
	"fmt"
)

// The site's taps and the ledger are pruned together, a stretch of one
// employee's taps with the ledger rows of the entries paired from them, in
// one transaction (package device/sitetaps decides what is done with).
// These are the store's parts of it.

// DeleteSiteTaps deletes taps, all or none: ok is false, and nothing is
// deleted, when one of them is not held, lies above its origin's
// watermark (deleting it would open a gap a peer's replay fills again) or
// is one of self's own taps the broker has not confirmed.
func (t *Tx) DeleteSiteTaps(taps []SiteTap, self string) (ok bool, err error) {
	tb, index, origins, err := t.siteTapBuckets()
	if err != nil {
		return false, err
	}
	held := map[string]SiteTapOrigin{}
	for _, st := range taps {
		o, seen := held[st.Origin]
		if !seen {
			if o, err = getSiteTapOrigin(origins, st.Origin); err != nil {
				return false, err
			}
		}
		if tb.Get(siteTapKey(st.Origin, st.Seq)) == nil || st.Seq > o.Contiguous || (st.Origin == self && st.Seq > o.Published) {
			return false, nil
		}
		held[st.Origin] = o
	}
	for _, st := range taps {
		if err := tb.Delete(siteTapKey(st.Origin, st.Seq)); err != nil {
			return false, err
		}
		if err := index.Delete(siteTapIndexKey(st)); err != nil {
			return false, err
		}
		o := held[st.Origin]
		o.Held--
		o.Pruned = max(o.Pruned, st.Seq)
		held[st.Origin] = o
	}
	for origin, o := range held {
		if err := putJSON(origins, []byte(origin), o); err != nil {
			return false, err
		}
	}
	return true, nil
}

// DeleteSiteEntry removes e from the ledger. The counts of delivered and
// retracted site entries stay: they count what this terminal did.
func (t *Tx) DeleteSiteEntry(e SiteEntry) error {
	b := t.tx.Bucket(bucketSiteEntries)
	if b == nil {
		return nil
	}
	if err := b.Delete(append(siteEntryPrefix(e.Email), e.ID...)); err != nil {
		return fmt.Errorf("queue: delete site entry %s: %w", e.ID, err)
	}
	return nil
}

// Outstanding returns an uplink whose queue still holds record seq and
// the record's state there ("pending", "inflight", "held", "dead",
// "quarantined"); "" when every uplink is done with it: delivered,
// withdrawn or never queued. An uplink no longer configured counts too.
func (t *Tx) Outstanding(seq uint64) (uplink, state string) {
	k := itob(seq)
	for name := range t.s.everyUplink() {
		if v := t.tx.Bucket(uplinkBucket(name)).Get(k); v != nil {
			if st := decodeState(v); !finished(st.State) {
				return name, st.State
			}
		}
	}
	return "", ""
}
