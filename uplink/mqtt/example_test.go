package mqtt_test

import (
	"encoding/json"
	"fmt"
	"time"

	"stampclock/queue"
	"stampclock/uplink/mqtt"
)

// A punch record is published on <prefix>/<device>/punch with its
// idempotency key.
func ExampleNewPayload() {
	rec := queue.Record{Seq: 42, Kind: queue.KindPunch, At: time.Date(2026, 3, 2, 6, 58, 12, 0, time.UTC),
		ClockSynced: true, UID: "04A1B2C3", Email: "maier@example.com", Action: queue.ActionStart}
	topic, _ := mqtt.Topics{Prefix: "stampclock", Device: "terminal-eingang"}.Record(rec.Kind)
	payload, _ := json.Marshal(mqtt.NewPayload("terminal-eingang", rec))
	fmt.Println(topic)
	fmt.Println(string(payload))
	// Output:
	// stampclock/terminal-eingang/punch
	// {"schema":1,"idempotency_key":"terminal-eingang:42","device_id":"terminal-eingang","seq":42,"kind":"punch","at":"2026-03-02T06:58:12Z","clock_synced":true,"uid":"04A1B2C3","email":"maier@example.com","action":"start"}
}
