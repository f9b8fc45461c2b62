// Package confval holds the value types of the TOML config shared by the
// sections its packages own (uplinks, readers): a duration written as a
// Go duration string. It knows nothing of any section.
package confval

import (
	"fmt"
	"time"
)

// Duration is a config duration, written as a Go duration string ("60s",
// "16h").
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("want a duration like \"60s\" or \"16h\", got %q", b)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }
