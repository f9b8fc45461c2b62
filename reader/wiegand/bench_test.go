package wiegand

import (
	"testing"
	"time"

	"stampclock/reader/wiegand/wiegandtest"
)

// BenchmarkDecoder decodes a generated pulse train of mixed 26/34/37-bit
// frames with jitter (standing in for a recorded trace) and reports frames/s.
func BenchmarkDecoder(b *testing.B) {
	for _, edges := range []Edges{EdgesFalling, EdgesBoth} {
		b.Run(string(edges), func(b *testing.B) {
			g := wiegandtest.New(wiegandtest.Options{BothEdges: edges == EdgesBoth, Jitter: 400 * time.Microsecond, Seed: 9})
			var frames []string
			for i := range 300 {
				h37, _ := wiegandtest.H10304(uint16(i), uint32(i*997))
				frames = append(frames, wiegandtest.H10301(uint8(i), uint16(i*31)), wiegandtest.H10306(uint16(i), uint16(i)), h37)
			}
			evs := g.Train(40*time.Millisecond, frames...)
			d, err := NewDecoder(Options{D0: 0, D1: 1, Edges: edges})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			// Each round replays the trace later in time and sequence, as
			// if the reader kept going.
			span := evs[len(evs)-1].Timestamp + time.Second
			n, round := 0, 0
			for b.Loop() {
				for _, ev := range evs {
					ev.Timestamp += time.Duration(round) * span
					ev.Seqno += uint32(round * len(evs))
					if _, ok, err := d.Feed(ev); ok && err == nil {
						n++
					}
				}
				if _, ok, err := d.Flush(); ok && err == nil {
					n++
				}
				round++
			}
			if n != round*len(frames) {
				b.Fatalf("decoded %d frames, want %d", n, round*len(frames))
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}
