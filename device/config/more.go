package config

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"stampclock/uplink"
	"stampclock/uplink/blikk"
	"stampclock/uplink/daytotal"
)

// Blikk configures the Blikk uplink (time reports through the public API).
// It is enabled when URL is set, like [zeiterfassung].
type Blikk struct {
	// URL is the API's address, e.g. "https://publicapi.blikk.com".
	// Default: none (uplink off).
	URL string `toml:"url"`
	// AppID is the API application's id. Required.
	AppID string `toml:"app_id"`
	// AppSecretFile holds the application's secret (root:stampclock 0640). Required.
	AppSecretFile string `toml:"app_secret_file"`
	// AppSecret is read from AppSecretFile.
	AppSecret string `toml:"-"`
	// Users maps an employee's email to the Blikk user id. At least one.
	Users map[string]int `toml:"users"`
	// ActivityID, TimeCodeID and TimeArticleID go with every report.
	// Required.
	ActivityID    int `toml:"activity_id"`
	TimeCodeID    int `toml:"time_code_id"`
	TimeArticleID int `toml:"time_article_id"`
	// ProjectID and InternalProjectID go with every report when set.
	// Default 0: none.
	ProjectID         int `toml:"project_id"`
	InternalProjectID int `toml:"internal_project_id"`
	// Comment goes with every report when set. Default "".
	Comment string `toml:"comment"`
	// Breaks are deducted from the hours: of the rules whose After an
	// entry exceeds, the largest applies. Default none.
	Breaks []BreakRule `toml:"breaks"`
	// Timeout bounds each request. Default 15s.
	Timeout Duration `toml:"timeout"`
	// RequestsPerSecond caps the calls per second (the API allows 4 per
	// token). Default 4.
	RequestsPerSecond int `toml:"requests_per_second"`
	// RateMargin widens the one-second window of the rate limit, for
	// network jitter. Default "250ms"; at most "1s".
	RateMargin Duration `toml:"rate_margin"`
	// Hours is "net" (default: the break is already deducted, as in the
	// API's create example) or "gross" (Blikk deducts breakMinutes itself).
	Hours string `toml:"hours"`
	// AllowHTTP permits a plain http:// URL (test servers only).
	AllowHTTP bool `toml:"allow_http"`
}

// Values of blikk.hours.
const (
	BlikkHoursNet   = "net"
	BlikkHoursGross = "gross"
)

// BreakRule deducts Break from an entry longer than After.
type BreakRule struct {
	After Duration `toml:"after"`
	Break Duration `toml:"break"`
}

// Enabled reports whether the uplink is configured.
func (b Blikk) Enabled() bool { return b.URL != "" }

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

// validateMore checks the Blikk section and the read side (day totals,
// locked days), filling in their defaults.
func (c *Config) validateMore() error {
	if err := c.validateBlikk(); err != nil {
		return err
	}
	return c.validateDayTotal()
}

