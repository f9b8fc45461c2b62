package queue

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketSiteEntries is the ledger of shifts across terminals: per
// employee and site entry id, what this terminal wrote for it (package
// device/siteshifts decides). Key lower(email) 0x00 id, so one employee's
// entries are one prefix; value a SiteEntry as JSON. It is created on
// first use, so stores of terminals without shared shifts never carry it.
var bucketSiteEntries = []byte("siteentries")

// Ledger counters in the meta bucket: status never scans the ledger.
const (
	counterSiteDelivered = "siteentries.delivered"
	counterSiteRetracted = "siteentries.retracted"
)

// States of a SiteEntry.
const (
	// SiteDelivered: the entry (or missing_stop event) record was
	// appended and queued for the uplinks.
	SiteDelivered = "delivered"
	// SiteRetracted: a retraction record withdrew it.
	SiteRetracted = "retracted"
)

// SiteEntry is what this terminal did about one site entry it delivers
// (its stop was tapped here) or one missing stop it reports (its start
// was tapped here).
type SiteEntry struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	// Kind is KindEntry, or KindEvent for a missing stop.
	Kind Kind `json:"kind"`
	// Seq is the entry (or event) record appended for it.
	Seq   uint64 `json:"seq"`
	State string `json:"state"`
	// RetractSeq is the retraction record, once retracted.
	RetractSeq uint64 `json:"retract_seq,omitempty"`
	// Start and End are the entry's (End is zero for a missing stop).
	Start time.Time `json:"start"`
	End   time.Time `json:"end,omitzero"`
}

func siteEntryPrefix(email string) []byte {
	return append([]byte(strings.ToLower(email)), 0)
}

// SiteEntries returns the ledger of email (compared case-insensitively)
// by site entry id.
func (t *Tx) SiteEntries(email string) (map[string]SiteEntry, error) {
	out := map[string]SiteEntry{}
	b := t.tx.Bucket(bucketSiteEntries)
	if b == nil {
		return out, nil
	}
	prefix := siteEntryPrefix(email)
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var e SiteEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, fmt.Errorf("queue: site entry %q: %w", k, err)
		}
		out[e.ID] = e
	}
	return out, nil
}

// PutSiteEntry stores e in the ledger and keeps the counts of delivered
// and retracted site entries.
func (t *Tx) PutSiteEntry(e SiteEntry) error {
	if e.ID == "" || e.Email == "" {
		return fmt.Errorf("queue: site entry %q of %q: id and email required", e.ID, e.Email)
	}
	if e.State != SiteDelivered && e.State != SiteRetracted {
		return fmt.Errorf("queue: site entry %s: state %q", e.ID, e.State)
	}
	b, err := t.tx.CreateBucketIfNotExists(bucketSiteEntries)
	if err != nil {
		return err
	}
	key := append(siteEntryPrefix(e.Email), e.ID...)
	meta := t.tx.Bucket(bucketMeta)
	if old := b.Get(key); old != nil {
		var o SiteEntry
		if json.Unmarshal(old, &o) == nil {
			if err := addCounter(meta, siteCounter(o.State), -1); err != nil {
				return err
			}
		}
	}
	if err := addCounter(meta, siteCounter(e.State), 1); err != nil {
		return err
	}
	return putJSON(b, key, e)
}

func siteCounter(state string) string {
	if state == SiteRetracted {
		return counterSiteRetracted
	}
	return counterSiteDelivered
}

// SiteEntryCounts returns how many site entries (and missing stops) the
// ledger holds as delivered and as retracted.
func (s *Store) SiteEntryCounts() (delivered, retracted uint64, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		delivered, retracted = getCounter(meta, counterSiteDelivered), getCounter(meta, counterSiteRetracted)
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("queue: site entry counts: %w", err)
	}
	return delivered, retracted, nil
}

// withdraw takes what a retraction r withdraws out of the store's read
// side, in the transaction that appends r: the entry leaves the entry
// index (day totals no longer count it, a reconciling sender no longer
// takes it for a twin on the receiver), a missing stop leaves the
// anomalies. The record itself stays, as every record does.
func withdraw(tx *bolt.Tx, r Record) error {
	if r.Kind != KindRetract || r.Retracts == 0 {
		return nil
	}
	if err := tx.Bucket(bucketAnomalies).Delete(itob(r.Retracts)); err != nil {
		return err
	}
	// The entry's own record may be pruned; the retraction carries what
	// its index key is made of.
	return unindexEntry(tx, Record{Kind: KindEntry, Seq: r.Retracts, Email: r.Email, Start: r.Start})
}
