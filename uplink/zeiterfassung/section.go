package zeiterfassung

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"stampclock/uplink"
)

// Name is the uplink's config section and pending set.
const Name = "zeiterfassung"

// Config is the [zeiterfassung] section. The uplink is enabled when URL is
// set.
type Config struct {
	URL          string          `toml:"url"`
	Email        string          `toml:"email"`
	Password     string          `toml:"password"`
	PasswordFile string          `toml:"password_file"`
	TimeTypeID   string          `toml:"timetype_id"`
	ProjectID    string          `toml:"project_id"`
	Comment      string          `toml:"comment"`
	AuthHeader   string          `toml:"auth_header"`
	AuthScheme   string          `toml:"auth_scheme"`
	Timeout      uplink.Duration `toml:"timeout"`
	// AllowHTTP permits a plain http:// URL (test servers only).
	AllowHTTP bool `toml:"allow_http"`
}

// Kind declares the uplink for the list in uplink/uplinks: it takes
// entries, vetted by the daemon's entry check, and its client lists the
// users enrolment checks emails against.
func Kind() uplink.Kind {
	return uplink.Kind{
		Name:    Name,
		Entries: true,
		WhenOff: "no [zeiterfassung] url configured",
		Section: func() uplink.Section { return &Config{} },
		Init:    setup(),
		New: func(s uplink.Section, env uplink.Env) (uplink.Built, error) {
			z := s.(*Config)
			c, err := New(Options{
				BaseURL: z.URL, Email: z.Email, Password: z.Password,
				TimeTypeID: z.TimeTypeID, ProjectID: z.ProjectID, Comment: z.Comment,
				Location: env.Location, AuthHeader: z.AuthHeader, AuthScheme: z.AuthScheme,
				Timeout: z.Timeout.Duration, HTTPClient: env.HTTPClient, Logger: env.Logger,
				Now: env.Now, Twins: uplink.Twins{Ledger: env.Ledger, Uplink: Name},
			})
			return uplink.Built{Sender: c}, err
		},
		Check: func(ctx context.Context, s uplink.Section, env uplink.CheckEnv) []uplink.CheckStep {
			return check(ctx, s.(*Config), env)
		},
	}
}

// Enabled reports whether the uplink is configured.
func (z *Config) Enabled() bool { return z.URL != "" }

// Files returns the password file by key.
func (z *Config) Files() map[string]string {
	return map[string]string{Name + ".password_file": z.PasswordFile}
}

// Prepare fills the defaults, reads the password and validates.
func (z *Config) Prepare(g uplink.Globals) error {
	if z.AuthHeader == "" {
		z.AuthHeader = DefaultAuthHeader
	}
	if z.AuthScheme == "" {
		z.AuthScheme = DefaultAuthScheme
	}
	if z.Timeout.Duration == 0 {
		z.Timeout.Duration = DefaultTimeout
	}
	if z.Timeout.Duration < 0 {
		return fmt.Errorf("zeiterfassung.timeout: %s is negative", z.Timeout.Duration)
	}
	if err := uplink.CheckURL(Name, z.URL, z.AllowHTTP); err != nil {
		return err
	}
	if !g.ValidEmail(z.Email) {
		return fmt.Errorf("zeiterfassung.email: %q is not an email address", z.Email)
	}
	if z.TimeTypeID == "" {
		return fmt.Errorf("zeiterfassung.timetype_id: required (the id of the time type, e.g. \"Arbeitszeit\")")
	}
	if z.Password != "" && z.PasswordFile != "" {
		return fmt.Errorf("zeiterfassung.password and zeiterfassung.password_file: set only one")
	}
	if z.PasswordFile != "" {
		p, err := g.ReadSecret(z.PasswordFile)
		if err != nil {
			return fmt.Errorf("zeiterfassung.password_file: %w", err)
		}
		z.Password = p
	}
	if z.Password == "" {
		return fmt.Errorf("zeiterfassung.password_file: required (a file holding the API password)")
	}
	if strings.ContainsAny(z.AuthHeader, " :\r\n") {
		return fmt.Errorf("zeiterfassung.auth_header: %q is not a header name", z.AuthHeader)
	}
	return nil
}

// check runs the network and API steps in order; a step that depends on a
// failed one is skipped with the reason. A refused login, an unknown time
// type and badges of unknown users are configuration problems.
func check(ctx context.Context, z *Config, env uplink.CheckEnv) []uplink.CheckStep {
	steps, ok := uplink.CheckReach(ctx, z.URL, env)
	if !ok {
		return steps
	}
	client, err := New(Options{
		BaseURL: z.URL, Email: z.Email, Password: z.Password, TimeTypeID: z.TimeTypeID,
		Location: env.Location, AuthHeader: z.AuthHeader, AuthScheme: z.AuthScheme, Timeout: 10 * time.Second,
		HTTPClient: env.HTTPClient,
	})
	if err != nil {
		return append(steps, uplink.CheckStep{Name: "API client", Err: err})
	}
	steps = append(steps, uplink.CheckStep{Name: "GET /api/hello/sayhello", Err: explained("", client.Hello(ctx)), Detail: "the API answers"})
	if err := client.SecuredHello(ctx); err != nil {
		var ue *uplink.Error
		refused := errors.As(err, &ue) && (ue.Status == http.StatusUnauthorized || ue.Status == http.StatusForbidden)
		return append(steps, uplink.CheckStep{Name: "login", Err: explained("POST /api/login as "+z.Email, err), Config: refused},
			uplink.CheckStep{Name: "time type", Skipped: true, Detail: "login failed"},
			uplink.CheckStep{Name: "users", Skipped: true, Detail: "login failed"})
	}
	steps = append(steps, uplink.CheckStep{Name: "login", Detail: "logged in as " + z.Email + " (GET /api/hello/securedSayhello)"})
	types, err := client.TimeTypes(ctx)
	tt := uplink.CheckStep{Name: "time type", Err: err}
	if err == nil {
		tt.Err, tt.Config = fmt.Errorf("zeiterfassung.timetype_id %q is not among the %d time types: %s", z.TimeTypeID, len(types), Names(types)), true
		for _, t := range types {
			if t.ID == z.TimeTypeID {
				tt = uplink.CheckStep{Name: "time type", Detail: fmt.Sprintf("%s = %s", t.ID, t.Name)}
				break
			}
		}
	}
	steps = append(steps, tt)
	users, err := client.Users(ctx)
	us := uplink.CheckStep{Name: "users", Err: err}
	if err == nil {
		known := make(map[string]bool, len(users))
		for _, u := range users {
			known[strings.ToLower(u)] = true
		}
		var missing []string
		for _, e := range env.Emails {
			if !known[strings.ToLower(e)] {
				missing = append(missing, e)
			}
		}
		if len(missing) > 0 {
			us.Err, us.Config = fmt.Errorf("badges for emails that are not users: %s", strings.Join(missing, ", ")), true
		}
	}
	if us.Err == nil {
		us.Detail = fmt.Sprintf("%d users; every configured badge's email is one of them", len(users))
	}
	return append(steps, us)
}

// explained is err for a person (uplink.Explain), after what.
func explained(what string, err error) error {
	if err == nil {
		return nil
	}
	if what == "" {
		return errors.New(uplink.Explain(err))
	}
	return fmt.Errorf("%s: %s", what, uplink.Explain(err))
}

// Names lists time types or projects as "name (id), …" for messages.
func Names(ts []IDName) string {
	var s []string
	for _, t := range ts {
		s = append(s, fmt.Sprintf("%s (%s)", t.Name, t.ID))
	}
	return strings.Join(s, ", ")
}
