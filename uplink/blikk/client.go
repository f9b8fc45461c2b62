package blikk

import (
	"context"
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
	DefaultBaseURL           = "https://publicapi.blikk.com"
	DefaultTimeout           = 15 * time.Second
	DefaultRequestsPerSecond = 4
	// DefaultRenewBefore is how long before its expiry a token is renewed.
	DefaultRenewBefore = time.Minute
)

// DefaultRateMargin is added to the limiter's one-second window, for the
// jitter in the time a request takes to reach the server and the server's
// clock granularity: bursts of four start 1.25 s apart, so a strict server
// counting "during a given second" sees four even when one burst arrives
// up to 250 ms later than the one before it. The cost: at most 3.2
// requests a second instead of 4 (a backlog drains about 16 % slower
// than with the former 50 ms).
const DefaultRateMargin = 250 * time.Millisecond

// maxAnswer bounds how much of an answer body is read.
const maxAnswer = 4 << 20

// maxMsg bounds a server message kept in an error.
const maxMsg = 1000

// Options configure a Client. Zero values mean the documented default.
type Options struct {
	// BaseURL is the API's address; the paths /v1/... are appended.
	// Default DefaultBaseURL ("https://publicapi.blikk.com").
	BaseURL string
	// AppID and AppSecret are the API application's id and secret, sent
	// with HTTP Basic auth to /v1/Auth/Token. Required. AppSecret is never
	// logged.
	AppID, AppSecret string
	// Users maps an employee's email (as in queue.Record.Email, compared
	// case-insensitively) to the Blikk user id. An entry of an employee not
	// in Users is rejected (uplink.Permanent). Required, at least one.
	Users map[string]int
	// ActivityID, TimeCodeID and TimeArticleID are sent with every time
	// report (activityId, timeCodeId, timeArticleId). Required.
	ActivityID, TimeCodeID, TimeArticleID int
	// ProjectID and InternalProjectID are sent as projectId and
	// internalProjectId when not 0. Default 0: omitted.
	ProjectID, InternalProjectID int
	// Comment and InternalComment are sent as comment (visible on
	// invoices) and internalComment when not "". Default "": omitted.
	Comment, InternalComment string
	// Location is the company's time zone: a report's date and clock are
	// local to it. Required.
	Location *time.Location
	// BreakRules deduct breaks from hours and invoiceableHours (see
	// BreakRule, GermanBreaks). Default none: hours are the real duration.
	BreakRules []BreakRule
	// Timeout bounds each HTTP request; default 15s.
	Timeout time.Duration
	// RequestsPerSecond is how many requests may start in any second, all
	// calls of the client together (the token request too). Default 4, the
	// API's limit per token.
	RequestsPerSecond int
	// RateMargin widens the limiter's one-second window; default
	// DefaultRateMargin (250ms). Negative: no margin.
	RateMargin time.Duration
	// HoursGross sends a report's hours and invoiceableHours before the
	// break is deducted, for a Blikk that deducts breakMinutes itself (the
	// document's field text: "The 'Hours' field will be deducted by the
	// amount of break minutes"). Default false: hours are net, as in the
	// document's create example (10:00–18:00, 15 break minutes, hours 7.75).
	HoursGross bool
	// RenewBefore is how long before its expiry a token is renewed;
	// default 1m.
	RenewBefore time.Duration
	// HTTPClient sends the requests; default a client with Timeout. The
	// client is copied and never follows redirects.
	HTTPClient *http.Client
	// Twins counts the entries this terminal already sent that the server
	// cannot tell apart from one being reconciled. The zero value counts
	// none: then one identical report on the server is taken for the one being
	// sent. The daemon sets it.
	Twins uplink.Twins
	// Logger receives the client's logs; default discards.
	Logger *slog.Logger
	// Now and After are the clock (token expiry, Retry-After dates, the
	// rate limiter); defaults time.Now and time.After.
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
}

