package queue

import (
	"path/filepath"
	"testing"
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
