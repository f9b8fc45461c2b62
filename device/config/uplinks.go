package config

import (
	"os"

	"github.com/BurntSushi/toml"

	"stampclock/uplink"
	"stampclock/uplink/uplinks"
)

// decodeUplinks decodes the sections of the uplinks in uplinks.All into
// c.Uplinks (an absent section stays empty, so disabled) and returns the
// keys of und, the keys the main decode left, that none of them took:
// unknown keys stay errors, in a section of the list as anywhere.
func (c *Config) decodeUplinks(data string, und []toml.Key) ([]toml.Key, error) {
	kinds := uplinks.All()
	c.Uplinks = make(map[string]uplink.Section, len(kinds))
	names := make([]string, 0, len(kinds))
	for _, k := range kinds {
		names = append(names, k.Name)
		c.Uplinks[k.Name] = k.Section()
	}
	return decodeSections(data, "", names, func(name string) any { return c.Uplinks[name] }, und)
}

// prepareUplinks fills the defaults of the enabled uplinks' sections and
// validates them.
func (c *Config) prepareUplinks() error {
	g := uplink.Globals{DeviceID: c.Device.ID, ReadSecret: ReadSecret, ValidEmail: ValidEmail, CheckPrivate: checkPrivateFile}
	for _, k := range uplinks.All() {
		if s := c.Uplinks[k.Name]; s != nil && s.Enabled() {
			if err := s.Prepare(g); err != nil {
				return err
			}
		}
	}
	return nil
}

// EnabledUplinks returns the kinds in uplinks.All that c enables, with
// their sections.
func (c *Config) EnabledUplinks() []ListedUplink {
	var out []ListedUplink
	for _, u := range c.ListedUplinks() {
		if u.Section.Enabled() {
			out = append(out, u)
		}
	}
	return out
}

// ListedUplinks returns every kind in uplinks.All with its section, on
// or off.
func (c *Config) ListedUplinks() []ListedUplink {
	var out []ListedUplink
	for _, k := range uplinks.All() {
		if s := c.Uplinks[k.Name]; s != nil {
			out = append(out, ListedUplink{Kind: k, Section: s})
		}
	}
	return out
}

// ListedUplink is an uplink of the list with its section.
type ListedUplink struct {
	Kind    uplink.Kind
	Section uplink.Section
}

// checkPrivateFile refuses a key file that others may read or its group
// may write (the rule in files.go).
func checkPrivateFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	return checkPrivate(path, fi)
}
