package flowtly

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"stampclock/uplink"
	"stampclock/uplink/rest"
)

// Defaults for zero Options fields.
const (
	DefaultBaseURL     = "https://api.flowtly.eu"
	DefaultAuthHeader  = "Authorization"
	DefaultAuthScheme  = "Bearer"
	DefaultIRIPrefix   = "/api"
	DefaultDescription = "Stampclock {start}-{end}"
	DefaultTimeout     = 15 * time.Second
	DefaultMaxPages    = 20
)

// AuthSchemeNone as Options.AuthScheme sends the bare token in the header.
const AuthSchemeNone = "none"

// DescriptionNone as Options.Description sends "description": null.
const DescriptionNone = "none"

// ContentType is the media type of request bodies: JSON-LD, as the
// snapshot's IRIs and "@id" fields imply.
const ContentType = "application/ld+json"

// maxAnswer bounds how much of an answer body is read.
const maxAnswer = 1 << 20

// maxMsg bounds a server message kept in an error.
const maxMsg = 500

// Options configure a Client. Zero values mean the documented default.
type Options struct {
	// BaseURL is the API root; the path /employee_working_hours is
	// appended. Default DefaultBaseURL ("https://api.flowtly.eu").
	BaseURL string
	// Token is the API token sent in AuthHeader. Required. Never logged.
	Token string
	// AuthHeader is the header carrying Token; default "Authorization".
	AuthHeader string
	// AuthScheme precedes Token in AuthHeader ("Bearer <token>"); default
	// "Bearer". AuthSchemeNone ("none") sends the bare token.
	AuthScheme string
	// Employees maps an employee's email (compared case-insensitively) to
	// the Flowtly employee: an IRI ("/api/employees/emp_102") or a bare id
	// ("emp_102"), from which the IRI IRIPrefix+"/employees/"+id is built.
	// An entry for an email not in the map is rejected (Permanent).
	Employees map[string]string
	// Project is the project that receives every entry: an IRI
	// ("/api/projects/aurora") or a bare id. Required.
	Project string
	// IRIPrefix is the path before "/employees/…" and "/projects/…" in
	// IRIs built from bare ids; default "/api".
	IRIPrefix string
	// Location is the company's time zone: it decides the calendar day an
	// entry belongs to and where it is split. Required.
	Location *time.Location
	// Description is the template for every record's description. The
	// placeholders {date} (2006-01-02), {start} and {end} (15:04, the
	// part of the entry on that day; a part ending at midnight ends
	// "24:00"), {email} and {seq} are replaced. Default DefaultDescription
	// ("Stampclock {start}-{end}"); DescriptionNone ("none") sends null.
	// Reconciling compares descriptions and counts identical records
	// (Twins), so equal descriptions are safe when Twins is set.
	Description string
	// LocalMidnight writes "date" as the local midnight with its real
	// offset ("2024-07-04T00:00:00+02:00"), for a server that books the
	// instant in its viewers' zones. Default false: the local calendar
	// date at midnight labelled +00:00, as in the document's example
	// ("2024-07-04T00:00:00+00:00"), which a server booking days in UTC
	// files on the local date.
	LocalMidnight bool
	// Timeout bounds each HTTP request; default 15s.
	Timeout time.Duration
	// MaxPages bounds how many list pages a reconcile reads; default 20.
	// A longer list fails the reconcile (Uncertain) rather than guess.
	MaxPages int
	// HTTPClient sends the requests; default a client with Timeout. The
	// client is copied and never follows redirects.
	HTTPClient *http.Client
	// Twins counts the entries this terminal already sent that the server
	// cannot tell apart from one being reconciled. The zero value counts
	// none: then one identical record on the server is taken for the one being
	// sent. The daemon sets it.
	Twins uplink.Twins
	// Logger receives the client's logs; default discards.
	Logger *slog.Logger
	// Now is the clock used to turn a Retry-After date into a wait;
	// default time.Now.
	Now func() time.Time
}

// Client delivers entries to one Flowtly account. It is safe for
// concurrent use.
type Client struct {
	o         Options
	rest      *rest.Client
	log       *slog.Logger
	employees map[string]string // lower-case email → IRI
	project   string            // IRI
}

