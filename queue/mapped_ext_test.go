package queue_test

import (
	"reflect"
	"sync"
	"testing"
	"time"

	"stampclock/queue"
	"stampclock/queue/queuetest"
)

// TestQuarantineScan_ReleasedPages_ReadAndWrittenAgain walks the whole
// store with the record check (which drops the store's pages from the
// process's map) while other goroutines read, then reads every record again,
// writes more, and leaves the file to queuetest's consistency check.
func TestQuarantineScan_ReleasedPages_ReadAndWrittenAgain(t *testing.T) {
	s := queuetest.Open(t, queue.Options{NoSync: true, Uplinks: []queue.UplinkSpec{{Name: "u", Kinds: []queue.Kind{queue.KindEntry}}}})
	at := time.Date(2026, 1, 5, 7, 0, 0, 0, time.UTC)
	appendN := func(from, n int) {
		t.Helper()
		if _, err := s.Update(func(tx *queue.Tx) error {
			for i := from; i < from+n; i++ {
				st := at.Add(time.Duration(i) * time.Minute)
				if _, err := tx.Append(queue.Record{Kind: queue.KindEntry, At: st.Add(time.Hour), UID: "B0000000", Email: "e0@example.com", Start: st, End: st.Add(time.Hour)}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	const n = 20_000
	appendN(0, n)
	before, err := s.Records(0, 2*n, nil)
	if err != nil || len(before) != n {
		t.Fatalf("Records: %d, %v; want %d", len(before), err, n)
	}
	// Readers in other goroutines while the scan drops the pages they read.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				got, err := s.Records(0, 2*n, nil)
				if err != nil || !reflect.DeepEqual(got, before) {
					t.Errorf("concurrent read: %d records, %v; want the %d written", len(got), err, n)
					return
				}
			}
		})
	}
	for after := uint64(0); ; {
		next, q, err := s.QuarantineScan(after, 1000, at)
		if err != nil || q != 0 {
			t.Fatalf("QuarantineScan after %d: quarantined %d, %v", after, q, err)
		}
		if next == 0 {
			break
		}
		after = next
	}
	close(stop)
	wg.Wait()
	again, err := s.Records(0, 2*n, nil)
	if err != nil || !reflect.DeepEqual(again, before) {
		t.Fatalf("after release: %d records, %v; want the %d written, unchanged", len(again), err, n)
	}
	// Writes after the release: the file grows (bbolt maps it again) and
	// every record, old and new, reads back.
	appendN(n, n)
	all, err := s.Records(0, 3*n, nil)
	if err != nil || len(all) != 2*n || !reflect.DeepEqual(all[:n], before) {
		t.Fatalf("after release and %d more appends: %d records, %v", n, len(all), err)
	}
	if _, _, err := s.QuarantineScan(0, 3*n, at); err != nil {
		t.Fatal(err)
	}
	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Uplinks) != 1 || st.Uplinks[0].Pending != 2*n {
		t.Fatalf("stats after release: %+v; want %d pending", st.Uplinks, 2*n)
	}
}
