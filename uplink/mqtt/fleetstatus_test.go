package mqtt

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"stampclock/uplink/mqtt/mqtttest"
)

// testClock is a clock the test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func retainedJSON[T any](t *testing.T, b *mqtttest.Broker, topic string) (T, bool) {
	t.Helper()
	var v T
	m, ok := b.Retained(topic)
	if !ok {
		return v, false
	}
	if err := json.Unmarshal(m.Payload, &v); err != nil {
		t.Fatalf("%s: %s: %v", topic, m.Payload, err)
	}
	return v, true
}

// The online status carries its time, the connection's start, the
// intervals, reader health and the store alarm; the retained …/seen keeps
// the last time the terminal was heard of after the Last Will replaced the
// status; the Will says connection_lost and a clean stop says shutdown with
// its time.
func TestStatus_WillAndShutdownReasons_SeenAndTimes(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	p := mqtttest.StartProxy(t, b.Addr())
	s := newStore(t, 0)
	clk := &testClock{t: base}
	statusTopic, seenTopic := "stampclock/"+device+"/status", "stampclock/"+device+"/seen"
	run := start(t, s, Options{
		URLs: []string{p.URL()}, Version: "2.0.0", StatusMinGap: 10 * time.Millisecond,
		StatusInterval: 45 * time.Second, KeepAlive: 20 * time.Second, Now: clk.Now,
		Status: func() Status {
			return Status{Reader: &Reader{OK: false, LastError: "chip not answering"}, StoreAlarm: "store moved aside",
				Clock: &Clock{Now: clk.Now(), Synced: false, Untrusted: 3}}
		},
	})
	eventually(t, 10*time.Second, "online status and seen", func() bool {
		st, _ := retainedJSON[Status](t, b, statusTopic)
		seen, _ := retainedJSON[Status](t, b, seenTopic)
		return st.Online && seen.At.Equal(base)
	})
	st, _ := retainedJSON[Status](t, b, statusTopic)
	if !st.At.Equal(base) || !st.OnlineSince.Equal(base) || st.StatusInterval != 45 || st.KeepAlive != 20 ||
		st.Reader == nil || st.Reader.OK || st.Reader.LastError != "chip not answering" ||
		st.StoreAlarm != "store moved aside" || st.Clock == nil || st.Clock.Untrusted != 3 || st.Reason != "" {
		t.Fatalf("online status %+v", st)
	}
	// A later refresh moves the status's and seen's times, not online_since.
	later := base.Add(2 * time.Minute)
	clk.Set(later)
	run.c.StatusChanged()
	eventually(t, 10*time.Second, "seen moved on", func() bool {
		seen, _ := retainedJSON[Status](t, b, seenTopic)
		return seen.At.Equal(later) && seen.Online && seen.DeviceID == device && seen.StatusInterval == 45 && seen.StoreAlarm != ""
	})
	p.Cut()
	var willMsg mqtttest.Message
	if !b.WaitFor(10*time.Second, func(ms []mqtttest.Message) bool {
		for _, m := range ms {
			if m.Will && m.Topic == statusTopic {
				willMsg = m
				return true
			}
		}
		return false
	}) {
		t.Fatal("no Last Will on the status topic")
	}
	var will Status
	if err := json.Unmarshal(willMsg.Payload, &will); err != nil || !willMsg.Retain {
		t.Fatalf("will %s retained=%v: %v", willMsg.Payload, willMsg.Retain, err)
	}
	if will.Reason != ReasonConnectionLost || !will.At.IsZero() || !will.OnlineSince.Equal(base) || will.Version != "2.0.0" || will.StatusInterval != 45 {
		t.Fatalf("will %+v", will)
	}
	// The lost connection makes the client reconnect (at once: the clock
	// still says later); the new connection has its own online_since.
	run.c.StatusChanged()
	eventually(t, 10*time.Second, "online again", func() bool {
		st, _ := retainedJSON[Status](t, b, statusTopic)
		return st.Online && st.OnlineSince.Equal(later)
	})
	stop := later.Add(time.Minute)
	clk.Set(stop)
	run.stop()
	bye, _ := retainedJSON[Status](t, b, statusTopic)
	if bye.Online || bye.Reason != ReasonShutdown || !bye.At.Equal(stop) {
		t.Fatalf("goodbye %+v, want shutdown at %s", bye, stop)
	}
}

