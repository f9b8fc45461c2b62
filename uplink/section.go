package uplink

import (
	"fmt"
	"net/url"
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

// CheckURL checks section.url: https, or http with section.allow_http.
func CheckURL(section, raw string, allowHTTP bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%s.url: %q is not a URL like \"https://api.example.com\"", section, raw)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowHTTP:
	case u.Scheme == "http":
		return fmt.Errorf("%s.url: %q is plain http; use https, or set %s.allow_http = true for a test server", section, raw, section)
	default:
		return fmt.Errorf("%s.url: scheme %q; want https", section, u.Scheme)
	}
	return nil
}
