// Package confval holds the value types of the TOML config shared by the
// sections its packages own (uplinks, readers): a duration written as a
// Go duration string. It knows nothing of any section.
package confval

import (
	"fmt"
	"strings"
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

// CheckRange refuses a duration set (not zero, the default) outside min
// to max, or negative; the error names key.
func (d Duration) CheckRange(key string, min, max time.Duration) error {
	if v := d.Duration; v < 0 || v > 0 && (v < min || v > max) {
		return fmt.Errorf("%s: %s; want %s to %s", key, v, short(min), short(max))
	}
	return nil
}

// short writes d without zero units ("1m", not "1m0s"; "10s" stays).
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