// New checks o and returns a client. It does not contact the server.
func New(o Options) (*Client, error) {
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	base, err := rest.ParseBase(o.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("flowtly: Options.BaseURL: %w", err)
	}
	if o.Token == "" {
		return nil, errors.New("flowtly: Options.Token is required")
	}
	if o.Project == "" {
		return nil, errors.New("flowtly: Options.Project is required")
	}
	if o.Location == nil {
		return nil, errors.New("flowtly: Options.Location is required")
	}
	if o.AuthHeader == "" {
		o.AuthHeader = DefaultAuthHeader
	}
	if o.AuthScheme == "" {
		o.AuthScheme = DefaultAuthScheme
	}
	if o.IRIPrefix == "" {
		o.IRIPrefix = DefaultIRIPrefix
	}
	o.IRIPrefix = "/" + strings.Trim(o.IRIPrefix, "/")
	if o.Description == "" {
		o.Description = DefaultDescription
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxPages <= 0 {
		o.MaxPages = DefaultMaxPages
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	c := &Client{o: o, employees: map[string]string{}}
	for email, who := range o.Employees {
		iri, err := c.iri("employees", who)
		if err != nil {
			return nil, fmt.Errorf("flowtly: Options.Employees[%q]: %w", email, err)
		}
		c.employees[strings.ToLower(strings.TrimSpace(email))] = iri
	}
	if c.project, err = c.iri("projects", o.Project); err != nil {
		return nil, fmt.Errorf("flowtly: Options.Project: %w", err)
	}
	c.log = o.Logger.With("uplink", "flowtly")
	if c.rest, err = rest.New(rest.Options{BaseURL: base.String(), Timeout: o.Timeout, MaxAnswer: maxAnswer, HTTPClient: o.HTTPClient, Now: o.Now, Logger: c.log, Classes: map[int]uplink.Class{http.StatusConflict: uplink.Permanent}}); err != nil {
		return nil, fmt.Errorf("flowtly: %w", err)
	}
	return c, nil
}

// iri returns v as an IRI of collection: v itself if it starts with "/",
// else IRIPrefix/collection/v.
func (c *Client) iri(collection, v string) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return "", errors.New("empty")
	case strings.HasPrefix(v, "/"):
		if strings.ContainsAny(v, "?# ") {
			return "", fmt.Errorf("IRI %q: want a path without query or spaces", v)
		}
		return v, nil
	case strings.ContainsAny(v, "/?# "):
		return "", fmt.Errorf("id %q: want an IRI starting with / or a bare id", v)
	}
	return c.o.IRIPrefix + "/" + collection + "/" + url.PathEscape(v), nil
}

// EmployeeIRI returns the IRI configured for email.
func (c *Client) EmployeeIRI(email string) (string, bool) {
	iri, ok := c.employees[strings.ToLower(strings.TrimSpace(email))]
	return iri, ok
}

// do performs one HTTP exchange with u (absolute). body, if not nil, is
// JSON-encoded. It returns a classified *uplink.Error for transport
// failures; statuses are the caller's.
func (c *Client) do(ctx context.Context, method string, u *url.URL, body any) (*rest.Answer, error) {
	h := http.Header{}
	h.Set("Accept", "application/ld+json, application/json;q=0.9, */*;q=0.1")
	if body != nil {
		h.Set("Content-Type", ContentType)
	}
	v := c.o.Token
	if c.o.AuthScheme != AuthSchemeNone {
		v = c.o.AuthScheme + " " + v
	}
	h.Set(c.o.AuthHeader, v)
	return c.rest.Do(ctx, rest.Request{Method: method, URL: u, JSON: body, Header: h})
}

// endpoint returns BaseURL + path with query q.
func (c *Client) endpoint(path string, q url.Values) *url.URL {
	u := c.rest.URL(path)
	if q != nil {
		u.RawQuery = q.Encode()
	}
	return u
}

// statusError classifies a non-2xx answer (rest.Client.Classify, 409
// Permanent): 401 and 403 Retry (the token, not the record, is wrong),
// 429 Retry, 408 and 5xx Uncertain, 3xx Retry (a misconfigured BaseURL;
// nothing was stored), other 4xx Permanent with the server's messages
// (ParseErrorBody). RetryAfter is kept when sent.
func (c *Client) statusError(a *rest.Answer) *uplink.Error {
	e := c.rest.Classify(a, ParseErrorBody(a.Body))
	if a.Status == http.StatusUnauthorized || a.Status == http.StatusForbidden {
		e.Msg = fmt.Sprintf("token rejected (check the Flowtly API token and its rights, header %s): %s", c.o.AuthHeader, e.Msg)
	}
	return e
}
