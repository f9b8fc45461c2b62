package daemon

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"stampclock/device/clock"
	"stampclock/queue"
	"stampclock/reader/mfrc522"
	"stampclock/reader/mfrc522/mfrc522test"
	"stampclock/uplink/mqtt"
	"stampclock/uplink/mqtt/mqtttest"
)

// The retained MQTT status carries the reader's health and the clock's
// trust: a chip that stops answering shows as reader.ok false with the
// error, and records made on an unsynchronised clock are counted.
func TestDaemon_MQTTStatus_ReaderHealthAndClockTrust(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	h := newHarness(t)
	chip := mfrc522test.New()
	r, err := mfrc522.New(chip, chip.Reset(), nil, mfrc522.Options{PollInterval: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Time{})
	clk.Reboot("boot-1", time.Date(2019, 1, 1, 0, 0, 30, 0, time.UTC)) // not synchronised
	h.startWith(h.config(mqttSection(b.URL(), "")), Options{Clock: clk, Source: r, HealthPoll: 10 * time.Millisecond})
	retained := func() mqtt.Status {
		var s mqtt.Status
		if m, ok := b.Retained("stampclock/test-terminal/status"); ok {
			if err := json.Unmarshal(m.Payload, &s); err != nil {
				t.Fatal(err)
			}
		}
		return s
	}
	if err := chip.Present(mfrc522test.Card{UID: []byte{0x04, 0xA1, 0xB2, 0xC3}}); err != nil {
		t.Fatal(err)
	}
	h.eventually("start punch", func() bool { return h.status().Taps.Starts == 1 })
	h.eventually("status: reader ok, clock untrusted, one untrusted record", func() bool {
		s := retained()
		return s.Online && s.Reader != nil && s.Reader.OK && s.Clock != nil && !s.Clock.Synced && s.Clock.Untrusted == 1 && s.StoreAlarm == ""
	})
	chip.SetDead(true)
	h.eventually("status: reader failing with its error", func() bool {
		s := retained()
		return s.Reader != nil && !s.Reader.OK && s.Reader.LastError != ""
	})
}

// A damaged store moved aside raises the store alarm in the retained MQTT
// status, naming where the damaged file went.
func TestDaemon_MQTTStatus_StoreAlarm(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	h := newHarness(t)
	cfg := h.config(mqttSection(b.URL(), ""))
	if err := os.WriteFile(cfg.Store.Path, []byte(strings.Repeat("damaged ", 4096)), 0o600); err != nil {
		t.Fatal(err)
	}
	h.startWith(cfg, Options{CheckStore: func(p string) error { return queue.CheckFile(p, time.Second) }})
	moved := h.status().StoreAlarm
	if moved == nil {
		t.Fatal("no store alarm")
	}
	h.eventually("store alarm in the retained status", func() bool {
		m, ok := b.Retained("stampclock/test-terminal/status")
		if !ok {
			return false
		}
		var s mqtt.Status
		if err := json.Unmarshal(m.Payload, &s); err != nil {
			t.Fatal(err)
		}
		return s.Online && strings.Contains(s.StoreAlarm, moved.MovedTo)
	})
}
