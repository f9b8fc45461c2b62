package mqttschema_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"stampclock/internal/mqttschema"
	"stampclock/queue/record"
	"stampclock/uplink/mqtt"
)

func load(t *testing.T) *mqttschema.Checker {
	t.Helper()
	k, err := mqttschema.Load("../../deploy/mqtt-schema.json", "stampclock")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestDef_TopicsAsTheSchemaDescribesThem(t *testing.T) {
	k := load(t)
	for topic, want := range map[string]string{
		"stampclock/door-1/punch":                "record",
		"stampclock/door-1/retract":              "record",
		"stampclock/door-1/seen":                 "status",
		"stampclock/door-1/ack":                  "ack",
		"stampclock/door-1/cmd":                  "command_request",
		"stampclock/door-1/cmd/answer/office-7":  "command_answer",
		"stampclock/sites/hq/badges/04A1B2C3":    "site_badge",
		"stampclock/sites/hq/taps/door-1":        "site_tap",
		"stampclock/sites/hq/heads/door-1":       "site_tap_head",
		"stampclock/sites/hq/replay/door-1":      "site_tap_replay",
		"stampclock/door-1/something":            "",
		"homeassistant/sensor/door-1/cfg/config": "",
	} {
		if got, _ := k.Def(topic); got != want {
			t.Errorf("%s: %q, want %q", topic, got, want)
		}
	}
	if _, ours := k.Def("homeassistant/sensor/x/config"); ours {
		t.Error("a topic outside the prefix counted as ours")
	}
}

func TestCheck_OurPayloadPassesBrokenOnesDoNot(t *testing.T) {
	k := load(t)
	at := time.Date(2026, 3, 2, 7, 58, 12, 0, time.UTC)
	p, err := json.Marshal(mqtt.NewPayload("door-1", record.Record{Seq: 4, Kind: record.KindEntry, At: at, ClockSynced: true,
		Email: "maier@example.com", Start: at.Add(-8 * time.Hour), End: at, StartSeq: 1, StopSeq: 3}))
	if err != nil {
		t.Fatal(err)
	}
	if def, err := k.Check("stampclock/door-1/entry", p); def != "record" || err != nil {
		t.Fatalf("our entry: %q %v", def, err)
	}
	for name, c := range map[string]struct{ old, new string }{
		"required member missing": {`"clock_synced":true,`, ``},
		"enum":                    {`"kind":"entry"`, `"kind":"shift"`},
		"date-time format":        {`"at":"2026-03-02T07:58:12Z"`, `"at":"2026-03-02 07:58"`},
		"type":                    {`"seq":4`, `"seq":"4"`},
		"kind's own member":       {`"start":"2026-03-01T23:58:12Z",`, ``},
	} {
		broken := strings.Replace(string(p), c.old, c.new, 1)
		if broken == string(p) {
			t.Fatalf("%s: %q not in %s", name, c.old, p)
		}
		if _, err := k.Check("stampclock/door-1/entry", []byte(broken)); err == nil {
			t.Errorf("%s: %s passed", name, broken)
		}
	}
	if _, err := k.Check("stampclock/door-1/status", nil); err != nil {
		t.Errorf("a cleared retained message: %v", err)
	}
	if _, err := k.Check("stampclock/door-1/something", []byte(`{}`)); err == nil {
		t.Error("a topic the schema does not describe passed")
	}
}

// Every event a terminal may record is one the schema names: a consumer
// that validates would refuse (and a webhook receiver dead-letter) any
// other.
func TestCheck_EveryEventOfTheRecordPackage(t *testing.T) {
	k := load(t)
	at := time.Date(2026, 3, 2, 7, 58, 12, 0, time.UTC)
	for i, ev := range record.Events {
		p, err := json.Marshal(mqtt.NewPayload("door-1", record.Record{Seq: uint64(i + 1), Kind: record.KindEvent, At: at, Event: ev, Detail: "d"}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := k.Check("stampclock/door-1/event", p); err != nil {
			t.Errorf("event %s: %v", ev, err)
		}
	}
}

// A member of another kind is refused, as the schema's descriptions say
// ("punch only", "entry: …"): a missing_stop event carries its shift's
// start, other events do not.
func TestCheck_MembersOfOtherKindsRefused(t *testing.T) {
	k := load(t)
	at := time.Date(2026, 3, 2, 7, 58, 12, 0, time.UTC)
	check := func(r record.Record) error {
		p, err := json.Marshal(mqtt.NewPayload("door-1", r))
		if err != nil {
			t.Fatal(err)
		}
		_, err = k.Check("stampclock/door-1/"+string(r.Kind), p)
		return err
	}
	missing := record.Record{Seq: 5, Kind: record.KindEvent, Event: record.EventMissingStop, At: at, Email: "maier@example.com",
		Start: at.Add(-20 * time.Hour), StartSeq: 2, Detail: "no stop"}
	if err := check(missing); err != nil {
		t.Fatalf("a missing_stop with its shift's start: %v", err)
	}
	unknown := missing
	unknown.Event = record.EventUnknownBadge
	punch := record.Record{Seq: 6, Kind: record.KindPunch, Action: record.ActionStart, At: at, Email: "maier@example.com", Start: at}
	entry := record.Record{Seq: 7, Kind: record.KindEntry, At: at, Email: "maier@example.com", Start: at.Add(-time.Hour), End: at, Action: record.ActionStop}
	retract := record.Record{Seq: 8, Kind: record.KindRetract, At: at, Email: "maier@example.com", Start: at.Add(-time.Hour), End: at, Retracts: 7, StopSeq: 6}
	for name, r := range map[string]record.Record{"unknown_badge with start": unknown, "punch with start": punch,
		"entry with action": entry, "retract with stop_seq": retract} {
		if err := check(r); err == nil {
			t.Errorf("%s passed", name)
		}
	}
}
