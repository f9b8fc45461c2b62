package uplinks_test

import (
	"testing"

	"stampclock/uplink/uplinks"
)

// Every listed uplink is complete: a unique name, a section that is off
// when empty, a constructor. The config and the queue rely on all three.
func TestAll_EachKindComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range uplinks.All() {
		if k.Name == "" || seen[k.Name] {
			t.Errorf("uplink %q: empty or listed twice", k.Name)
		}
		seen[k.Name] = true
		if k.Section == nil || k.New == nil {
			t.Errorf("uplink %s: no section or no constructor", k.Name)
			continue
		}
		if s := k.Section(); s.Enabled() {
			t.Errorf("uplink %s: an empty section is enabled; it must be off unless configured", k.Name)
		}
	}
}
