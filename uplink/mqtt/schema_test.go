package mqtt

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"stampclock/queue"
)

// jsonFields returns the JSON names of t's fields.
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// TestSchemaFile_MatchesPayloadTypes keeps deploy/mqtt-schema.json and the
// Go types in step: every field is described, nothing else is.
func TestSchemaFile_MatchesPayloadTypes(t *testing.T) {
	data, err := os.ReadFile("../../deploy/mqtt-schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Defs map[string]struct {
			Required   []string                   `json:"required"`
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatalf("mqtt-schema.json: %v", err)
	}
	for def, typ := range map[string]reflect.Type{
		"record": reflect.TypeFor[Payload](),
		"status": reflect.TypeFor[Status](),
		"uplink": reflect.TypeFor[UplinkStatus](),
		"ack":    reflect.TypeFor[Ack](),
		"clock":  reflect.TypeFor[Clock](),
	} {
		var props []string
		for k := range schema.Defs[def].Properties {
			props = append(props, k)
		}
		slices.Sort(props)
		if want := jsonFields(typ); !slices.Equal(props, want) {
			t.Errorf("schema $defs/%s properties %v; Go type %s has %v", def, props, typ, want)
		}
		for _, r := range schema.Defs[def].Required {
			if !slices.Contains(props, r) {
				t.Errorf("$defs/%s requires unknown %q", def, r)
			}
		}
	}
	var probe map[string]any
	p, _ := json.Marshal(NewPayload("d", withSeq(record(1), 2)))
	json.Unmarshal(p, &probe)
	for _, r := range schema.Defs["record"].Required {
		if _, ok := probe[r]; !ok {
			t.Errorf("required %q missing from an entry payload %s", r, p)
		}
	}
}

// TestRetraction_OwnTopicAndFields: a retraction (shifts across
// terminals) goes to <prefix>/<device>/retract and carries what the
// schema requires of it.
func TestRetraction_OwnTopicAndFields(t *testing.T) {
	e := record(1)
	rec := queue.Record{Seq: 9, Kind: queue.KindRetract, At: e.End.Add(time.Hour), ClockSynced: true, Email: e.Email,
		Start: e.Start, End: e.End, Retracts: 2, SiteEntry: "front:1-warehouse:1", Detail: "late tap"}
	topic, data, err := Topics{Prefix: "stampclock", Device: "d"}.encode(rec)
	if err != nil || topic != "stampclock/d/retract" {
		t.Fatalf("topic %q, %v", topic, err)
	}
	var probe map[string]any
	if err := json.Unmarshal(data, &probe); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema", "idempotency_key", "device_id", "seq", "kind", "at", "clock_synced", "retracts", "start", "end", "email", "site_entry", "detail"} {
		if _, ok := probe[k]; !ok {
			t.Errorf("%q missing from %s", k, data)
		}
	}
	if probe["retracts"] != float64(2) || probe["kind"] != "retract" {
		t.Errorf("payload %s", data)
	}
	schema, err := os.ReadFile("../../deploy/mqtt-schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(schema), `{"if": {"properties": {"kind": {"const": "retract"}}}, "then": {"required": ["retracts", "start"]}}`) {
		t.Error("schema does not require retracts and start of a retraction")
	}
}
