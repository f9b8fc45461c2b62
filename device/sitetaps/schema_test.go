package sitetaps

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"testing"

	"stampclock/queue"
)

// TestSchemaFile_MatchesWire keeps the site_tap parts of
// deploy/mqtt-schema.json and the payloads in step.
func TestSchemaFile_MatchesWire(t *testing.T) {
	data, err := os.ReadFile("../../deploy/mqtt-schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		OneOf []struct {
			Ref string `json:"$ref"`
		} `json:"oneOf"`
		Defs map[string]struct {
			Required   []string                   `json:"required"`
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatalf("mqtt-schema.json: %v", err)
	}
	tap := queue.SiteTap{Origin: "door-a", Seq: 7, At: at(0), Email: "anna@example.com", UID: "04A1B2C3"}
	for def, pair := range map[string][2]any{
		"site_tap":        {Tap{SiteTap: tap, Key: Key("door-a", 7)}, Tap{SiteTap: tap}},
		"site_tap_head":   {Head{Origin: "door-a", Seq: 7, At: at(0), First: 3}, Head{Origin: "door-a", Seq: 7}},
		"site_tap_replay": {Replay{From: 1, To: 7, By: "door-b"}, Replay{From: 1, To: 7}},
	} {
		if !slices.ContainsFunc(schema.OneOf, func(r struct {
			Ref string `json:"$ref"`
		}) bool {
			return r.Ref == "#/$defs/"+def
		}) {
			t.Errorf("oneOf lacks $defs/%s", def)
		}
		var all, least map[string]any
		a, _ := json.Marshal(pair[0])
		l, _ := json.Marshal(pair[1])
		json.Unmarshal(a, &all)
		json.Unmarshal(l, &least)
		d := schema.Defs[def]
		if props, fields := slices.Sorted(maps.Keys(d.Properties)), slices.Sorted(maps.Keys(all)); !slices.Equal(props, fields) {
			t.Errorf("$defs/%s properties %v; the payload has %v", def, props, fields)
		}
		for _, r := range d.Required {
			if _, ok := least[r]; !ok {
				t.Errorf("$defs/%s requires %q; the least payload %s lacks it", def, r, l)
			}
		}
	}
}
