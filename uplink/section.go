package uplink

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"stampclock/internal/confval"
)

// Duration is a config duration, written as a Go duration string ("60s",
// "16h").
type Duration = confval.Duration

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

// CheckIntIDs checks a table of email = positive id with at least one row,
// key naming it in errors and what the ids are (CheckIDs).
func (g Globals) CheckIntIDs(key, what string, m map[string]int) error {
	return CheckIDs(g, key, what, m, func(id int) error {
		if id <= 0 {
			return fmt.Errorf("%d; want a positive %s", id, what)
		}
		return nil
	})
}

// CheckIDs checks a config table of email = id (an uplink's or a read
// side's people): at least one row, every key an email address
// (g.ValidEmail), no email twice in another case, and every id accepted
// by check, whose error ("%q; want …") follows the row's key. key names
// the table in errors ("flowtly.employees") and what its ids
// ("employee IRI or id").
func CheckIDs[ID any](g Globals, key, what string, m map[string]ID, check func(ID) error) error {
	if len(m) == 0 {
		return fmt.Errorf("%s: required, at least one email = %s", key, what)
	}
	seen := map[string]string{}
	for _, email := range slices.Sorted(maps.Keys(m)) {
		if !g.ValidEmail(email) {
			return fmt.Errorf("%s: %q is not an email address", key, email)
		}
		if err := check(m[email]); err != nil {
			return fmt.Errorf("%s.%q: %w", key, email, err)
		}
		if prev, dup := seen[strings.ToLower(email)]; dup {
			return fmt.Errorf("%s: %q and %q are the same email", key, prev, email)
		}
		seen[strings.ToLower(email)] = email
	}
	return nil
}
