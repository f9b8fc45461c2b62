package config

import (
	"fmt"
	"strings"
	"time"
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
	// TombstoneHorizon is how long a badge removal is kept, on the broker
	// and in every store, before it is forgotten; a terminal away from the
	// site longer than this less a day takes the site's badges afresh.
	// Default "2160h" (90 days); at least "48h".
	TombstoneHorizon Duration `toml:"tombstone_horizon"`
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
	if !c.MQTT.Enabled() {
		return fmt.Errorf("site.name: %q needs the broker: set [mqtt] urls", s.Name)
	}
	if s.Poll.Duration == 0 {
		s.Poll.Duration = 2 * time.Second
	}
	if s.Poll.Duration < 10*time.Millisecond {
		return fmt.Errorf("site.poll: %s; want at least 10ms", s.Poll)
	}
	if s.TombstoneHorizon.Duration == 0 {
		s.TombstoneHorizon.Duration = 90 * 24 * time.Hour
	}
	if s.TombstoneHorizon.Duration < 48*time.Hour {
		return fmt.Errorf("site.tombstone_horizon: %s; want at least \"48h\" (default \"2160h\", 90 days)", s.TombstoneHorizon)
	}
	return nil
}
