package queue

import (
	"path/filepath"
	"testing"
	"time"
)

// fillEntries appends n entries of 10 employees, one a minute, in
// transactions of 1,000 (NoSync: the cost of the index, not of fsync).
func fillEntries(b *testing.B, s *Store, n int) {
	b.Helper()
	t0 := time.Date(2026, 1, 1, 7, 0, 0, 0, time.UTC)
	emails := []string{"a@x", "b@x", "c@x", "d@x", "e@x", "f@x", "g@x", "h@x", "i@x", "j@x"}
	for i := 0; i < n; i += 1000 {
		if _, err := s.Update(func(tx *Tx) error {
			for j := i; j < i+1000 && j < n; j++ {
				at := t0.Add(time.Duration(j) * time.Minute)
				if _, err := tx.Append(Record{Kind: KindEntry, At: at, ClockSynced: true, StartSynced: true, Email: emails[j%len(emails)], Start: at.Add(-8 * time.Hour), End: at}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendEntries measures appending 100,000 entries (with their
// index) to a fresh store and reports the cost per entry.
func BenchmarkAppendEntries(b *testing.B) {
	const n = 100_000
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		s, err := Open(filepath.Join(b.TempDir(), "q.db"), Options{NoSync: true, Uplinks: []UplinkSpec{{Name: "rest"}}})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		fillEntries(b, s, n)
		total += time.Since(start)
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N*n), "ns/entry")
}

// BenchmarkEntries_OneDayOf100k measures a day total's read: one
// employee's entries of one day in a store of 100,000 entries.
func BenchmarkEntries_OneDayOf100k(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "q.db"), Options{NoSync: true, Uplinks: []UplinkSpec{{Name: "rest"}}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	fillEntries(b, s, 100_000)
	day := time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC) // in the middle of the store
	b.ResetTimer()
	for b.Loop() {
		got, err := s.Entries("c@x", day, day.Add(24*time.Hour))
		if err != nil || len(got) == 0 {
			b.Fatalf("%d entries, %v", len(got), err)
		}
	}
}
