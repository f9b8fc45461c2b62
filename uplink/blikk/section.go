package blikk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"stampclock/uplink"
)

// Name is the uplink's config section and pending set.
const Name = "blikk"

// Values of blikk.hours.
const (
	HoursNet   = "net"
	HoursGross = "gross"
)

// Config is the [blikk] section (time reports through the public API). The
// uplink is enabled when URL is set.
type Config struct {
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
	Breaks []BreakRuleConfig `toml:"breaks"`
	// Timeout bounds each request. Default 15s.
	Timeout uplink.Duration `toml:"timeout"`
	// RequestsPerSecond caps the calls per second (the API allows 4 per
	// token). Default 4.
	RequestsPerSecond int `toml:"requests_per_second"`
	// RateMargin widens the one-second window of the rate limit, for
	// network jitter. Default "250ms"; at most "1s".
	RateMargin uplink.Duration `toml:"rate_margin"`
	// Hours is "net" (default: the break is already deducted, as in the
	// API's create example) or "gross" (Blikk deducts breakMinutes itself).
	Hours string `toml:"hours"`
	// AllowHTTP permits a plain http:// URL (test servers only).
	AllowHTTP bool `toml:"allow_http"`
}

// BreakRuleConfig is a break rule as written in the config.
type BreakRuleConfig struct {
	After uplink.Duration `toml:"after"`
	Break uplink.Duration `toml:"break"`
}

// Kind declares the uplink for the list in uplink/uplinks: it takes
// entries, vetted by the daemon's entry check.
func Kind() uplink.Kind {
	return uplink.Kind{
		Name:    Name,
		Entries: true,
		Section: func() uplink.Section { return &Config{} },
		Init:    setup(),
		New: func(s uplink.Section, env uplink.Env) (uplink.Built, error) {
			// The client's rate limiter and token expiry run on the real,
			// monotonic clock (its default), not on the injected wall clock.
			c, err := New(s.(*Config).options(env.Location, env.HTTPClient, env.Logger, uplink.Twins{Ledger: env.Ledger, Uplink: Name}))
			return uplink.Built{Sender: c}, err
		},
		Check: func(ctx context.Context, s uplink.Section, env uplink.CheckEnv) []uplink.CheckStep {
			return check(ctx, s.(*Config), env)
		},
	}
}

// options maps the section to the client's options.
func (b *Config) options(loc *time.Location, hc *http.Client, log *slog.Logger, twins uplink.Twins) Options {
	return Options{
		BaseURL: b.URL, AppID: b.AppID, AppSecret: b.AppSecret, Users: b.Users,
		ActivityID: b.ActivityID, TimeCodeID: b.TimeCodeID, TimeArticleID: b.TimeArticleID,
		ProjectID: b.ProjectID, InternalProjectID: b.InternalProjectID, Comment: b.Comment,
		Location: loc, BreakRules: b.BreakRules(),
		Timeout: b.Timeout.Duration, RequestsPerSecond: b.RequestsPerSecond,
		RateMargin: b.RateMargin.Duration, HoursGross: b.Hours == HoursGross,
		HTTPClient: hc, Logger: log, Twins: twins,
	}
}

// Enabled reports whether the uplink is configured.
func (b *Config) Enabled() bool { return b.URL != "" }

// Files returns the secret file by key.
func (b *Config) Files() map[string]string {
	return map[string]string{Name + ".app_secret_file": b.AppSecretFile}
}

// BreakRules returns the configured break rules.
func (b *Config) BreakRules() []BreakRule {
	out := make([]BreakRule, len(b.Breaks))
	for i, r := range b.Breaks {
		out[i] = BreakRule{After: r.After.Duration, Break: r.Break.Duration}
	}
	return out
}

// Prepare fills the defaults, reads the secret and validates.
func (b *Config) Prepare(g uplink.Globals) error {
	if err := uplink.CheckURL(Name, b.URL, b.AllowHTTP); err != nil {
		return err
	}
	if b.AppID == "" {
		return fmt.Errorf("blikk.app_id: required (the API application's id)")
	}
	if b.AppSecretFile == "" {
		return fmt.Errorf("blikk.app_secret_file: required (a file holding the API application's secret)")
	}
	s, err := g.ReadSecret(b.AppSecretFile)
	if err != nil {
		return fmt.Errorf("blikk.app_secret_file: %w", err)
	}
	b.AppSecret = s
	if err := g.CheckIntIDs("blikk.users", "Blikk user id", b.Users); err != nil {
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
		b.Timeout.Duration = DefaultTimeout
	}
	if b.Timeout.Duration < 0 {
		return fmt.Errorf("blikk.timeout: %s is negative", b.Timeout)
	}
	if b.RequestsPerSecond == 0 {
		b.RequestsPerSecond = DefaultRequestsPerSecond
	}
	if b.RequestsPerSecond < 1 || b.RequestsPerSecond > DefaultRequestsPerSecond {
		return fmt.Errorf("blikk.requests_per_second: %d; want 1 to %d (the API's limit per token)", b.RequestsPerSecond, DefaultRequestsPerSecond)
	}
	if b.RateMargin.Duration == 0 {
		b.RateMargin.Duration = DefaultRateMargin
	}
	if b.RateMargin.Duration < 0 || b.RateMargin.Duration > time.Second {
		return fmt.Errorf("blikk.rate_margin: %s; want a positive duration up to 1s, like \"250ms\"", b.RateMargin)
	}
	switch b.Hours {
	case "":
		b.Hours = HoursNet
	case HoursNet, HoursGross:
	default:
		return fmt.Errorf("blikk.hours: %q; want %q (break already deducted) or %q (Blikk deducts breakMinutes)", b.Hours, HoursNet, HoursGross)
	}
	return nil
}

// check is the uplink's `stampctl check`: the token, then that the
// configured users and activity / time code / time article ids exist. A
// refused login or an unknown id is a configuration problem.
func check(ctx context.Context, b *Config, env uplink.CheckEnv) []uplink.CheckStep {
	o := b.options(env.Location, env.HTTPClient, nil, uplink.Twins{})
	o.Timeout, o.Comment, o.BreakRules, o.RateMargin, o.HoursGross = 10*time.Second, "", nil, 0, false
	c, err := New(o)
	if err != nil {
		return []uplink.CheckStep{{Name: "blikk", Err: err}}
	}
	exp, err := c.CheckToken(ctx)
	if err != nil {
		var ue *uplink.Error
		refused := errors.As(err, &ue) && (ue.Status == http.StatusUnauthorized || ue.Status == http.StatusForbidden)
		return []uplink.CheckStep{{Name: "blikk token", Err: err, Config: refused}}
	}
	steps := []uplink.CheckStep{{Name: "blikk token", Detail: "valid until " + exp.Format(time.RFC3339)}}
	idErr := c.CheckIDs(ctx)
	return append(steps, uplink.CheckStep{Name: "blikk users and ids", Err: idErr,
		Config: errors.Is(idErr, ErrUnknownID) || errors.Is(idErr, ErrInactive),
		Detail: "every configured user, activity, time code and time article exists and is active"})
}
