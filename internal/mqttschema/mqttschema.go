// Package mqttschema checks MQTT messages against the published schema,
// deploy/mqtt-schema.json, with a JSON Schema validator of someone else's
// making (github.com/santhosh-tekuri/jsonschema, formats asserted): for
// tests that watch a broker the way an office's consumer would. Which
// object a topic carries is the schema's own description of its topics.
package mqttschema

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Checker validates the messages below one topic prefix.
type Checker struct {
	prefix string
	defs   map[string]*jsonschema.Schema
}

// Defs are the schema's objects a terminal or its office publishes.
var Defs = []string{"record", "status", "ack", "site_badge", "site_tap", "site_tap_head", "site_tap_replay", "command_request", "command_answer"}

// Load compiles the schema file at path for the topics below prefix
// ("stampclock" unless mqtt.topic_prefix says otherwise).
func Load(path, prefix string) (*Checker, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	const url = "file:///mqtt-schema.json"
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	k := &Checker{prefix: prefix, defs: map[string]*jsonschema.Schema{}}
	for _, d := range Defs {
		s, err := c.Compile(url + "#/$defs/" + d)
		if err != nil {
			return nil, fmt.Errorf("%s: $defs/%s: %w", path, d, err)
		}
		k.defs[d] = s
	}
	return k, nil
}

// siteDefs are the objects below <prefix>/sites/<site>/, by topic level.
var siteDefs = map[string]string{"badges": "site_badge", "taps": "site_tap", "heads": "site_tap_head", "replay": "site_tap_replay"}

// Def names the schema object a message on topic carries: "" with ours
// false for a topic outside the prefix (Home Assistant's, the broker's),
// "" with ours true for a topic below it that the schema does not
// describe.
func (k *Checker) Def(topic string) (def string, ours bool) {
	rest, ok := strings.CutPrefix(topic, k.prefix+"/")
	if !ok {
		return "", false
	}
	p := strings.Split(rest, "/")
	switch {
	case len(p) == 4 && p[0] == "sites":
		return siteDefs[p[2]], true
	case len(p) == 2:
		switch p[1] {
		case "punch", "entry", "event", "retract":
			return "record", true
		case "status", "seen":
			return "status", true
		case "ack":
			return "ack", true
		case "cmd":
			return "command_request", true
		}
	case len(p) >= 3 && p[1] == "cmd" && p[2] == "answer":
		return "command_answer", true
	}
	return "", true
}

// Check validates payload, published on topic, against the object its
// topic carries and returns that object's name. An empty payload (a
// retained message cleared) and a topic outside the prefix pass.
func (k *Checker) Check(topic string, payload []byte) (string, error) {
	def, ours := k.Def(topic)
	if !ours || len(payload) == 0 {
		return def, nil
	}
	if def == "" {
		return "", fmt.Errorf("%s: a topic the schema does not describe", topic)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(payload))
	if err != nil {
		return def, fmt.Errorf("%s: not JSON: %w", topic, err)
	}
	if err := k.defs[def].Validate(v); err != nil {
		return def, fmt.Errorf("%s (%s): %w", topic, def, err)
	}
	return def, nil
}
