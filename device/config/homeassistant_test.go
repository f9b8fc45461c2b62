package config

import (
	"strings"
	"testing"

	"stampclock/uplink/mqtt"
)

func TestMQTT_HomeAssistantDiscovery(t *testing.T) {
	base := minimal + "[mqtt]\nurls = [\"tcp://127.0.0.1:1883\"]\n"
	c, err := Parse("a.toml", []byte(base))
	if err != nil || mqtt.Of(c.Uplinks).HomeAssistant != "" {
		t.Fatalf("default: %q, %v (want off)", mqtt.Of(c.Uplinks).HomeAssistant, err)
	}
	c, err = Parse("a.toml", []byte(base+"homeassistant_discovery = \"homeassistant\"\n"))
	if err != nil || mqtt.Of(c.Uplinks).HomeAssistant != "homeassistant" {
		t.Fatalf("set: %q, %v", mqtt.Of(c.Uplinks).HomeAssistant, err)
	}
	_, err = Parse("a.toml", []byte(base+"homeassistant_discovery = \"home/#\"\n"))
	if err == nil || !strings.Contains(err.Error(), "mqtt.homeassistant_discovery") || !strings.Contains(err.Error(), "a.toml") {
		t.Fatalf("bad prefix: %v", err)
	}
}
