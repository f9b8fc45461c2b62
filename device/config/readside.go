package config

import (
	"fmt"
	"strconv"
	"strings"

	"stampclock/daytotal"
	"stampclock/uplink"
)

// DayTotal configures where the day's total shown after a stop and by
// `stampctl daytotal` comes from.
type DayTotal struct {
	// Source is "local" (the entries in the queue), "timesheets" or
	// "clockodo". Default "local".
	Source     string     `toml:"source"`
	Timesheets Timesheets `toml:"timesheets"`
	Clockodo   Clockodo   `toml:"clockodo"`
}

// Timesheets configures the timesheets API (day totals and locked days).
// It is used when daytotal.source is "timesheets" or locks.enabled is set.
type Timesheets struct {
	// URL is the API root including the version. Default
	// "https://api.r-service.tech/v1".
	URL string `toml:"url"`
	// TokenFile holds the OAuth token (root:stampclock 0640). Required.
	TokenFile string `toml:"token_file"`
	Token     string `toml:"-"`
	// Account is sent in the "account" header. Required.
	Account string `toml:"account"`
	// OrganizationID restricts totals and locks to one organization.
	// Default "": none.
	OrganizationID string `toml:"organization_id"`
	// People maps an employee's email to the numeric person_id.
	People map[string]string `toml:"people"`
	// LockTTL is how long a month's locked days are cached. Default 5m.
	LockTTL Duration `toml:"lock_ttl"`
	// Timeout bounds each request. Default 10s.
	Timeout Duration `toml:"timeout"`
	// AllowHTTP permits a plain http:// URL (test servers only).
	AllowHTTP bool `toml:"allow_http"`
}

// Clockodo configures clockodo's entry groups as the day-total source.
type Clockodo struct {
	// URL is the server. Default "https://my.clockodo.com".
	URL string `toml:"url"`
	// APIUser is the login email of the API user. Required.
	APIUser string `toml:"api_user"`
	// APIKeyFile holds the API key (root:stampclock 0640). Required.
	APIKeyFile string `toml:"api_key_file"`
	APIKey     string `toml:"-"`
	// ExternalApplication is "<application>;<contact email>", at most 50
	// characters. Required.
	ExternalApplication string `toml:"external_application"`
	// Users maps an employee's email to clockodo's users_id.
	Users map[string]int `toml:"users"`
	// Timeout bounds each request. Default 10s.
	Timeout Duration `toml:"timeout"`
	// AllowHTTP permits a plain http:// URL (test servers only).
	AllowHTTP bool `toml:"allow_http"`
}

// Locks configures holding entries for days locked in the timesheets API.
type Locks struct {
	// Enabled: every time-tracking uplink asks [daytotal.timesheets]
	// whether an entry's days are locked before sending it; an entry on a
	// locked day is held with the reason. Default false.
	Enabled bool `toml:"enabled"`
}

// Day-total sources.
const (
	SourceLocal      = "local"
	SourceTimesheets = "timesheets"
	SourceClockodo   = "clockodo"
)

// UsesTimesheets reports whether [daytotal.timesheets] is in use.
func (c *Config) UsesTimesheets() bool {
	return c.DayTotal.Source == SourceTimesheets || c.Locks.Enabled
}

// validateReadSide checks the read side (day totals, locked days), filling in
// its defaults.
func (c *Config) validateReadSide() error {
	return c.validateDayTotal()
}

func (c *Config) validateDayTotal() error {
	dt := &c.DayTotal
	if dt.Source == "" {
		dt.Source = SourceLocal
	}
	switch dt.Source {
	case SourceLocal, SourceTimesheets, SourceClockodo:
	default:
		return fmt.Errorf("daytotal.source: %q; want local, timesheets or clockodo", dt.Source)
	}
	if c.UsesTimesheets() {
		why := "daytotal.source = \"timesheets\""
		if c.Locks.Enabled {
			why = "locks.enabled"
		}
		if err := c.validateTimesheets(why); err != nil {
			return err
		}
	}
	if dt.Source == SourceClockodo {
		return c.validateClockodo()
	}
	return nil
}