// Discovery is off by default and, when configured, publishes retained
// configs for every sensor on the documented topics, each reading the
// status topic.
func TestHomeAssistant_DiscoveryTopicsAndPayloads(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	s := newStore(t, 0)
	off := start(t, s, Options{URLs: []string{b.URL()}, DeviceID: "off-1", StatusMinGap: 10 * time.Millisecond})
	eventually(t, 10*time.Second, "status of off-1", func() bool { _, ok := b.Retained("stampclock/off-1/status"); return ok })
	off.stop()
	for _, m := range b.Messages() {
		if strings.HasPrefix(m.Topic, "homeassistant/") {
			t.Fatalf("discovery published without being configured: %s", m.Topic)
		}
	}

	start(t, s, Options{URLs: []string{b.URL()}, DeviceID: "door.1", Version: "3.1", TopicPrefix: "site/berlin",
		HomeAssistantPrefix: "homeassistant", StatusInterval: 60 * time.Second, KeepAlive: 30 * time.Second})
	want := []string{
		"homeassistant/binary_sensor/stampclock_door_1/clock_synced/config",
		"homeassistant/binary_sensor/stampclock_door_1/reader_problem/config",
		"homeassistant/binary_sensor/stampclock_door_1/store_alarm/config",
		"homeassistant/sensor/stampclock_door_1/dead/config",
		"homeassistant/sensor/stampclock_door_1/held/config",
		"homeassistant/sensor/stampclock_door_1/last_delivery/config",
		"homeassistant/sensor/stampclock_door_1/pending/config",
	}
	eventually(t, 10*time.Second, "every discovery config retained", func() bool {
		for _, topic := range want {
			if _, ok := b.Retained(topic); !ok {
				return false
			}
		}
		return true
	})
	var got []string
	for _, m := range b.Messages() {
		if strings.HasPrefix(m.Topic, "homeassistant/") {
			got = append(got, m.Topic)
			if !m.Retain {
				t.Errorf("%s not retained", m.Topic)
			}
		}
	}
	slices.Sort(got)
	if got = slices.Compact(got); !slices.Equal(got, want) {
		t.Fatalf("discovery topics %v, want %v", got, want)
	}
	for _, topic := range want {
		m, _ := b.Retained(topic)
		var raw map[string]any
		if err := json.Unmarshal(m.Payload, &raw); err != nil {
			t.Fatal(err)
		}
		object := strings.Split(topic, "/")[3]
		dev, _ := raw["device"].(map[string]any)
		ids, _ := dev["identifiers"].([]any)
		for key, wantV := range map[string]any{
			"state_topic":           "site/berlin/door.1/status",
			"availability_topic":    "site/berlin/door.1/status",
			"availability_template": "{{ 'online' if value_json.online else 'offline' }}",
			"payload_available":     "online",
			"payload_not_available": "offline",
			"unique_id":             "stampclock_door_1_" + object,
			"expire_after":          float64(120),
		} {
			if raw[key] != wantV {
				t.Errorf("%s: %s = %v, want %v", topic, key, raw[key], wantV)
			}
		}
		if tmpl, _ := raw["value_template"].(string); !strings.Contains(tmpl, "value_json.") {
			t.Errorf("%s: value_template %q reads no status field", topic, tmpl)
		}
		if dev["sw_version"] != "3.1" || len(ids) != 1 || ids[0] != "stampclock_door_1" {
			t.Errorf("%s: device %v", topic, dev)
		}
	}
	var pending DiscoveryConfig
	m, _ := b.Retained(want[6])
	json.Unmarshal(m.Payload, &pending)
	if pending.ValueTemplate != "{{ value_json.uplinks | default([]) | map(attribute='pending') | sum }}" || pending.StateClass != "measurement" {
		t.Fatalf("pending sensor %+v", pending)
	}
	var alarm DiscoveryConfig
	m, _ = b.Retained(want[2])
	json.Unmarshal(m.Payload, &alarm)
	if alarm.DeviceClass != "problem" {
		t.Fatalf("store alarm sensor %+v", alarm)
	}
}

func TestOptions_BadHomeAssistantPrefix(t *testing.T) {
	_, err := New(Options{URLs: []string{"tcp://127.0.0.1:1883"}, DeviceID: "d", HomeAssistantPrefix: "home/#"})
	if err == nil || !strings.Contains(err.Error(), "homeassistant prefix") {
		t.Fatalf("err = %v", err)
	}
}
