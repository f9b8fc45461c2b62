package zeiterfassung

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"stampclock/uplink"
	"stampclock/uplink/rest"
)

// Defaults for zero Options fields.
const (
	DefaultAuthHeader = "Authorization"
	DefaultAuthScheme = "Bearer"
	DefaultTimeout    = 15 * time.Second
)

// AuthSchemeNone as Options.AuthScheme sends the bare token in the header.
const AuthSchemeNone = "none"

// maxAnswer bounds how much of an answer body is read.
const maxAnswer = 1 << 20

// maxMsg bounds a server message kept in an error.
const maxMsg = 500

// Options configure a Client. Zero values mean the documented default.
type Options struct {
	// BaseURL is the server, e.g. "https://zeit.example.com"; the API paths
	// /api/... are appended. Required, http or https.
	BaseURL string
	// Email is the admin's login email (loginemail). Required.
	Email string
	// Password is the API password (apipassword). Never logged.
	Password string
	// TimeTypeID is sent as timetypeid with every entry. Required.
	TimeTypeID string
	// ProjectID is sent as projectid with every entry; "" omits it.
	ProjectID string
	// Comment is sent as comment with every entry; "" omits it.
	Comment string
	// Location is the company's time zone: times are sent as wall clock in
	// it. Required.
	Location *time.Location
	// AuthHeader is the header carrying the token; default "Authorization".
	AuthHeader string
	// AuthScheme precedes the token in AuthHeader ("Bearer <token>");
	// default "Bearer". AuthSchemeNone ("none") sends the bare token.
	AuthScheme string
	// Timeout bounds each HTTP request (login, query, create); default 15s.
	Timeout time.Duration
	// Parallel is how many requests SendBatch keeps in flight, one lane per
	// employee; default 4. 1 sends strictly one entry after another.
	Parallel int
	// HTTPClient sends the requests; default a client with Timeout. The
	// client is copied and never follows redirects (a POST turned into a
	// GET by a redirect would look like a success).
	HTTPClient *http.Client
	// Twins counts the entries this terminal already sent that the server
	// cannot tell apart from one being reconciled (the same wall-clock
	// times). The zero value counts none: then one identical entry on the
	// server is taken for the one being sent. The daemon sets it.
	Twins uplink.Twins
	// Logger receives the client's logs; default discards.
	Logger *slog.Logger
	// Now is the clock used to turn a Retry-After date into a wait;
	// default time.Now.
	Now func() time.Time
}

// Client delivers entries to one Zeiterfassung server. It is safe for
// concurrent use.
type Client struct {
	o    Options
	rest *rest.Client
	log  *slog.Logger

	mu    sync.Mutex
	token string
	// receipts: what the server created for site entries just delivered,
	// until the runner takes them (Receipt).
	receipts map[uint64]string
}

// New checks o and returns a client. It does not contact the server.
func New(o Options) (*Client, error) {
	if o.BaseURL == "" {
		return nil, errors.New("zeiterfassung: Options.BaseURL is required")
	}
	base, err := rest.ParseBase(o.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("zeiterfassung: Options.BaseURL: %w", err)
	}
	if o.Email == "" {
		return nil, errors.New("zeiterfassung: Options.Email is required")
	}
	if o.TimeTypeID == "" {
		return nil, errors.New("zeiterfassung: Options.TimeTypeID is required")
	}
	if o.Location == nil {
		return nil, errors.New("zeiterfassung: Options.Location is required")
	}
	if o.AuthHeader == "" {
		o.AuthHeader = DefaultAuthHeader
	}
	if o.AuthScheme == "" {
		o.AuthScheme = DefaultAuthScheme
	}
	if o.Parallel <= 0 {
		o.Parallel = 4
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	log := o.Logger.With("uplink", "zeiterfassung")
	rc, err := rest.New(rest.Options{BaseURL: base.String(), Timeout: o.Timeout, MaxAnswer: maxAnswer, HTTPClient: o.HTTPClient, Parallel: o.Parallel, Now: o.Now, Logger: log, Classes: classes})
	if err != nil {
		return nil, fmt.Errorf("zeiterfassung: %w", err)
	}
	return &Client{o: o, rest: rc, log: log}, nil
}

// CloseIdleConnections closes the connections kept open to the server
// that carry no request now.
func (c *Client) CloseIdleConnections() { c.rest.CloseIdleConnections() }

// call sends req, logging in first if needed when auth is set. An answer
// 401 to an authenticated call makes it log in again and repeat the call
// once; a second 401 is a Retry error. It returns a classified
// *uplink.Error for transport failures and login failures; other statuses
// are the caller's.
func (c *Client) call(ctx context.Context, req rest.Request, auth bool) (*rest.Answer, error) {
	if !auth {
		return c.send(ctx, req, "")
	}
	tok, err := c.currentToken(ctx)
	if err != nil {
		return nil, err
	}
	a, err := c.send(ctx, req, tok)
	if err != nil || a.Status != http.StatusUnauthorized {
		return a, err
	}
	c.log.Info("token rejected, logging in again", "path", req.Path)
	c.dropToken(tok)
	if tok, err = c.currentToken(ctx); err != nil {
		return nil, err
	}
	if a, err = c.send(ctx, req, tok); err != nil || a.Status != http.StatusUnauthorized {
		return a, err
	}
	c.dropToken(tok)
	return nil, &uplink.Error{Class: uplink.Retry, Status: http.StatusUnauthorized,
		Msg: "token rejected right after a fresh login: " + serverMessage(a)}
}

// send performs one HTTP exchange. tok, if not empty, goes in the auth
// header.
func (c *Client) send(ctx context.Context, req rest.Request, tok string) (*rest.Answer, error) {
	h := http.Header{}
	h.Set("Accept", "application/json, text/plain;q=0.9")
	if tok != "" {
		v := tok
		if c.o.AuthScheme != AuthSchemeNone {
			v = c.o.AuthScheme + " " + tok
		}
		h.Set(c.o.AuthHeader, v)
	}
	req.Header = h
	return c.rest.Do(ctx, req)
}

// currentToken returns the cached token or logs in.
func (c *Client) currentToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	tok := c.token
	c.mu.Unlock()
	if tok != "" {
		return tok, nil
	}
	tok, err := c.login(ctx)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.token = tok
	c.mu.Unlock()
	return tok, nil
}

