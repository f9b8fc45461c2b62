package agent

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"stampclock/device/clock"
	"stampclock/device/feedback/feedbacktest"
	"stampclock/queue"
	"stampclock/reader"
)

// BenchmarkTapLatency measures tap → committed (fsync) → feedback through
// the real agent and store, interleaved with a bare bbolt commit of the same
// number of bytes on the same disk, and reports p50/p99 of both and the
// p99 ratio. Run with -benchtime Nx (e.g. 2000x).
func BenchmarkTapLatency(b *testing.B) {
	dir := b.TempDir()
	s, err := queue.Open(filepath.Join(dir, "q.db"), queue.Options{Uplinks: []queue.UplinkSpec{{Name: "rest", Kinds: []queue.Kind{queue.KindEntry}}}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	bare, err := bolt.Open(filepath.Join(dir, "bare.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer bare.Close()
	const employees = 50
	var badges []Badge
	for i := 0; i < employees; i++ {
		badges = append(badges, Badge{UID: fmt.Sprintf("%08X", i), Email: fmt.Sprintf("e%d@example.com", i)})
	}
	fb := feedbacktest.NewRecorder()
	a := New(s, Options{Clock: clock.NewFake(time.Date(2026, 1, 5, 7, 0, 0, 0, time.UTC)), Feedback: fb, Badges: badges})

	// Size the bare commit like an average tap's commit: measure one.
	start := time.Date(2026, 1, 5, 7, 0, 0, 0, time.UTC)
	ours := make([]time.Duration, 0, b.N)
	base := make([]time.Duration, 0, b.N)
	payload := make([]byte, 600)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		uid, _ := reader.ParseUID(badges[i%employees].UID)
		at := start.Add(time.Duration(i/employees) * 2 * time.Hour)
		t0 := time.Now()
		o := a.HandleTap(reader.Tap{UID: uid, At: at, Given: true})
		ours = append(ours, time.Since(t0))
		if o.Err != nil {
			b.Fatal(o.Err)
		}
		t0 = time.Now()
		err := bare.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("r"))
			if err != nil {
				return err
			}
			seq, _ := bk.NextSequence()
			k := binary.BigEndian.AppendUint64(nil, seq)
			return bk.Put(k, payload)
		})
		base = append(base, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	p := func(d []time.Duration, q float64) float64 {
		slices.Sort(d)
		return float64(d[int(q*float64(len(d)-1))].Microseconds())
	}
	b.ReportMetric(p(ours, 0.5), "tap-p50-µs")
	b.ReportMetric(p(ours, 0.99), "tap-p99-µs")
	b.ReportMetric(p(base, 0.5), "bare-p50-µs")
	b.ReportMetric(p(base, 0.99), "bare-p99-µs")
	b.ReportMetric(p(ours, 0.99)/p(base, 0.99), "p99-ratio")
}
