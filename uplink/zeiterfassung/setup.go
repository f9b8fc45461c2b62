package zeiterfassung

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"stampclock/uplink"
)

// setup is the uplink's part of `stampctl init`. Its flags keep the
// names init always had (--url, --email, --timetype, --password-file,
// --allow-http).
func setup() *uplink.Init {
	return &uplink.Init{
		Questions: []uplink.Question{
			{Key: "allow_http", Flag: "allow-http", Type: uplink.Bool, Optional: true},
			{Key: "url", Flag: "url", Prompt: "Zeiterfassung URL (https://…)", Check: uplink.CheckURLAnswer(Name)},
			{Key: "email", Flag: "email", Prompt: "Admin login email", Check: func(v string, _ uplink.Answers, g uplink.Globals) error {
				if !g.ValidEmail(v) {
					return fmt.Errorf("%s.email: %q is not an email address", Name, v)
				}
				return nil
			}},
			{Key: "timetype_id", Flag: "timetype", Prompt: "Time type (name or id)"},
			{Key: "password_file", Flag: "password-file", Prompt: "API password (Einstellungen → Sicherheit)", Secret: true},
		},
		Resolve: resolveTimeType,
	}
}

// resolveTimeType logs in and turns the answer timetype_id, the id or name
// (case-insensitive) of a time type, into its id. A login failure is
// reported as such, not as a time type problem.
func resolveTimeType(ctx context.Context, a uplink.Answers, hc *http.Client) (string, error) {
	c, err := New(Options{
		BaseURL: a["url"], Email: a["email"], Password: a["password_file"], TimeTypeID: "-",
		Location: time.UTC, Timeout: 10 * time.Second, HTTPClient: hc,
	})
	if err != nil {
		return "", err
	}
	if err := c.SecuredHello(ctx); err != nil {
		return "", fmt.Errorf("login as %s at %s: %s", a["email"], a["url"], uplink.Explain(err))
	}
	types, err := c.TimeTypes(ctx)
	if err != nil {
		return "", fmt.Errorf("list time types: %s", uplink.Explain(err))
	}
	want := a["timetype_id"]
	for _, t := range types {
		if t.ID == want || strings.EqualFold(t.Name, want) {
			a["timetype_id"] = t.ID
			return fmt.Sprintf("time type %s = %s", t.Name, t.ID), nil
		}
	}
	return "", fmt.Errorf("--timetype %q (%s.timetype_id): no such time type; the server has: %s", want, Name, Names(types))
}