// dropToken forgets tok if it is still the cached one.
func (c *Client) dropToken(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == tok {
		c.token = ""
	}
}

// login gets a fresh token. Every failure is of class Retry: a login never
// stores anything and is never the record's fault.
func (c *Client) login(ctx context.Context) (string, error) {
	body := struct {
		LoginEmail  string `json:"loginemail"`
		APIPassword string `json:"apipassword"`
	}{c.o.Email, c.o.Password}
	a, err := c.send(ctx, rest.Request{Method: http.MethodPost, Path: "/api/login", JSON: body}, "")
	if err != nil {
		var ue *uplink.Error
		if errors.As(err, &ue) {
			ue.Class = uplink.Retry
		}
		return "", fmt.Errorf("login: %w", err)
	}
	switch {
	case a.Status == http.StatusUnauthorized || a.Status == http.StatusForbidden:
		return "", fmt.Errorf("login: %w", &uplink.Error{Class: uplink.Retry, Status: a.Status,
			Msg: fmt.Sprintf("credentials rejected for loginemail %q (check the API password and that the REST API is enabled): %s", c.o.Email, serverMessage(a))})
	case !a.OK():
		e := c.rest.Classify(a, serverMessage(a))
		e.Class = uplink.Retry
		return "", fmt.Errorf("login: %w", e)
	}
	tok, err := ParseLoginBody(a.Body)
	if err != nil {
		return "", fmt.Errorf("login: %w", &uplink.Error{Class: uplink.Retry, Status: a.Status, Msg: "unusable answer", Err: err})
	}
	c.log.Info("logged in")
	return tok, nil
}

// ParseLoginBody extracts the token from a login answer: the bare token or
// a JSON string holding it (surrounding white space ignored), or, to be
// liberal, a JSON object with a "token", "jwt" or "access_token" string. A
// token must be non-empty printable ASCII without spaces, as it goes into a
// header.
func ParseLoginBody(b []byte) (string, error) {
	s := strings.TrimSpace(string(b))
	switch {
	case strings.HasPrefix(s, `"`):
		if err := json.Unmarshal([]byte(s), &s); err != nil {
			return "", fmt.Errorf("token: bad JSON string: %w", err)
		}
		s = strings.TrimSpace(s)
	case strings.HasPrefix(s, "{"):
		var obj map[string]any
		if err := json.Unmarshal([]byte(s), &obj); err != nil {
			return "", fmt.Errorf("token: bad JSON object: %w", err)
		}
		s = ""
		for _, k := range []string{"token", "jwt", "access_token"} {
			if v, ok := obj[k].(string); ok {
				s = strings.TrimSpace(v)
				break
			}
		}
	}
	if s == "" {
		return "", errors.New("token: empty")
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return "", fmt.Errorf("token: invalid byte %#02x at %d", s[i], i)
		}
	}
	return s, nil
}

// serverMessage returns the server's message in a: the "message" or
// "error" field of a JSON object, else the body, at most maxMsg bytes
// (rest.Answer.Message), else the status text.
func serverMessage(a *rest.Answer) string {
	return a.Message(maxMsg, "message", "error")
}

// classes are the API's exceptions to rest.Client.Classify: 401 past
// call's fresh login, 403 and 409 are Permanent like any other 4xx.
var classes = map[int]uplink.Class{
	http.StatusUnauthorized: uplink.Permanent,
	http.StatusForbidden:    uplink.Permanent,
	http.StatusConflict:     uplink.Permanent,
}

// statusError classifies a non-2xx answer to an API call (not login),
// rest.Client.Classify with classes: 429 Retry, 408 and 5xx Uncertain, 3xx
// Retry (a misconfigured BaseURL, nothing was stored), other 4xx
// Permanent. RetryAfter is kept when sent.
func (c *Client) statusError(a *rest.Answer) *uplink.Error {
	return c.rest.Classify(a, serverMessage(a))
}
