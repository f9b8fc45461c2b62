package queue

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestCheckRecords_SiteTaps_IndexAndCountsChecked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	var second SiteTap
	if _, err := s.Update(func(tx *Tx) error {
		if _, err := tx.AppendSiteTap(SiteTap{Origin: "door-a", At: at, Email: "anna@example.com", UID: "04"}); err != nil {
			return err
		}
		second, err = tx.AppendSiteTap(SiteTap{Origin: "door-a", At: at.Add(time.Hour), Email: "anna@example.com", UID: "04"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := CheckRecords(path, time.Second); err != nil {
		t.Fatalf("a sound store: %v", err)
	}
	// The second tap loses its index key: the check names it.
	writeRaw(t, path, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSiteTapIndex).Delete(siteTapIndexKey(second))
	})
	err = CheckRecords(path, time.Second)
	if !errors.Is(err, ErrUndecodable) || !strings.Contains(err.Error(), "tap door-a:2 missing from the employee index") {
		t.Fatalf("a tap without its index key: %v", err)
	}
}

func TestCheckRecords_SiteEntries_RowsChecked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	if _, err := s.Update(func(tx *Tx) error {
		return tx.PutSiteEntry(SiteEntry{ID: "door-a:1-door-b:1", Email: "Anna@example.com", Kind: KindEntry, Seq: 1,
			State: SiteDelivered, Start: at, End: at.Add(8 * time.Hour)})
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := CheckRecords(path, time.Second); err != nil {
		t.Fatalf("a sound ledger: %v", err)
	}
	writeRaw(t, path, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSiteEntries).Put([]byte("anna@example.com\x00door-a:2-door-b:2"), []byte("{not json"))
	})
	err = CheckRecords(path, time.Second)
	if !errors.Is(err, ErrUndecodable) || !strings.Contains(err.Error(), "site entries ledger: row") {
		t.Fatalf("a ledger row that cannot be decoded: %v", err)
	}
}
