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
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSiteTapIndex).Delete(siteTapIndexKey(second))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	err = CheckRecords(path, time.Second)
	if !errors.Is(err, ErrUndecodable) || !strings.Contains(err.Error(), "tap door-a:2 missing from the employee index") {
		t.Fatalf("a tap without its index key: %v", err)
	}
}
