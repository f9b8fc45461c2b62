package mqtt

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
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
	p, _ := json.Marshal(NewPayload("d", withSeq(testRecord(1), 2)))
	json.Unmarshal(p, &probe)
	for _, r := range schema.Defs["record"].Required {
		if _, ok := probe[r]; !ok {
			t.Errorf("required %q missing from an entry payload %s", r, p)
		}
	}
}
