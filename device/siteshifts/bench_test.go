package siteshifts

import (
	"math/rand/v2"
	"testing"
	"time"

	"stampclock/queue"
)

// BenchmarkPair_10000Taps pairs one employee's 10,000 site taps (about
// five years of four taps a day) from three doors, given in random order:
// what the settler does for an employee whenever taps arrive.
func BenchmarkPair_10000Taps(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	taps := make([]queue.SiteTap, 0, 10000)
	seqs := map[string]uint64{}
	at := day
	for i := range 10000 {
		step := []time.Duration{4 * time.Hour, 30 * time.Minute, 4 * time.Hour, 15*time.Hour + 30*time.Minute}[i%4]
		at = at.Add(step + time.Duration(rng.IntN(600))*time.Second)
		o := []string{"front", "warehouse", "yard"}[rng.IntN(3)]
		seqs[o]++
		taps = append(taps, queue.SiteTap{Origin: o, Seq: seqs[o], At: at, Email: anna})
	}
	rng.Shuffle(len(taps), func(i, j int) { taps[i], taps[j] = taps[j], taps[i] })
	b.ReportAllocs()
	var res Result
	for b.Loop() {
		res = Pair(taps, rules)
	}
	b.ReportMetric(float64(len(res.Entries)), "entries")
}
