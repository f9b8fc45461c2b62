package queue

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestReleaseMapped_WritableTx_Refused(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "q.db"), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.db.Update(releaseMapped)
	if !errors.Is(err, errWritableTx) {
		t.Fatalf("releaseMapped in a write transaction: %v, want %v", err, errWritableTx)
	}
	if err := s.db.View(releaseMapped); err != nil {
		t.Fatalf("releaseMapped in a read transaction: %v", err)
	}
}

// mappedRssKB returns the resident size of this process's map of path,
// from /proc/self/smaps.
func mappedRssKB(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in, total := false, 0
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			in = strings.HasSuffix(line, path)
			continue
		}
		if in && fields[0] == "Rss:" {
			n, err := strconv.Atoi(fields[1])
			if err != nil {
				t.Fatalf("smaps: %q: %v", line, err)
			}
			total += n
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return total
}

func TestQuarantineScan_DropsScannedPagesFromMap(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("pages are released with madvise on Linux only")
	}
	path := filepath.Join(t.TempDir(), "q.db")
	s, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2026, 1, 5, 7, 0, 0, 0, time.UTC)
	if _, err := s.Update(func(tx *Tx) error {
		for i := range 5000 {
			st := at.Add(time.Duration(i) * time.Minute)
			if _, err := tx.Append(Record{Kind: KindEntry, At: st.Add(time.Hour), UID: "B0000000", Email: "e0@example.com", Start: st, End: st.Add(time.Hour)}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// A walk that does not release: the store's pages stay resident.
	if err := s.db.View(readEveryPage); err != nil {
		t.Fatal(err)
	}
	walked := mappedRssKB(t, path)
	if walked < 1024 {
		t.Fatalf("after a walk over 5,000 records %d KiB of the store are resident; want over 1 MiB (is the smaps parse right?)", walked)
	}
	next, n, err := s.QuarantineScan(0, 10_000, at)
	if err != nil || next != 0 || n != 0 {
		t.Fatalf("QuarantineScan: next %d, quarantined %d, err %v", next, n, err)
	}
	if after := mappedRssKB(t, path); after > walked/4 {
		t.Errorf("after the record check %d KiB of the store are resident (%d KiB before): its pages were not released", after, walked)
	}
}

// Opening a store written before the entry index existed reads every
// record to build it; those pages do not stay in the map either.
func TestOpen_BuildingEntryIndex_DropsPagesFromMap(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("pages are released with madvise on Linux only")
	}
	path := filepath.Join(t.TempDir(), "q.db")
	s, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 5, 7, 0, 0, 0, time.UTC)
	if _, err := s.Update(func(tx *Tx) error {
		for i := range 5000 {
			st := at.Add(time.Duration(i) * time.Minute)
			if _, err := tx.Append(Record{Kind: KindEntry, At: st.Add(time.Hour), UID: "B0000000", Email: "e0@example.com", Start: st, End: st.Add(time.Hour)}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// As a store from before the index.
	if err := s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketEntryIndex); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Delete([]byte(metaEntryIndex))
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	opened := mappedRssKB(t, path)
	if got, err := s.Entries("e0@example.com", at, at.Add(24*time.Hour)); err != nil || len(got) != 1440 {
		t.Fatalf("entries of the first day after the index was built: %d, %v; want 1440", len(got), err)
	}
	if err := s.db.View(readEveryPage); err != nil {
		t.Fatal(err)
	}
	if walked := mappedRssKB(t, path); opened > walked/4 {
		t.Errorf("after Open built the entry index %d KiB of the store are resident (a walk: %d KiB): its pages were not released", opened, walked)
	}
}
