package queue

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// newestMeta returns the offset of the meta page with the higher txid.
func newestMeta(t *testing.T, data []byte) (newest, older int) {
	t.Helper()
	ps := int(binary.LittleEndian.Uint32(data[16+8:]))
	tx0 := binary.LittleEndian.Uint64(data[16+48:])
	tx1 := binary.LittleEndian.Uint64(data[ps+16+48:])
	if tx0 > tx1 {
		return 0, ps
	}
	return ps, 0
}

// Issue 11, defect 4: one flipped bit in the newest meta page makes bbolt
// open the previous state silently; the last acknowledged commit is gone.
// CheckCommits sees it.
func TestCheckCommits_FlippedBitInNewestMeta_LastCommitLostDetected(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	appendEntries(t, s, 3)
	s.Close()
	if err := CheckCommits(path); err != nil {
		t.Fatalf("sound store: %v", err)
	}
	data, _ := os.ReadFile(path)
	newest, older := newestMeta(t, data)
	for _, c := range []struct {
		name string
		off  int
		lost bool
	}{{"newest", newest, true}, {"older", older, false}} {
		d := append([]byte(nil), data...)
		d[c.off+16+20] ^= 0x04 // a bit of the root page id
		os.WriteFile(path, d, 0o640)
		err := CheckCommits(path)
		if err == nil || errors.Is(err, ErrCommitLost) != c.lost {
			t.Errorf("%s meta page damaged: err = %v, want lost=%v", c.name, err, c.lost)
		}
		if c.lost {
			// What bbolt does with it: the last entry is silently gone.
			s, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			recs, _ := s.Records(0, 10, nil)
			s.Close()
			if len(recs) != 2 {
				t.Fatalf("bbolt opened %d records, want the 2 of the older state", len(recs))
			}
			os.WriteFile(path, d, 0o640) // Open committed; put the damage back
		}
	}
	// Without an acknowledgement record a damaged meta page may have been
	// the newest: reported as possibly lost.
	os.Remove(AckPath(path))
	d := append([]byte(nil), data...)
	d[older+16+20] ^= 0x04
	os.WriteFile(path, d, 0o640)
	if err := CheckCommits(path); !errors.Is(err, ErrCommitLost) {
		t.Fatalf("no record: err = %v, want ErrCommitLost", err)
	}
}

func TestCheckCommits_StoreReplacedByOlderCopy_Detected(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	appendEntries(t, s, 1)
	s.Close()
	old, _ := os.ReadFile(path)
	s, _ = Open(path, Options{})
	appendEntries(t, s, 2)
	s.Close()
	os.WriteFile(path, old, 0o640)
	if err := CheckCommits(path); !errors.Is(err, ErrCommitLost) {
		t.Fatalf("older copy: err = %v, want ErrCommitLost", err)
	}
	if _, err := MoveAside(path, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(AckPath(path)); !os.IsNotExist(err) {
		t.Fatalf("acknowledgement record not moved with the store: %v", err)
	}
}
