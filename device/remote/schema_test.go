package remote

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestSchemaFile_MatchesWire keeps the command parts of
// deploy/mqtt-schema.json and Request and Answer in step.
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
	for def, pair := range map[string][2]any{
		"command_request": {
			Request{ID: "1", Cmd: "status", Args: json.RawMessage(`{}`), ResponseTopic: "t", From: "office"},
			Request{ID: "1", Cmd: "status"},
		},
		"command_answer": {
			Answer{ID: "1", Device: "d", Cmd: "status", OK: true, Result: 1, Error: "e"},
			Answer{ID: "1", Device: "d"},
		},
	} {
		var all, least map[string]any
		a, _ := json.Marshal(pair[0])
		l, _ := json.Marshal(pair[1])
		json.Unmarshal(a, &all)
		json.Unmarshal(l, &least)
		d, ok := schema.Defs[def]
		if !ok {
			t.Fatalf("no $defs/%s", def)
		}
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

// TestREADME_ShowsTheTestedACL keeps the README's ACL file the one the
// mosquitto test runs.
func TestREADME_ShowsTheTestedACL(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```\n"+ACLExample+"```\n") {
		t.Fatalf("README's ACL differs from ACLExample:\n%s", ACLExample)
	}
}
