package mqtt

import (
	"encoding/json"
	"strings"
)

// Home Assistant MQTT discovery: one retained config message per sensor on
// <prefix>/<component>/<node_id>/<object_id>/config. Every sensor reads the
// retained status topic with a template; availability comes from the same
// topic's "online" field, so the Last Will turns the sensors unavailable,
// and expire_after does the same when the status stops coming without a
// Will (a broker restarted without its sessions never sends one).

// DiscoveryMessage is one retained discovery config.
type DiscoveryMessage struct {
	Topic   string
	Payload []byte
}

// DiscoveryConfig is the JSON of one discovery message (the fields
// stampclock uses; Home Assistant documents many more).
type DiscoveryConfig struct {
	Name                string          `json:"name"`
	UniqueID            string          `json:"unique_id"`
	ObjectID            string          `json:"object_id"`
	StateTopic          string          `json:"state_topic"`
	ValueTemplate       string          `json:"value_template"`
	AvailabilityTopic   string          `json:"availability_topic"`
	AvailabilityTmpl    string          `json:"availability_template"`
	PayloadAvailable    string          `json:"payload_available"`
	PayloadNotAvailable string          `json:"payload_not_available"`
	DeviceClass         string          `json:"device_class,omitempty"`
	StateClass          string          `json:"state_class,omitempty"`
	EntityCategory      string          `json:"entity_category,omitempty"`
	ExpireAfter         int             `json:"expire_after"`
	Device              DiscoveryDevice `json:"device"`
}

// DiscoveryDevice groups a terminal's sensors into one device.
type DiscoveryDevice struct {
	Identifiers  []string `json:"identifiers"`
	Name         string   `json:"name"`
	Manufacturer string   `json:"manufacturer"`
	Model        string   `json:"model"`
	SWVersion    string   `json:"sw_version,omitempty"`
}

// haSensor is one sensor of the status.
type haSensor struct {
	component, object, name, template, deviceClass, stateClass, category string
}

// haSensors are the sensors every terminal announces.
var haSensors = []haSensor{
	{"sensor", "pending", "Pending records", "{{ value_json.uplinks | default([]) | map(attribute='pending') | sum }}", "", "measurement", ""},
	{"sensor", "held", "Held records", "{{ value_json.uplinks | default([]) | map(attribute='held') | sum }}", "", "measurement", ""},
	{"sensor", "dead", "Rejected records", "{{ value_json.uplinks | default([]) | map(attribute='dead') | sum }}", "", "measurement", ""},
	{"sensor", "last_delivery", "Last delivery", "{{ value_json.last_delivery | default(None) }}", "timestamp", "", "diagnostic"},
	{"binary_sensor", "store_alarm", "Store alarm", "{{ 'ON' if value_json.store_alarm | default('') else 'OFF' }}", "problem", "", "diagnostic"},
	{"binary_sensor", "reader_problem", "Reader problem", "{{ 'ON' if value_json.reader is defined and not value_json.reader.ok else 'OFF' }}", "problem", "", "diagnostic"},
	{"binary_sensor", "clock_synced", "Clock synchronised", "{{ 'ON' if value_json.clock is defined and value_json.clock.synced else 'OFF' }}", "", "", "diagnostic"},
}

// haNode turns the device id into a discovery node id ([a-zA-Z0-9_-]).
func haNode(device string) string {
	return "stampclock_" + strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			return r
		}
		return '_'
	}, device)
}

// discovery returns the discovery configs of this terminal.
func (c *Client) discovery() []DiscoveryMessage {
	node := haNode(c.opts.DeviceID)
	// A status comes at least every StatusInterval; the broker sends the
	// Will at most 1.5 × KeepAlive after the last packet. Past both, with a
	// margin, the values are stale.
	expire := seconds(c.opts.StatusInterval + 2*c.opts.KeepAlive)
	dev := DiscoveryDevice{
		Identifiers: []string{node}, Name: "stampclock " + c.opts.DeviceID,
		Manufacturer: "stampclock", Model: "time clock terminal", SWVersion: c.opts.Version,
	}
	out := make([]DiscoveryMessage, 0, len(haSensors))
	for _, s := range haSensors {
		cfg := DiscoveryConfig{
			Name: s.name, UniqueID: node + "_" + s.object, ObjectID: node + "_" + s.object,
			StateTopic: c.topics.Status(), ValueTemplate: s.template,
			AvailabilityTopic: c.topics.Status(), AvailabilityTmpl: "{{ 'online' if value_json.online else 'offline' }}",
			PayloadAvailable: "online", PayloadNotAvailable: "offline",
			DeviceClass: s.deviceClass, StateClass: s.stateClass, EntityCategory: s.category,
			ExpireAfter: expire, Device: dev,
		}
		data, _ := json.Marshal(cfg) // plain fields: cannot fail
		out = append(out, DiscoveryMessage{
			Topic:   c.opts.HomeAssistantPrefix + "/" + s.component + "/" + node + "/" + s.object + "/config",
			Payload: data,
		})
	}
	return out
}
