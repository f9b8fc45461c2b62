package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"stampclock/device/control"
	"stampclock/device/daemon"
	"stampclock/uplink/mqtt/mqtttest"
	"stampclock/uplink/zeiterfassung/zeittest"
)

// TestStampd_CrashLoop200_ExactlyOnceRESTAtLeastOnceMQTT runs 200 cycles of
// SIGKILL at random moments during bursts of taps, while the Zeiterfassung
// server and the MQTT broker go down and come back at random. In the end
// every acknowledged pair is on the server exactly once, and every
// acknowledged punch reached the broker at least once, redeliveries only
// with the same idempotency key.
func TestStampd_CrashLoop200_ExactlyOnceRESTAtLeastOnceMQTT(t *testing.T) {
	cycles := 200
	if testing.Short() {
		cycles = 20
	}
	const pairs = 150
	e := newEnv(t, pairs)
	broker := mqtttest.Start(t, mqtttest.Options{})
	e.appendConfig(fmt.Sprintf("[device]\nid = \"crash\"\n[mqtt]\nurls = [%q]\nstatus_interval = \"1s\"\n", broker.URL()))
	rng := rand.New(rand.NewPCG(11, 12))
	type tap struct{ uid, at string }
	var taps []tap
	base := time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC)
	for i := 0; i < pairs; i++ {
		uid := fmt.Sprintf("%08X", 0xB0000000+i)
		start := base.Add(time.Duration(i) * time.Minute)
		taps = append(taps, tap{uid, start.Format(time.RFC3339)}, tap{uid, start.Add(7 * time.Hour).Format(time.RFC3339)})
	}
	var ackedPunches []uint64
	next, punchesAcked := 0, 0
	restUp, brokerUp := true, true
	for c := 0; c < cycles; c++ {
		// Flap the receivers.
		if rng.IntN(3) == 0 {
			restUp = !restUp
			if restUp {
				e.zs.SetDown(zeittest.Up)
			} else {
				e.zs.SetDown(zeittest.DownClose)
			}
		}
		if rng.IntN(3) == 0 {
			if brokerUp {
				broker.Stop()
			} else if err := broker.Restart(); err != nil {
				t.Fatal(err)
			}
			brokerUp = !brokerUp
		}
		p := e.start()
		go func(p *proc, d time.Duration) {
			time.Sleep(d)
			p.cmd.Process.Signal(syscall.SIGKILL)
		}(p, time.Duration(rng.IntN(60))*time.Millisecond)
		for burst := rng.IntN(5); burst > 0 && next < len(taps); burst-- {
			var res daemon.TapResult
			if err := control.Call(context.Background(), e.socket, "tap", daemon.TapArgs{UID: taps[next].uid, At: taps[next].at}, &res); err != nil {
				break // killed mid-tap: unacknowledged, tapped again after the restart
			}
			switch res.Result {
			case "start_ok", "stop_ok":
				ackedPunches = append(ackedPunches, res.Seqs[0])
				punchesAcked++
				next++
			case "already_stamped": // committed before a kill, acknowledged only now
				next++
			default:
				t.Fatalf("tap %+v: %+v", taps[next], res)
			}
		}
		p.wait()
	}
	// Finish the taps and let everything drain with both receivers up.
	e.zs.SetDown(zeittest.Up)
	if !brokerUp {
		if err := broker.Restart(); err != nil {
			t.Fatal(err)
		}
	}
	e.start()
	for ; next < len(taps); next++ {
		var res daemon.TapResult
		if err := control.Call(context.Background(), e.socket, "tap", daemon.TapArgs{UID: taps[next].uid, At: taps[next].at}, &res); err != nil {
			t.Fatal(err)
		}
		if res.Result == "start_ok" || res.Result == "stop_ok" {
			ackedPunches = append(ackedPunches, res.Seqs[0])
		}
	}
	e.waitDelivered(0)
	deadline := time.Now().Add(60 * time.Second)
	for {
		s := e.status()
		if s.QueueDepth.Pending == 0 && len(e.zs.Entries()) == pairs {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not drained: %+v, server has %d of %d", s.QueueDepth, len(e.zs.Entries()), pairs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if d := e.zs.Duplicates(); len(d) != 0 {
		t.Fatalf("%d duplicates on the REST server after %d kills: %+v", len(d), cycles, d[0])
	}
	// MQTT: every acknowledged punch at least once; a key always carries the same record.
	seen := map[string]string{}
	redelivered := 0
	for _, m := range broker.Messages() {
		if !strings.HasSuffix(m.Topic, "/punch") {
			continue
		}
		var p struct {
			Key    string `json:"idempotency_key"`
			Seq    uint64 `json:"seq"`
			UID    string `json:"uid"`
			Action string `json:"action"`
			At     string `json:"at"`
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			t.Fatalf("payload %s: %v", m.Payload, err)
		}
		body := fmt.Sprintf("%d %s %s %s", p.Seq, p.UID, p.Action, p.At)
		if prev, dup := seen[p.Key]; dup {
			redelivered++
			if prev != body {
				t.Fatalf("key %s carried %q and %q", p.Key, prev, body)
			}
		}
		seen[p.Key] = body
	}
	for _, seq := range ackedPunches {
		if _, ok := seen[fmt.Sprintf("crash:%d", seq)]; !ok {
			t.Fatalf("acknowledged punch seq %d never reached the broker", seq)
		}
	}
	msg := fmt.Sprintf("crash loop: %d kill -9 cycles, %d punches acknowledged (%d during the cycles), %d entries on the REST server (0 lost, 0 duplicated), %d punches on the broker (%d redeliveries, same keys)",
		cycles, len(ackedPunches), punchesAcked, len(e.zs.Entries()), len(seen), redelivered)
	t.Log(msg)
	if f := os.Getenv("STAMPCLOCK_CRASHLOOP_REPORT"); f != "" {
		os.WriteFile(f, []byte(msg+"\n"), 0o644)
	}
}
