package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"stampclock/queue"
	"stampclock/uplink/zeiterfassung/zeittest"
)

// BenchmarkRSSQueued100k starts the built stampd on a store holding 100,000
// undelivered entries with the server down, lets it try to deliver, taps,
// asks for status, and reports its resident memory (VmRSS and the peak
// VmHWM). Target: ≤ 25 MB. Run with -benchtime 1x.
func BenchmarkRSSQueued100k(b *testing.B) {
	const records = 100_000
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		env := newEnv(b, 1)
		s, err := queue.Open(filepath.Join(env.dir, "q.db"), queue.Options{Uplinks: []queue.UplinkSpec{{Name: "zeiterfassung", Kinds: []queue.Kind{queue.KindEntry}}}})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Date(2025, 1, 1, 7, 0, 0, 0, time.UTC)
		for i := 0; i < records; i += 10_000 {
			_, err := s.Update(func(tx *queue.Tx) error {
				for j := i; j < i+10_000; j++ {
					st := start.Add(time.Duration(j) * time.Minute)
					if _, err := tx.Append(queue.Record{Kind: queue.KindEntry, At: st.Add(8 * time.Hour), ClockSynced: true, StartSynced: true, UID: "B0000000", Email: "e0@example.com", Start: st, End: st.Add(8 * time.Hour), StartSeq: uint64(j), StopSeq: uint64(j + 1)}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		s.Close()
		env.zs.SetDown(zeittest.DownClose)
		b.StartTimer()
		p := env.start()
		// Let it try to deliver against the down server first.
		deadline := time.Now().Add(time.Minute)
		for st := env.status(); len(st.Uplinks) == 0 || st.Uplinks[0].LastError == ""; st = env.status() {
			if time.Now().After(deadline) {
				b.Fatal("no failed delivery attempt within a minute")
			}
			time.Sleep(20 * time.Millisecond)
		}
		for i := 0; i < 10; i++ {
			env.ctl("tap", "B0000000", "--at", start.Add(time.Duration(records+i)*time.Hour).Format(time.RFC3339))
		}
		st := env.status()
		if st.QueueDepth.Pending < records {
			b.Fatalf("pending %d, want ≥ %d", st.QueueDepth.Pending, records)
		}
		m := procMemKB(b, p.cmd.Process.Pid)
		b.ReportMetric(float64(m["VmRSS"])/1024, "RSS-MB")
		b.ReportMetric(float64(m["VmHWM"])/1024, "peak-RSS-MB")
		// The store's pages stampd has touched through its mmap count in
		// VmRSS as RssFile: page cache the kernel takes back under memory
		// pressure. RssAnon is stampd's own memory.
		b.ReportMetric(float64(m["RssAnon"])/1024, "RssAnon-MB")
		b.ReportMetric(float64(m["RssFile"])/1024, "RssFile-MB")
	}
}

// procMemKB returns the memory figures of /proc/<pid>/status in KiB, by
// name without the colon (VmRSS, VmHWM, RssAnon, RssFile, ...).
func procMemKB(b *testing.B, pid int) map[string]int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	m := map[string]int{}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[2] == "kB" {
			v, _ := strconv.Atoi(f[1])
			m[strings.TrimSuffix(f[0], ":")] = v
		}
	}
	return m
}