func (c *Config) validateBlikk() error {
	b := &c.Blikk
	if !b.Enabled() {
		return nil
	}
	if err := checkURL("blikk", b.URL, b.AllowHTTP); err != nil {
		return err
	}
	if b.AppID == "" {
		return fmt.Errorf("blikk.app_id: required (the API application's id)")
	}
	if b.AppSecretFile == "" {
		return fmt.Errorf("blikk.app_secret_file: required (a file holding the API application's secret)")
	}
	s, err := ReadSecret(b.AppSecretFile)
	if err != nil {
		return fmt.Errorf("blikk.app_secret_file: %w", err)
	}
	b.AppSecret = s
	if err := checkIntIDs("blikk.users", "Blikk user id", b.Users); err != nil {
		return err
	}
	for key, id := range map[string]int{"blikk.activity_id": b.ActivityID, "blikk.time_code_id": b.TimeCodeID, "blikk.time_article_id": b.TimeArticleID} {
		if id <= 0 {
			return fmt.Errorf("%s: required, a positive id (see `stampctl check`)", key)
		}
	}
	for key, id := range map[string]int{"blikk.project_id": b.ProjectID, "blikk.internal_project_id": b.InternalProjectID} {
		if id < 0 {
			return fmt.Errorf("%s: %d is negative; 0 means none", key, id)
		}
	}
	afters := map[time.Duration]bool{}
	for i, r := range b.Breaks {
		if r.After.Duration <= 0 || r.Break.Duration <= 0 || r.Break.Duration >= r.After.Duration {
			return fmt.Errorf("blikk.breaks[%d]: after %s, break %s; want both positive and the break shorter than after, like { after = \"6h\", break = \"30m\" }", i, r.After, r.Break)
		}
		if afters[r.After.Duration] {
			return fmt.Errorf("blikk.breaks[%d]: a rule for after %s is already there", i, r.After)
		}
		afters[r.After.Duration] = true
	}
	if b.Timeout.Duration == 0 {
		b.Timeout.Duration = blikk.DefaultTimeout
	}
	if b.Timeout.Duration < 0 {
		return fmt.Errorf("blikk.timeout: %s is negative", b.Timeout)
	}
	if b.RequestsPerSecond == 0 {
		b.RequestsPerSecond = blikk.DefaultRequestsPerSecond
	}
	if b.RequestsPerSecond < 1 || b.RequestsPerSecond > blikk.DefaultRequestsPerSecond {
		return fmt.Errorf("blikk.requests_per_second: %d; want 1 to %d (the API's limit per token)", b.RequestsPerSecond, blikk.DefaultRequestsPerSecond)
	}
	if b.RateMargin.Duration == 0 {
		b.RateMargin.Duration = blikk.DefaultRateMargin
	}
	if b.RateMargin.Duration < 0 || b.RateMargin.Duration > time.Second {
		return fmt.Errorf("blikk.rate_margin: %s; want a positive duration up to 1s, like \"250ms\"", b.RateMargin)
	}
	switch b.Hours {
	case "":
		b.Hours = BlikkHoursNet
	case BlikkHoursNet, BlikkHoursGross:
	default:
		return fmt.Errorf("blikk.hours: %q; want %q (break already deducted) or %q (Blikk deducts breakMinutes)", b.Hours, BlikkHoursNet, BlikkHoursGross)
	}
	return nil
}

// BreakRules returns the configured break rules for the blikk package.
func (b Blikk) BreakRules() []blikk.BreakRule {
	out := make([]blikk.BreakRule, len(b.Breaks))
	for i, r := range b.Breaks {
		out[i] = blikk.BreakRule{After: r.After.Duration, Break: r.Break.Duration}
	}
	return out
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
	seen := map[string]string{}
	for _, email := range slices.Sorted(maps.Keys(t.People)) {
		if !ValidEmail(email) {
			return fmt.Errorf("daytotal.timesheets.people: %q is not an email address", email)
		}
		if _, err := strconv.ParseUint(t.People[email], 10, 64); err != nil {
			return fmt.Errorf("daytotal.timesheets.people.%q: %q; want a numeric person_id", email, t.People[email])
		}
		if prev, dup := seen[strings.ToLower(email)]; dup {
			return fmt.Errorf("daytotal.timesheets.people: %q and %q are the same email", prev, email)
		}
		seen[strings.ToLower(email)] = email
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
	if len(m) == 0 {
		return fmt.Errorf("%s: required, at least one email = %s", key, what)
	}
	seen := map[string]string{}
	for _, email := range slices.Sorted(maps.Keys(m)) {
		if !ValidEmail(email) {
			return fmt.Errorf("%s: %q is not an email address", key, email)
		}
		if m[email] <= 0 {
			return fmt.Errorf("%s.%q: %d; want a positive %s", key, email, m[email], what)
		}
		if prev, dup := seen[strings.ToLower(email)]; dup {
			return fmt.Errorf("%s: %q and %q are the same email", key, prev, email)
		}
		seen[strings.ToLower(email)] = email
	}
	return nil
}
