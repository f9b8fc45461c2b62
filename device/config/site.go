package config

import (
	"fmt"
	"strings"
	"time"

	"stampclock/internal/mqttopts"
	"stampclock/uplink/mqtt"
)

// Site makes the terminal part of a site: the terminals with the same
// site name and MQTT broker share their enrolled badges (package
// device/sitebadges) and, with SharedShifts, pair their taps into shifts
// together (package device/siteshifts). Off unless Name is set; it needs
// [mqtt] urls.
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
	// SharedShifts pairs the taps of all the site's terminals: a shift
	// may start at one door and end at another. Default false: each
	// terminal pairs its own taps. Needs Name.
	SharedShifts bool `toml:"shared_shifts"`
	// Settle is how old a stop must be before its entry is delivered,
	// so that a tap arriving late rarely corrects an entry already sent.
	// Default "2m"; "0s" delivers at once. Read it with SettleDelay.
	Settle *Duration `toml:"settle"`
	// TapRetention is how long the site's taps are kept once they are
	// paired and their entries delivered. Default "840h" (35 days); at
	// least "48h".
	TapRetention Duration `toml:"tap_retention"`
}

// DefaultTapRetention is [site] tap_retention when it is not set.
const DefaultTapRetention = 35 * 24 * time.Hour

// DefaultSettle is [site] settle when it is not set.
const DefaultSettle = 2 * time.Minute

// SettleDelay returns [site] settle, or its default when not set.
func (s Site) SettleDelay() time.Duration {
	if s.Settle == nil {
		return DefaultSettle
	}
	return s.Settle.Duration
}

// Enabled reports whether the terminal belongs to a site.
func (s Site) Enabled() bool { return s.Name != "" }

// validateSite checks [site] and sets its defaults.
func (c *Config) validateSite() error {
	s := &c.Site
	if s.Settle != nil && s.Settle.Duration < 0 {
		return fmt.Errorf("site.settle: %s is negative; want a duration like \"2m\" or \"0s\"", s.Settle)
	}
	if s.Settle == nil {
		s.Settle = &Duration{Duration: DefaultSettle}
	}
	if !s.Enabled() {
		if s.SharedShifts {
			return fmt.Errorf("site.shared_shifts: needs the site: set [site] name (and [mqtt] urls)")
		}
		return nil
	}
	if !mqttopts.TopicLevel(s.Name) || strings.TrimSpace(s.Name) != s.Name {
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
	if s.TombstoneHorizon.Duration == 0 {
		s.TombstoneHorizon.Duration = 90 * 24 * time.Hour
	}
	if s.TombstoneHorizon.Duration < 48*time.Hour {
		return fmt.Errorf("site.tombstone_horizon: %s; want at least \"48h\" (default \"2160h\", 90 days)", s.TombstoneHorizon)
	}
	if s.TapRetention.Duration == 0 {
		s.TapRetention.Duration = DefaultTapRetention
	}
	if s.TapRetention.Duration < 48*time.Hour {
		return fmt.Errorf("site.tap_retention: %s; want at least \"48h\" (default \"840h\", 35 days)", s.TapRetention)
	}
	return nil
}
