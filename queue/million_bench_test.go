package queue

import (
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkMillionRecords fills a store with 1,000,000 undelivered entries
// (weeks offline), then drains them through Claim/Settle as an uplink would,
// and reports the rates, the file size and how long Stats takes on the full
// store (it must not scan). Run with -benchtime 1x.
func BenchmarkMillionRecords(b *testing.B) {
	const n, perTx, batch = 1_000_000, 10_000, 256
	for it := 0; it < b.N; it++ {
		path := filepath.Join(b.TempDir(), "q.db")
		s, err := Open(path, Options{Uplinks: []UplinkSpec{{Name: "rest", Kinds: []Kind{KindEntry}}}})
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Date(2026, 1, 1, 7, 0, 0, 0, time.UTC)
		start := time.Now()
		for i := 0; i < n; i += perTx {
			_, err := s.Update(func(tx *Tx) error {
				for j := i; j < i+perTx; j++ {
					at := t0.Add(time.Duration(j) * time.Minute)
					if _, err := tx.Append(Record{Kind: KindEntry, At: at, ClockSynced: true, StartSynced: true, UID: "04A1B2C3", Email: "maier@example.com", Start: at.Add(-8 * time.Hour), End: at}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		fill := time.Since(start)
		start = time.Now()
		st, err := s.Stats()
		if err != nil || st.Uplinks[0].Pending != n {
			b.Fatalf("stats: %+v %v", st.Uplinks, err)
		}
		statsTime := time.Since(start)
		start = time.Now()
		drained := 0
		for {
			cl, err := s.Claim("rest", batch, t0)
			if err != nil {
				b.Fatal(err)
			}
			if len(cl) == 0 {
				break
			}
			out := make([]Outcome, len(cl))
			for i, c := range cl {
				out[i] = Outcome{Seq: c.Record.Seq, Result: Delivered}
			}
			if err := s.Settle("rest", out, t0); err != nil {
				b.Fatal(err)
			}
			drained += len(cl)
		}
		drain := time.Since(start)
		if drained != n {
			b.Fatalf("drained %d", drained)
		}
		b.ReportMetric(float64(n)/fill.Seconds(), "appends/s")
		b.ReportMetric(float64(n)/drain.Seconds(), "claim+settle/s")
		b.ReportMetric(float64(st.FileBytes)/1e6, "file-MB")
		b.ReportMetric(float64(statsTime.Microseconds()), "stats-µs")
		s.Close()
	}
}
