package sitebadges

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"testing"
)

// TestSchemaFile_MatchesWire keeps the site_badge part of
// deploy/mqtt-schema.json and the payload in step.
func TestSchemaFile_MatchesWire(t *testing.T) {
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
	full := Wire{Schema: SchemaVersion, Site: "hq", Entry: Entry{UID: "04A1B2C3", Email: "a@example.com", Name: "A", Deleted: true,
		Version: Version{Wall: 2, Logical: 1, Node: "door-a"}, Base: Version{Wall: 1, Logical: 1, Node: "door-b"}}}
	minimal := Wire{Schema: SchemaVersion, Site: "hq", Entry: Entry{UID: "04A1B2C3", Deleted: true, Version: Version{Wall: 2, Node: "door-a"}}}
	for def, pair := range map[string][2]any{
		"site_badge":    {full, minimal},
		"badge_version": {full.Version, minimal.Version},
	} {
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
