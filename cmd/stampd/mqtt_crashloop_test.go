package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/device/control"
	"stampclock/device/daemon"
	"stampclock/uplink"
	"stampclock/uplink/mqtt/mqtttest"
)

// keyCounter is an MQTT subscriber on a device's record topics that counts
// the copies of every idempotency key it receives.
type keyCounter struct {
	mu     sync.Mutex
	copies map[string]int
	total  int
	c      paho.Client
}

func countKeys(t *testing.T, url, device string) *keyCounter {
	t.Helper()
	k := &keyCounter{copies: map[string]int{}}
	o := paho.NewClientOptions().AddBroker(url).SetClientID("key-counter").SetAutoReconnect(false).SetProtocolVersion(4)
	k.c = paho.NewClient(o)
	if tok := k.c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber connect: %v", tok.Error())
	}
	t.Cleanup(func() { k.c.Disconnect(0) })
	topics := map[string]byte{}
	for _, kind := range []string{"punch", "entry", "event"} {
		topics["stampclock/"+device+"/"+kind] = 1
	}
	tok := k.c.SubscribeMultiple(topics, func(_ paho.Client, m paho.Message) {
		var p struct {
			Key string `json:"idempotency_key"`
		}
		if err := json.Unmarshal(m.Payload(), &p); err != nil || p.Key == "" {
			t.Errorf("payload on %s without a key: %s", m.Topic(), m.Payload())
			return
		}
		k.mu.Lock()
		k.copies[p.Key]++
		k.total++
		k.mu.Unlock()
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	return k
}

// counts returns the messages and distinct keys received so far.
func (k *keyCounter) counts() (total, distinct int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.total, len(k.copies)
}

func (k *keyCounter) most() (string, int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	key, n := "", 0
	for kk, c := range k.copies {
		if c > n {
			key, n = kk, c
		}
	}
	return key, n
}

// The defect 6, against the real mosquitto: a backlog built while
// the broker was down drains through a loop of kill -9s. Each restart must
// resume where the broker's confirmations left off: every cycle brings new
// keys, and the copies a crash causes stay within the records that can be
// unconfirmed or uncommitted at once (the in-flight window plus two settle
// groups). Before the fix every restart began again at seq 1.
func TestMosquitto_KillNineLoopDuringDrain_ProgressAndBoundedCopies(t *testing.T) {
	bin := needTool(t, "mosquitto", "mosquitto")
	// The figures: 1,334 taps make 2,001 records; a kill once the
	// subscriber holds 1,000 more, which is more than a crash may cost.
	const taps, perCycle = 1334, 1000
	const window = 256 // the default mqtt.window
	bound := window + 2*uplink.MaxUnsettled
	e := newEnv(t, taps/2)
	m := mqtttest.StartMosquitto(t, bin, t.TempDir(), "allow_anonymous true\n")
	m.Kill() // the broker is down while the backlog builds
	e.appendConfig(fmt.Sprintf("[device]\nid = \"t1\"\n[mqtt]\nurls = [%q]\nstatus_interval = \"1s\"\n", m.URL()))
	p := e.start()
	base := time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC)
	for i := 0; i < taps; i++ {
		uid := fmt.Sprintf("%08X", 0xB0000000+i/2)
		at := base.Add(time.Duration(i/2) * time.Minute)
		if i%2 == 1 {
			at = at.Add(7 * time.Hour)
		}
		var res daemon.TapResult
		if err := control.Call(context.Background(), e.socket, "tap", daemon.TapArgs{UID: uid, At: at.Format(time.RFC3339)}, &res); err != nil {
			t.Fatal(err)
		}
		if res.Result != "start_ok" && res.Result != "stop_ok" {
			t.Fatalf("tap %d: %+v", i, res)
		}
	}
	var backlog uint64
	for _, u := range e.status().Queue.Uplinks {
		if u.Name == "mqtt" {
			backlog = u.Pending
		}
	}
	p.cmd.Process.Kill()
	p.wait()
	m.Start()
	keys := countKeys(t, m.URL(), "t1")

	kills, stalls, lastDistinct := 0, 0, 0
	for cycle := 0; cycle < 20; cycle++ {
		before, _ := keys.counts()
		p := e.start()
		deadline := time.Now().Add(60 * time.Second)
		for {
			total, distinct := keys.counts()
			if total-before >= perCycle || uint64(distinct) >= backlog {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("cycle %d: only %d messages in 60s", cycle, total-before)
			}
			time.Sleep(time.Millisecond)
		}
		p.cmd.Process.Kill()
		p.wait()
		kills++
		if _, distinct := keys.counts(); uint64(distinct) >= backlog {
			break // every record reached the broker; the last kill's copies come with the final run
		}
		_, distinct := keys.counts()
		if distinct <= lastDistinct {
			stalls++ // this restart brought no key that had not arrived before
		}
		lastDistinct = distinct
	}
	e.start()
	deadline := time.Now().Add(60 * time.Second)
	for {
		s := e.status()
		var pending, delivered uint64
		for _, u := range s.Queue.Uplinks {
			if u.Name == "mqtt" {
				pending, delivered = u.Pending, u.Delivered
			}
		}
		_, distinct := keys.counts()
		if pending == 0 && uint64(distinct) >= delivered && delivered >= backlog {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not drained: mqtt pending %d delivered %d, %d distinct keys of %d", pending, delivered, distinct, backlog)
		}
		time.Sleep(20 * time.Millisecond)
	}
	total, distinct := keys.counts()
	copies := total - distinct
	key, most := keys.most()
	perCrash := 0
	if kills > 0 {
		perCrash = copies / kills
	}
	msg := fmt.Sprintf("mqtt crash loop: %d records backlog, %d kill -9 while draining (one per %d messages), %d restarts without progress, %d messages for %d keys: %d copies, %d per crash (bound %d), most copies of one key %d (%s)",
		backlog, kills, perCycle, stalls, total, distinct, copies, perCrash, bound, most, key)
	t.Log(msg)
	if kills == 0 {
		t.Fatal("the backlog drained before the first kill: nothing measured")
	}
	if stalls > 0 {
		t.Fatalf("%d restarts made no progress", stalls)
	}
	if copies > kills*bound {
		t.Fatalf("%d copies after %d crashes: more than %d per crash", copies, kills, bound)
	}
	if f := os.Getenv("STAMPCLOCK_CRASHLOOP_REPORT"); f != "" {
		old, _ := os.ReadFile(f)
		os.WriteFile(f, []byte(strings.TrimSpace(string(old)+"\n"+msg)+"\n"), 0o644)
	}
}
