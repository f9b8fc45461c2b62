package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"stampclock/device/config"
	"stampclock/device/control"
	"stampclock/internal/mqttschema"
	"stampclock/uplink/mqtt/mqtttest"
	"stampclock/uplink/zeiterfassung/zeittest"
)

// Each entry of status.uplinks carries its uplink's runner state, queue
// share and (MQTT) connection, matched by name, and the JSON keeps the
// fields scripts read before the queue share was added.
func TestStatus_UplinkEntriesCarryAllTheirFactsByName(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	h := newHarness(t)
	h.zs.SetDown(zeittest.DownClose)
	h.start(h.config(mqttSection(b.URL(), "")))
	h.tap("04A1B2C3", "2026-03-02T07:58:12+01:00")
	h.tap("04A1B2C3", "2026-03-02T16:45:30+01:00")
	// Start and stop punch and the entry to MQTT; the entry to REST.
	h.eventually("MQTT delivered three records and REST failed", func() bool {
		st := h.status()
		var mqttDone, zeitFailed bool
		for _, e := range st.Uplinks {
			mqttDone = mqttDone || e.Uplink == "mqtt" && e.Queue.Delivered == 3
			zeitFailed = zeitFailed || e.Uplink == "zeiterfassung" && e.Queue.LastError != "" && e.Failures > 0
		}
		return mqttDone && zeitFailed
	})

	st := h.status()
	if len(st.Uplinks) != 2 || len(st.Queue.Uplinks) != 2 {
		t.Fatalf("uplinks = %+v, queue uplinks = %+v, want two of each", st.Uplinks, st.Queue.Uplinks)
	}
	for _, e := range st.Uplinks {
		if e.Queue.Name != e.Uplink {
			t.Errorf("entry %q holds the queue share of %q", e.Uplink, e.Queue.Name)
		}
		if want := uplinkStats(st, e.Uplink); e.Queue != want {
			t.Errorf("entry %q: queue share %+v, queue.uplinks says %+v", e.Uplink, e.Queue, want)
		}
		switch e.Uplink {
		case "mqtt":
			if e.Conn == nil || !e.Conn.Connected || e.Conn.Broker != b.URL() || e.Queue.Pending != 0 {
				t.Errorf("mqtt entry = %+v, connection %+v", e, e.Conn)
			}
		case "zeiterfassung":
			if e.Conn != nil || e.Queue.Pending != 1 || e.LastError == "" {
				t.Errorf("zeiterfassung entry = %+v, want one pending, a last error and no connection", e)
			}
		default:
			t.Errorf("unexpected uplink %q", e.Uplink)
		}
	}

	var raw struct {
		Uplinks []map[string]json.RawMessage `json:"uplinks"`
	}
	if err := control.Call(context.Background(), h.socket, "status", nil, &raw); err != nil {
		t.Fatal(err)
	}
	for _, e := range raw.Uplinks {
		for _, key := range []string{"uplink", "state", "consecutive_failures", "delivered_since_start", "rejected_since_start", "queue"} {
			if _, ok := e[key]; !ok {
				t.Errorf("status JSON entry %s lacks %q", e["uplink"], key)
			}
		}
	}
}

// A technician takes [zeiterfassung] out of the config (or replaces it by
// another uplink) while an entry waits for it: after the restart, status
// still shows the entry, under the uplink marked not configured, and
// counts it in the queue's depth. Before, status said pending 0.
func TestStatus_UplinkRemovedFromConfig_WaitingEntryStillShown(t *testing.T) {
	h := newHarness(t)
	h.entryWaitingForZeit("")
	h.start(h.configWithoutZeit(""))
	st := h.status()
	if st.QueueDepth.Pending != 1 {
		t.Errorf("queue depth pending = %d, want 1", st.QueueDepth.Pending)
	}
	var found bool
	for _, e := range st.Uplinks {
		if e.Uplink == "zeiterfassung" {
			found = true
			if e.State != StateUnconfigured || !e.Queue.Unconfigured || e.Queue.Pending != 1 {
				t.Errorf("zeiterfassung entry = %+v, want state %q with its entry pending", e, StateUnconfigured)
			}
		}
	}
	if !found {
		t.Errorf("status uplinks = %+v, want zeiterfassung (not configured) with one pending", st.Uplinks)
	}
}

// The retained MQTT status names an uplink taken out of the config with
// its waiting records, in a state the published schema allows (a
// validating consumer would refuse the status otherwise).
func TestMQTTStatus_UplinkRemovedFromConfig_ValidAgainstSchema(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	h := newHarness(t)
	h.entryWaitingForZeit(mqttSection(b.URL(), ""))
	h.start(h.configWithoutZeit(mqttSection(b.URL(), "")))
	k, err := mqttschema.Load("../../deploy/mqtt-schema.json", "stampclock")
	if err != nil {
		t.Fatal(err)
	}
	var payload []byte
	h.eventually("the status names zeiterfassung not configured", func() bool {
		m, ok := b.Retained("stampclock/test-terminal/status")
		payload = m.Payload
		return ok && strings.Contains(string(m.Payload), `"state":"`+StateUnconfigured+`"`)
	})
	if _, err := k.Check("stampclock/test-terminal/status", payload); err != nil {
		t.Fatalf("status does not pass the schema: %v\n%s", err, payload)
	}
}

// entryWaitingForZeit runs stampd with the harness's config and the extra
// sections until a start and a stop made an entry that waits for
// Zeiterfassung (its server down), then stops it.
func (h *harness) entryWaitingForZeit(extra string) {
	h.t.Helper()
	h.zs.SetDown(zeittest.DownClose)
	h.start(h.config(extra))
	h.tap("04A1B2C3", "2026-03-02T07:58:12+01:00")
	h.tap("04A1B2C3", "2026-03-02T16:45:30+01:00")
	h.eventually("the entry waits for zeiterfassung", func() bool {
		return uplinkStats(h.status(), "zeiterfassung").Pending == 1
	})
	h.stop()
}

// configWithoutZeit is the harness's store and socket with the extra
// sections and no [zeiterfassung]: the uplink taken out of the config.
func (h *harness) configWithoutZeit(extra string) *config.Config {
	h.t.Helper()
	text := fmt.Sprintf("[device]\nid = \"test-terminal\"\n[store]\npath = %q\n[control]\nsocket = %q\n%s",
		filepath.Join(h.dir, "queue.db"), h.socket, extra)
	cfg, err := config.Parse(filepath.Join(h.dir, "without-zeit.toml"), []byte(text))
	if err != nil {
		h.t.Fatal(err)
	}
	return cfg
}
