package daemon

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stampclock/queue"
	"stampclock/uplink/mqtt"
	"stampclock/uplink/mqtt/mqtttest"
	"stampclock/uplink/zeiterfassung/zeittest"
)

func mqttSection(url, extra string) string {
	return fmt.Sprintf("[mqtt]\nurls = [%q]\nstatus_interval = \"1s\"\n%s", url, extra)
}

func uplinkStats(s Status, name string) queue.UplinkStats {
	for _, u := range s.Queue.Uplinks {
		if u.Name == name {
			return u
		}
	}
	return queue.UplinkStats{}
}

// brokerConn is the MQTT uplink's connection in s, nil without one.
func brokerConn(s Status) *mqtt.ConnState {
	for _, u := range s.Uplinks {
		if u.Uplink == "mqtt" {
			return u.Conn
		}
	}
	return nil
}

// payloads returns the record payloads the broker received, by seq.
func payloads(t *testing.T, b *mqtttest.Broker) map[uint64]mqtt.Payload {
	t.Helper()
	out := map[uint64]mqtt.Payload{}
	for _, m := range b.Messages() {
		if strings.HasSuffix(m.Topic, "/status") || strings.HasSuffix(m.Topic, "/seen") {
			continue
		}
		var p mqtt.Payload
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			t.Fatalf("%s: %v", m.Topic, err)
		}
		if m.Topic != "stampclock/test-terminal/"+string(p.Kind) || p.IdempotencyKey != fmt.Sprintf("test-terminal:%d", p.Seq) {
			t.Fatalf("message on %s: %s", m.Topic, m.Payload)
		}
		out[p.Seq] = p
	}
	return out
}

func TestDaemon_BothUplinks_RESTDown_MQTTStillDelivers(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	h := newHarness(t)
	h.zs.SetDown(zeittest.DownClose)
	h.start(h.config(mqttSection(b.URL(), "")))
	h.tap("04A1B2C3", "2026-03-02T07:58:12+01:00")
	h.tap("DEADBEEF", "2026-03-02T08:00:00+01:00")
	h.tap("04A1B2C3", "2026-03-02T16:45:30+01:00")
	// start punch, unknown badge event, stop punch, entry: 4 records to MQTT.
	h.eventually("MQTT delivered all four records", func() bool { return uplinkStats(h.status(), "mqtt").Delivered == 4 })
	got := payloads(t, b)
	if len(got) != 4 || got[1].Kind != queue.KindPunch || got[1].Action != "start" || got[2].Kind != queue.KindEvent ||
		got[2].Event != queue.EventUnknownBadge {
		t.Fatalf("payloads = %+v", got)
	}
	st := h.status()
	z := uplinkStats(st, "zeiterfassung")
	if z.Pending != 1 || z.Delivered != 0 {
		t.Fatalf("zeiterfassung = %+v, want its entry pending while the server is down", z)
	}
	if brokerConn(st) == nil || !brokerConn(st).Connected || brokerConn(st).Broker != b.URL() {
		t.Fatalf("mqtt state = %+v", brokerConn(st))
	}
	// The retained status shows both uplinks' depth.
	h.eventually("retained status shows the REST backlog", func() bool {
		m, ok := b.Retained("stampclock/test-terminal/status")
		if !ok {
			return false
		}
		var s mqtt.Status
		if err := json.Unmarshal(m.Payload, &s); err != nil {
			t.Fatal(err)
		}
		var zs, ms mqtt.UplinkStatus
		for _, u := range s.Uplinks {
			switch u.Name {
			case "zeiterfassung":
				zs = u
			case "mqtt":
				ms = u
			}
		}
		return s.Online && s.Version == "test" && s.Clock != nil && zs.Pending == 1 && zs.LastError != "" && ms.Delivered == 4 && s.LastError != ""
	})
	h.zs.SetDown(zeittest.Up)
	h.eventually("REST delivered once back", func() bool { return uplinkStats(h.status(), "zeiterfassung").Delivered == 1 })
}

func TestDaemon_BrokerDown_RESTStillDelivers(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	b.Stop()
	h := newHarness(t)
	h.start(h.config(mqttSection(b.URL(), "")))
	h.tap("04A1B2C3", "2026-03-02T07:58:12+01:00")
	h.tap("04A1B2C3", "2026-03-02T16:45:30+01:00")
	h.eventually("REST delivered the entry", func() bool { return uplinkStats(h.status(), "zeiterfassung").Delivered == 1 })
	st := h.status()
	if m := uplinkStats(st, "mqtt"); m.Pending != 3 || brokerConn(st) == nil || brokerConn(st).Connected || brokerConn(st).LastError == "" {
		t.Fatalf("mqtt = %+v, state %+v", m, brokerConn(st))
	}
	if err := b.Restart(); err != nil {
		t.Fatal(err)
	}
	h.eventually("MQTT delivered once the broker is back", func() bool { return uplinkStats(h.status(), "mqtt").Delivered == 3 })
}

func TestDaemon_MQTTWrongPassword_ErrorInStatusNoSecret(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{Users: map[string]string{"term": "right"}})
	h := newHarness(t)
	pw := filepath.Join(h.dir, "mqtt.pw")
	if err := os.WriteFile(pw, []byte("wrong-but-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.start(h.config(mqttSection(b.URL(), fmt.Sprintf("username = \"term\"\npassword_file = %q\n", pw))))
	h.tap("DEADBEEF", "2026-03-02T08:00:00+01:00")
	h.eventually("credentials error in status", func() bool {
		st := h.status()
		return brokerConn(st) != nil && strings.Contains(brokerConn(st).LastError, "refused the credentials") && strings.Contains(uplinkStats(st, "mqtt").LastError, "refused the credentials")
	})
	raw, _ := json.Marshal(h.status())
	if strings.Contains(string(raw), "wrong-but-secret") {
		t.Fatal("password in status")
	}
	// The harness backs off 10ms doubling to 200ms (±20%): five more
	// refused attempts take at least four backoffs, 0.8 × (10+20+40+80) ms,
	// where a busy loop takes a few milliseconds.
	base := b.Refused()
	h.eventually("next refused attempt", func() bool { return b.Refused() > base })
	first := time.Now()
	h.eventually("5 more refused attempts", func() bool { return b.Refused() >= base+5 })
	if el := time.Since(first); el < 120*time.Millisecond {
		t.Fatalf("5 more connection attempts within %v: no backoff", el)
	}
}
