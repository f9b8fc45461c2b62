package mqtt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// BenchmarkDrain10k_VsMosquittoPub drains 10,000 queued records to a local
// mosquitto and, in the same run against the same broker, times
// `mosquitto_pub -q 1 -l` publishing 10,000 messages of the same size. It
// reports both rates and their ratio (target: ratio ≥ 0.5).
//
//	go test -run '^$' -bench Drain10k -benchtime 3x ./uplink/mqtt
func BenchmarkDrain10k_VsMosquittoPub(b *testing.B) {
	const n = 10_000
	pub := need(b, "mosquitto_pub")
	m := startMosquitto(b, "")
	sample, _ := json.Marshal(NewPayload(device, withSeq(testRecord(1), 5000)))
	line := strings.Repeat("x", len(sample))
	lines := []byte(strings.Repeat(line+"\n", n))
	var ours, theirs time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := newStore(b, n)
		b.StartTimer()
		t0 := time.Now()
		run := start(b, s, Options{URLs: []string{m.URL()}, StatusInterval: time.Hour, Window: 256})
		for pendingOf(b, s, "mqtt") > 0 {
			time.Sleep(2 * time.Millisecond)
		}
		ours += time.Since(t0)
		b.StopTimer()
		run.stop()

		cmd := exec.Command(pub, "-h", "127.0.0.1", "-p", fmt.Sprint(m.Port), "-q", "1", "-t", "bench/"+device+"/entry", "-i", "bench-pub", "-l")
		cmd.Stdin = bytes.NewReader(lines)
		t1 := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("mosquitto_pub: %v\n%s", err, out)
		}
		theirs += time.Since(t1)
		b.StartTimer()
	}
	oursRate := float64(n*b.N) / ours.Seconds()
	theirRate := float64(n*b.N) / theirs.Seconds()
	b.ReportMetric(oursRate, "records/s")
	b.ReportMetric(theirRate, "mosquitto_pub_msgs/s")
	b.ReportMetric(oursRate/theirRate, "ratio")
	b.ReportMetric(float64(len(sample)), "payload_bytes")
	b.Logf("uplink %.0f records/s, mosquitto_pub -q 1 %.0f msgs/s, ratio %.2f (payload %d bytes, %d runs)", oursRate, theirRate, oursRate/theirRate, len(sample), b.N)
}
