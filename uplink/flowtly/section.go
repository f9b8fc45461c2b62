package flowtly

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"stampclock/uplink"
)

// Name is the uplink's config section and pending set.
const Name = "flowtly"

// Values of flowtly.date.
const (
	DateCalendar      = "calendar"
	DateLocalMidnight = "local-midnight"
)

// Config is the [flowtly] section. The uplink is enabled when URL is set.
type Config struct {
	// URL is the API root, e.g. "https://api.flowtly.eu". Default: none
	// (uplink off).
	URL string `toml:"url"`
	// TokenFile holds the API token (root:stampclock 0640). Required.
	TokenFile string `toml:"token_file"`
	// Token is read from TokenFile.
	Token string `toml:"-"`
	// AuthHeader and AuthScheme carry the token. Defaults "Authorization"
	// and "Bearer"; scheme "none" sends the bare token.
	AuthHeader string `toml:"auth_header"`
	AuthScheme string `toml:"auth_scheme"`
	// Project receives every entry: an IRI or a bare id. Required.
	Project string `toml:"project"`
	// IRIPrefix builds IRIs from bare ids. Default "/api".
	IRIPrefix string `toml:"iri_prefix"`
	// Description is the template of every record's description.
	// Default "Stampclock {start}-{end}". Equal descriptions are safe:
	// reconciliation counts identical records.
	Description string `toml:"description"`
	// Date is how "date" is written: "calendar" (default: the local date
	// at midnight labelled +00:00, as in the API's example) or
	// "local-midnight" (the local midnight with its real offset).
	Date string `toml:"date"`
	// Timeout bounds each request. Default 15s.
	Timeout uplink.Duration `toml:"timeout"`
	// Employees maps an employee's email to a Flowtly employee IRI or id.
	// At least one.
	Employees map[string]string `toml:"employees"`
	// AllowHTTP permits a plain http:// URL (test servers only).
	AllowHTTP bool `toml:"allow_http"`
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
			f := s.(*Config)
			o := f.options(env.Location, env.HTTPClient, env.Logger, uplink.Twins{Ledger: env.Ledger, Uplink: Name})
			o.Now = env.Now
			c, err := New(o)
			return uplink.Built{Sender: c}, err
		},
		Check: func(ctx context.Context, s uplink.Section, env uplink.CheckEnv) []uplink.CheckStep {
			return check(ctx, s.(*Config), env)
		},
	}
}

// options maps the section to the client's options.
func (f *Config) options(loc *time.Location, hc *http.Client, log *slog.Logger, twins uplink.Twins) Options {
	return Options{
		BaseURL: f.URL, Token: f.Token, AuthHeader: f.AuthHeader, AuthScheme: f.AuthScheme,
		Employees: f.Employees, Project: f.Project, IRIPrefix: f.IRIPrefix,
		Location: loc, Description: f.Description, Timeout: f.Timeout.Duration,
		LocalMidnight: f.Date == DateLocalMidnight,
		HTTPClient:    hc, Logger: log, Twins: twins,
	}
}

// Enabled reports whether the uplink is configured.
func (f *Config) Enabled() bool { return f.URL != "" }

// Files returns the token file by key.
func (f *Config) Files() map[string]string {
	return map[string]string{Name + ".token_file": f.TokenFile}
}

// Prepare fills the defaults, reads the token and validates.
func (f *Config) Prepare(g uplink.Globals) error {
	if err := uplink.CheckURL(Name, f.URL, f.AllowHTTP); err != nil {
		return err
	}
	if f.TokenFile == "" {
		return fmt.Errorf("flowtly.token_file: required (a file holding the API token)")
	}
	tok, err := g.ReadSecret(f.TokenFile)
	if err != nil {
		return fmt.Errorf("flowtly.token_file: %w", err)
	}
	f.Token = tok
	if f.AuthHeader == "" {
		f.AuthHeader = DefaultAuthHeader
	}
	if f.AuthScheme == "" {
		f.AuthScheme = DefaultAuthScheme
	}
	if f.IRIPrefix == "" {
		f.IRIPrefix = DefaultIRIPrefix
	}
	switch f.Date {
	case "":
		f.Date = DateCalendar
	case DateCalendar, DateLocalMidnight:
	default:
		return fmt.Errorf("flowtly.date: %q; want %q (the local date labelled +00:00) or %q (local midnight with its offset)", f.Date, DateCalendar, DateLocalMidnight)
	}
	if f.Description == "" {
		f.Description = DefaultDescription
	}
	if f.Timeout.Duration == 0 {
		f.Timeout.Duration = DefaultTimeout
	}
	if strings.ContainsAny(f.AuthHeader, " :\r\n") {
		return fmt.Errorf("flowtly.auth_header: %q is not a header name", f.AuthHeader)
	}
	if strings.ContainsAny(f.AuthScheme, " \r\n") {
		return fmt.Errorf("flowtly.auth_scheme: %q; want one word like \"Bearer\", or \"none\"", f.AuthScheme)
	}
	if !strings.HasPrefix(f.IRIPrefix, "/") || strings.HasSuffix(f.IRIPrefix, "/") {
		return fmt.Errorf("flowtly.iri_prefix: %q; want a path like \"/api\"", f.IRIPrefix)
	}
	if f.Project == "" || strings.ContainsAny(f.Project, " \t\r\n?#") {
		return fmt.Errorf("flowtly.project: %q; want the project's IRI (\"/api/projects/aurora\") or id", f.Project)
	}
	if f.Timeout.Duration < 0 {
		return fmt.Errorf("flowtly.timeout: %s is negative", f.Timeout)
	}
	return uplink.CheckIDs(g, "flowtly.employees", "employee IRI or id", f.Employees, func(id string) error {
		if id == "" || strings.ContainsAny(id, " \t\r\n?#") {
			return fmt.Errorf("%q; want an employee IRI (\"/api/employees/emp_102\") or id", id)
		}
		return nil
	})
}

// check is the uplink's `stampctl check`: the token, then that the
// configured employees exist; the project IRI is shown, as the API has no
// way to read it.
func check(ctx context.Context, f *Config, env uplink.CheckEnv) []uplink.CheckStep {
	o := f.options(env.Location, env.HTTPClient, nil, uplink.Twins{})
	o.Timeout = 10 * time.Second
	c, err := New(o)
	if err != nil {
		return []uplink.CheckStep{{Name: "flowtly", Err: err}}
	}
	if err := c.CheckToken(ctx); err != nil {
		return []uplink.CheckStep{{Name: "flowtly token", Err: err}, {Name: "flowtly employees", Skipped: true, Detail: "token check failed"}}
	}
	steps := []uplink.CheckStep{{Name: "flowtly token", Detail: "the work-time list answers with this token"}}
	missing, err := c.CheckEmployees(ctx)
	if err == nil && len(missing) > 0 {
		err = fmt.Errorf("not known to Flowtly: %s", strings.Join(missing, ", "))
	}
	return append(steps, uplink.CheckStep{Name: "flowtly employees", Err: err, Detail: fmt.Sprintf("all %d configured employees exist; project %s (not checkable: the API has no project endpoint)", len(f.Employees), c.ProjectIRI())})
}