func (c *Config) validateTimesheets(why string) error {
	t := &c.DayTotal.Timesheets
	if t.URL == "" {
		t.URL = daytotal.DefaultTimesheetsURL
	}
	if t.LockTTL.Duration == 0 {
		t.LockTTL.Duration = daytotal.DefaultLockTTL
	}
	if t.Timeout.Duration == 0 {
		t.Timeout.Duration = daytotal.DefaultTimeout
	}
	if err := checkURL("daytotal.timesheets", t.URL, t.AllowHTTP); err != nil {
		return err
	}
	if t.TokenFile == "" {
		return fmt.Errorf("daytotal.timesheets.token_file: required with %s (a file holding the OAuth token)", why)
	}
	tok, err := ReadSecret(t.TokenFile)
	if err != nil {
		return fmt.Errorf("daytotal.timesheets.token_file: %w", err)
	}
	t.Token = tok
	if t.Account == "" || strings.ContainsAny(t.Account, " \r\n") {
		return fmt.Errorf("daytotal.timesheets.account: %q; required with %s (the account header, e.g. \"pro-product\")", t.Account, why)
	}
	if t.OrganizationID != "" {
		if _, err := strconv.ParseUint(t.OrganizationID, 10, 64); err != nil {
			return fmt.Errorf("daytotal.timesheets.organization_id: %q; want a number", t.OrganizationID)
		}
	}
	if len(t.People) == 0 {
		return fmt.Errorf("daytotal.timesheets.people: required with %s, at least one email = person_id", why)
	}
	if err := uplink.CheckIDs(uplink.Globals{ValidEmail: ValidEmail}, "daytotal.timesheets.people", "person_id", t.People, func(id string) error {
		if _, err := strconv.ParseUint(id, 10, 64); err != nil {
			return fmt.Errorf("%q; want a numeric person_id", id)
		}
		return nil
	}); err != nil {
		return err
	}
	if t.LockTTL.Duration < 0 {
		return fmt.Errorf("daytotal.timesheets.lock_ttl: %s is negative", t.LockTTL)
	}
	if t.Timeout.Duration < 0 {
		return fmt.Errorf("daytotal.timesheets.timeout: %s is negative", t.Timeout)
	}
	return nil
}

func (c *Config) validateClockodo() error {
	k := &c.DayTotal.Clockodo
	if k.URL == "" {
		k.URL = daytotal.DefaultClockodoURL
	}
	if k.Timeout.Duration == 0 {
		k.Timeout.Duration = daytotal.DefaultTimeout
	}
	if err := checkURL("daytotal.clockodo", k.URL, k.AllowHTTP); err != nil {
		return err
	}
	if !ValidEmail(k.APIUser) {
		return fmt.Errorf("daytotal.clockodo.api_user: %q; required with daytotal.source = \"clockodo\", the API user's login email", k.APIUser)
	}
	if k.APIKeyFile == "" {
		return fmt.Errorf("daytotal.clockodo.api_key_file: required with daytotal.source = \"clockodo\" (a file holding the API key)")
	}
	key, err := ReadSecret(k.APIKeyFile)
	if err != nil {
		return fmt.Errorf("daytotal.clockodo.api_key_file: %w", err)
	}
	k.APIKey = key
	if !strings.Contains(k.ExternalApplication, ";") || len(k.ExternalApplication) > 50 {
		return fmt.Errorf("daytotal.clockodo.external_application: %q; want \"<application>;<contact email>\", at most 50 characters", k.ExternalApplication)
	}
	if err := checkIntIDs("daytotal.clockodo.users", "clockodo users_id", k.Users); err != nil {
		return err
	}
	if k.Timeout.Duration < 0 {
		return fmt.Errorf("daytotal.clockodo.timeout: %s is negative", k.Timeout)
	}
	return nil
}

// checkURL checks section.url: https, or http with section.allow_http.
func checkURL(section, raw string, allowHTTP bool) error {
	return uplink.CheckURL(section, raw, allowHTTP)
}

// checkIntIDs checks a table of email = positive id with at least one row.
func checkIntIDs(key, what string, m map[string]int) error {
	return uplink.Globals{ValidEmail: ValidEmail}.CheckIntIDs(key, what, m)
}