// Client delivers entries to Blikk as time reports. It is safe for
// concurrent use; all its calls share one rate limit.
type Client struct {
	o     Options
	rest  *rest.Client
	log   *slog.Logger
	users map[string]int // lower-case email → user id
	lim   *limiter

	// tokenMu serialises token requests; mu guards tok.
	tokenMu sync.Mutex
	mu      sync.Mutex
	tok     Token
	renewAt time.Time // zero: until rejected
}

// New checks o and returns a client. It does not contact the server.
func New(o Options) (*Client, error) {
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	base, err := rest.ParseBase(o.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("blikk: Options.BaseURL: %w", err)
	}
	switch {
	case o.AppID == "":
		return nil, errors.New("blikk: Options.AppID is required")
	case o.AppSecret == "":
		return nil, errors.New("blikk: Options.AppSecret is required")
	case strings.Contains(o.AppID, ":"):
		return nil, errors.New("blikk: Options.AppID must not contain ':'")
	case len(o.Users) == 0:
		return nil, errors.New("blikk: Options.Users is required (employee email → Blikk user id)")
	case o.ActivityID <= 0:
		return nil, errors.New("blikk: Options.ActivityID is required")
	case o.TimeCodeID <= 0:
		return nil, errors.New("blikk: Options.TimeCodeID is required")
	case o.TimeArticleID <= 0:
		return nil, errors.New("blikk: Options.TimeArticleID is required")
	case o.ProjectID < 0 || o.InternalProjectID < 0:
		return nil, errors.New("blikk: Options.ProjectID and InternalProjectID must not be negative")
	case o.Location == nil:
		return nil, errors.New("blikk: Options.Location is required")
	}
	users := make(map[string]int, len(o.Users))
	for email, id := range o.Users {
		k := strings.ToLower(strings.TrimSpace(email))
		if k == "" || id <= 0 {
			return nil, fmt.Errorf("blikk: Options.Users: %q → %d: want an email and a user id > 0", email, id)
		}
		if prev, dup := users[k]; dup && prev != id {
			return nil, fmt.Errorf("blikk: Options.Users: %q maps to both %d and %d", k, prev, id)
		}
		users[k] = id
	}
	for i, r := range o.BreakRules {
		if r.After < 0 || r.Break < 0 {
			return nil, fmt.Errorf("blikk: Options.BreakRules[%d]: negative duration", i)
		}
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.RequestsPerSecond <= 0 {
		o.RequestsPerSecond = DefaultRequestsPerSecond
	}
	switch {
	case o.RateMargin == 0:
		o.RateMargin = DefaultRateMargin
	case o.RateMargin < 0:
		o.RateMargin = 0
	}
	if o.RenewBefore <= 0 {
		o.RenewBefore = DefaultRenewBefore
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = time.After
	}
	log := o.Logger.With("uplink", "blikk")
	rc, err := rest.New(rest.Options{BaseURL: base.String(), Timeout: o.Timeout, MaxAnswer: maxAnswer,
		HTTPClient: o.HTTPClient, Now: o.Now, Logger: log, Classes: classes})
	if err != nil {
		return nil, fmt.Errorf("blikk: Options.BaseURL: %w", err)
	}
	return &Client{
		o: o, rest: rc, users: users, log: log,
		lim: newLimiter(o.RequestsPerSecond, time.Second+o.RateMargin, o.Now, o.After),
	}, nil
}

// UserID returns the Blikk user id configured for email.
func (c *Client) UserID(email string) (int, bool) {
	id, ok := c.users[strings.ToLower(strings.TrimSpace(email))]
	return id, ok
}

// call sends an authenticated request, getting a token first if needed. A
// 401 makes it get a new token and repeat the call once; a second 401 is
// a Retry error. A 429 pauses the client's limiter for the wait it names.
// It returns a classified *uplink.Error for transport and token failures;
// other statuses are the caller's.
func (c *Client) call(ctx context.Context, req rest.Request) (*rest.Answer, error) {
	tok, err := c.token(ctx)
	if err != nil {
		return nil, err
	}
	a, err := c.send(ctx, req, "Bearer "+tok)
	if err != nil || a.Status != http.StatusUnauthorized {
		return a, err
	}
	c.log.Info("token rejected, renewing", "path", req.Path)
	c.dropToken(tok)
	if tok, err = c.token(ctx); err != nil {
		return nil, err
	}
	if a, err = c.send(ctx, req, "Bearer "+tok); err != nil || a.Status != http.StatusUnauthorized {
		return a, err
	}
	c.dropToken(tok)
	return nil, &uplink.Error{Class: uplink.Retry, Status: http.StatusUnauthorized,
		Msg: "token rejected right after renewal: " + serverMessage(a)}
}

// send performs one HTTP exchange (rest.Client) after waiting for the
// rate limiter. auth, if not empty, is the Authorization header.
func (c *Client) send(ctx context.Context, req rest.Request, auth string) (*rest.Answer, error) {
	if err := ctx.Err(); err != nil {
		return nil, &uplink.Error{Class: uplink.Retry, Msg: "not sent", Err: err}
	}
	h := http.Header{}
	h.Set("Accept", "application/json")
	if auth != "" {
		h.Set("Authorization", auth)
	}
	if err := c.lim.wait(ctx); err != nil {
		return nil, &uplink.Error{Class: uplink.Retry, Msg: "not sent (waiting for the rate limit)", Err: err}
	}
	req.Header = h
	a, err := c.rest.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	if a.Status == http.StatusTooManyRequests {
		wait := c.retryAfter(a)
		c.lim.pause(wait)
		c.log.Warn("rate limited by the server", "path", req.Path, "wait", wait)
	}
	return a, nil
}

// retryAfter returns the wait a 429 asks for: the larger of the
// Retry-After header (seconds or an HTTP date) and the body's
// waitInSeconds; at least one second, as the document's unit is seconds.
func (c *Client) retryAfter(a *rest.Answer) time.Duration {
	d := uplink.RetryAfter(a.Header.Get("Retry-After"), c.o.Now())
	if eb, err := ParseErrorBody(a.Body); err == nil && eb.WaitInSeconds > 0 {
		d = max(d, time.Duration(eb.WaitInSeconds*float64(time.Second)))
	}
	return max(d, time.Second)
}

// classes are Blikk's exceptions to rest.Client.Classify: 404 is Retry
// (the document: "the resource URL does not exist", so a wrong BaseURL),
// 409 and 401 (past call's renewal) are Permanent like any other 4xx.
var classes = map[int]uplink.Class{
	http.StatusNotFound:     uplink.Retry,
	http.StatusConflict:     uplink.Permanent,
	http.StatusUnauthorized: uplink.Permanent,
}

// statusError classifies a non-2xx answer to an API call (rest.Client.Classify
// with classes):
//   - 429: Retry, with the wait asked for;
//   - 408, 5xx: Uncertain;
//   - 3xx: Retry (a misconfigured BaseURL; nothing was stored);
//   - 403: Retry (the application lacks a permission or the terminal's
//     address is not allowed: a setup problem to fix, not the record's);
//   - 404: Retry (a wrong blikk.url);
//   - 400 and other 4xx: Permanent, with modelState's messages.
func (c *Client) statusError(a *rest.Answer) *uplink.Error {
	e := c.rest.Classify(a, serverMessage(a))
	switch {
	case a.Status == http.StatusTooManyRequests:
		e.RetryAfter = c.retryAfter(a)
	case a.Status == http.StatusForbidden:
		e.Msg = "forbidden (check the API application's permissions and allowed IP addresses): " + e.Msg
	case a.Status == http.StatusNotFound:
		e.Msg = "no such endpoint (check " + Name + ".url): " + e.Msg
	}
	return e
}
