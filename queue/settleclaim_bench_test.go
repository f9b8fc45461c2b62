package queue

import (
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkSettleAndClaim_NothingToClaim measures a runner's look at its
// queue after a tap while it holds 150 confirmations (a second of taps in a
// row): nothing is claimable, so nothing is written. It holds the store's
// writer lock for its whole run, and runs after every tap; applying the
// confirmations only to roll them back cost 1.6 ms here.
func BenchmarkSettleAndClaim_NothingToClaim(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "q.db"), Options{Uplinks: []UplinkSpec{{Name: "u"}}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var held []Outcome
	if _, err := s.Update(func(tx *Tx) error {
		for i := 0; i < 150; i++ {
			r, err := tx.Append(Record{Kind: KindEntry, At: t0, Email: "a@x", Start: t0, End: t0})
			if err != nil {
				return err
			}
			held = append(held, Outcome{Seq: r.Seq, Result: Delivered})
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Claim("u", 1000, t0); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		claims, settled, err := s.SettleAndClaim("u", held, nil, 256, t0)
		if err != nil || settled || len(claims) != 0 {
			b.Fatalf("claims %d, settled %v, err %v", len(claims), settled, err)
		}
	}
}

// BenchmarkSettleAndClaim_Backlog measures a runner draining a backlog the
// way it does with confirmations held: each commit settles one batch of
// 256 and claims the next, passing over the batch being sent. It reports
// the cost per record (store CPU and fsyncs, beside the sending).
func BenchmarkSettleAndClaim_Backlog(b *testing.B) {
	const batch, batches = 256, 8
	s, err := Open(filepath.Join(b.TempDir(), "q.db"), Options{Uplinks: []UplinkSpec{{Name: "u"}}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if _, err := s.Update(func(tx *Tx) error {
			for j := 0; j < batch*batches; j++ {
				at := t0.Add(time.Duration(j) * time.Minute)
				if _, err := tx.Append(Record{Kind: KindEntry, At: at, ClockSynced: true, StartSynced: true, UID: "B0000001",
					Email: "e1@example.com", Start: at.Add(-8 * time.Hour), End: at, StartSeq: uint64(2*j + 1), StopSeq: uint64(2*j + 2)}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		var held []Outcome
		var busy []uint64
		for {
			claims, settled, err := s.SettleAndClaim("u", held, busy, batch, t0)
			if err != nil {
				b.Fatal(err)
			}
			if settled {
				held = held[:0]
			}
			for _, q := range busy {
				held = append(held, Outcome{Seq: q, Result: Delivered})
			}
			busy = busy[:0]
			for _, c := range claims {
				if c.Reconcile {
					b.Fatalf("seq %d claimed to reconcile: a batch was left in flight", c.Record.Seq)
				}
				busy = append(busy, c.Record.Seq)
			}
			if len(claims) == 0 {
				if err := s.Settle("u", held, t0); err != nil {
					b.Fatal(err)
				}
				break
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch*batches)/1e3, "µs/record")
}
