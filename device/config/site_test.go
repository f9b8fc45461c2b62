package config

import (
	"strings"
	"testing"
	"time"
)

func TestParse_SiteDefaultsAndErrors(t *testing.T) {
	mq := minimal + "[mqtt]\nurls = [\"tcp://b.example.com:1883\"]\n"
	c, err := Parse("a.toml", []byte(mq+"[site]\nname = \"berlin-office\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Site.Enabled() || c.Site.Name != "berlin-office" || c.Site.Poll.Duration != 2*time.Second {
		t.Fatalf("site = %+v", c.Site)
	}
	if c.Site.SharedShifts || c.Site.SettleDelay() != 2*time.Minute {
		t.Fatalf("shared shifts defaults: %+v", c.Site)
	}
	c, err = Parse("a.toml", []byte(mq+"[site]\nname = \"hq\"\nshared_shifts = true\nsettle = \"0s\"\n"))
	if err != nil || !c.Site.SharedShifts || c.Site.SettleDelay() != 0 {
		t.Fatalf("settle 0s: %+v, %v", c.Site, err)
	}
	c, err = Parse("a.toml", []byte(mq+"[site]\nname = \"hq\"\nsettle = \"90s\"\n"))
	if err != nil || c.Site.SettleDelay() != 90*time.Second {
		t.Fatalf("settle 90s: %+v, %v", c.Site, err)
	}
	if c.Site.TapRetention.Duration != 35*24*time.Hour {
		t.Fatalf("tap_retention default = %s", c.Site.TapRetention)
	}
	if c, err := Parse("a.toml", []byte(mq+"[site]\nname = \"hq\"\ntap_retention = \"72h\"\n")); err != nil || c.Site.TapRetention.Duration != 72*time.Hour {
		t.Fatalf("tap_retention set: %+v, %v", c, err)
	}
	if c, err := Parse("a.toml", []byte(mq)); err != nil || c.Site.Enabled() {
		t.Fatalf("without [site]: %+v, %v", c.Site, err)
	}
	for _, tt := range []struct{ name, toml, want string }{
		{"NoBroker", minimal + "[site]\nname = \"hq\"\n", "site.name: \"hq\" needs the broker: set [mqtt] urls"},
		{"Slash", mq + "[site]\nname = \"a/b\"\n", "site.name: \"a/b\""},
		{"Wildcard", mq + "[site]\nname = \"#\"\n", "site.name"},
		{"Dollar", mq + "[site]\nname = \"$SYS\"\n", "site.name"},
		{"Spaces", mq + "[site]\nname = \" hq\"\n", "site.name"},
		{"ShortPoll", mq + "[site]\nname = \"hq\"\npoll = \"1ms\"\n", "site.poll: 1ms"},
		{"ShortRetention", mq + "[site]\nname = \"hq\"\ntap_retention = \"24h\"\n", "site.tap_retention: 24h0m0s"},
		{"UnknownKey", mq + "[site]\nnam = \"hq\"\n", "site.nam"},
		{"SharedShiftsWithoutName", mq + "[site]\nshared_shifts = true\n", "site.shared_shifts: needs the site"},
		{"NegativeSettle", mq + "[site]\nname = \"hq\"\nsettle = \"-1s\"\n", "site.settle: -1s is negative"},
		{"BadSettle", mq + "[site]\nname = \"hq\"\nsettle = \"soon\"\n", "settle"},
		{"SharedShiftsNotBool", mq + "[site]\nname = \"hq\"\nshared_shifts = \"yes\"\n", "shared_shifts"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("a.toml", []byte(tt.toml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
