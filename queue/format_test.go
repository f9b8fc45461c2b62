package queue

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestOpen_RecordsStoreFormat(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "rest"})
	var f uint64
	s.db.View(func(tx *bolt.Tx) error {
		f = btoi(tx.Bucket(bucketMeta).Get([]byte(metaFormat)))
		return nil
	})
	if f != StoreFormat {
		t.Fatalf("format %d in a new store, want %d", f, StoreFormat)
	}
}

// A downgrade past a format change: the older stampd refuses the store as
// it is, saying why, and its checker does not call it damaged (which would
// move it aside and start with an empty queue).
func TestOpen_NewerFormat_RefusedUntouched(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "rest"})
	appendRecs(t, s, shift("a@x", t0, time.Hour))
	path := s.Path()
	s.Close()
	writeRaw(t, path, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put([]byte(metaFormat), itob(StoreFormat+1))
	})
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	_, err = Open(path, Options{Uplinks: []UplinkSpec{{Name: "rest"}}})
	if !errors.Is(err, ErrNewerStore) || !strings.Contains(err.Error(), "store format 2, this stampd reads format 1") {
		t.Fatalf("Open: %v, want ErrNewerStore naming both formats", err)
	}
	err = CheckFile(path, time.Second)
	if !errors.Is(err, ErrNewerStore) || errors.Is(err, ErrCorrupt) {
		t.Fatalf("CheckFile: %v, want ErrNewerStore, not ErrCorrupt", err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Fatal("the refused store was changed")
	}
}
