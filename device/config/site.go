package config

import (
	"fmt"
	"strings"
	"time"

	"stampclock/uplink/mqtt"
)

// Site makes the terminal part of a site: the terminals with the same
// site name and MQTT broker share their enrolled badges (package
// device/sitebadges). Off unless Name is set; it needs [mqtt] urls.
type Site struct {
	// Name names the site in the topics <mqtt.topic_prefix>/sites/<name>/…;
	// one topic level. Default "" (no site).
	Name string `toml:"name"`
	// Poll is how often the store is looked at for local badge changes to
	// share. Default "2s".
	Poll Duration `toml:"poll"`
}

// Enabled reports whether the terminal belongs to a site.
func (s Site) Enabled() bool { return s.Name != "" }

// validateSite checks [site] and sets its defaults.
func (c *Config) validateSite() error {
	s := &c.Site
	if !s.Enabled() {
		return nil
	}
	if strings.ContainsAny(s.Name, "/+#") || strings.HasPrefix(s.Name, "$") || strings.TrimSpace(s.Name) != s.Name {
		return fmt.Errorf("site.name: %q; want one topic level like \"berlin-office\", without '/', '+', '#', a leading '$' or surrounding spaces", s.Name)
	}
	if !mqtt.Of(c.Uplinks).Enabled() {
		return fmt.Errorf("site.name: %q needs the broker: set [mqtt] urls", s.Name)
	}
	if s.Poll.Duration == 0 {
		s.Poll.Duration = 2 * time.Second
	}
	if s.Poll.Duration < 10*time.Millisecond {
		return fmt.Errorf("site.poll: %s; want at least 10ms", s.Poll)
	}
	return nil
}
