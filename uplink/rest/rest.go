// Package rest is the HTTP plumbing the REST uplinks share, written once:
// requests against a base URL, no redirects followed, a bounded answer
// body, transport failures and statuses classified for the runner
// (uplink.Error) with the receiver's Retry-After, and the receiver's
// message cut to one short line (Text, Message). It knows nothing of any
// receiver's API: authentication, paths and bodies are the uplink's.
package rest

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"stampclock/uplink"
)

// DefaultMaxAnswer bounds the answer body read (64 KiB).
const DefaultMaxAnswer = 64 << 10

// Options configure a Client. Zero values mean the documented defaults.
type Options struct {
	// BaseURL is prepended to every request's path. Required.
	BaseURL string
	// Timeout bounds one exchange. Default 15s.
	Timeout time.Duration
	// MaxAnswer bounds the answer body kept, in bytes. Default
	// DefaultMaxAnswer.
	MaxAnswer int64
	// HTTPClient, if set, is copied (redirects are turned off in the
	// copy). Default: a client with Timeout whose transport keeps
	// Parallel connections to the receiver open between requests.
	HTTPClient *http.Client
	// Parallel is how many requests the caller keeps in flight at once.
	// The default client keeps that many idle connections to the
	// receiver (Go's default transport, used up to 2, keeps 2: a third
	// and fourth request in flight would open a new connection every
	// time and close it after). Default 2.
	Parallel int
	// RootCAs, if set, replaces the system's CA roots for checking the
	// receiver's certificate (a section's ca_file). Not used with
	// HTTPClient. Default: the system's roots.
	RootCAs *x509.CertPool
	// Now is the clock Retry-After dates are measured against. Default
	// time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// Classes are the receiver's exceptions to Classify's table, by
	// status (a receiver whose 404 means a wrong base URL makes it
	// uplink.Retry). Default none.
	Classes map[int]uplink.Class
	// ReadOnly says the requests change nothing at the receiver (a read
	// side asking for totals): an outcome Classify and Do would call
	// uplink.Uncertain is uplink.Retry, as asking again is all there is to
	// do. Default false.
	ReadOnly bool
}

// Client sends requests to one receiver.
type Client struct {
	base *url.URL
	hc   *http.Client
	o    Options
}

// New returns a client for o.BaseURL.
func New(o Options) (*Client, error) {
	u, err := url.Parse(o.BaseURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("rest: base URL %q: want http(s)://host[/path]", o.BaseURL)
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.MaxAnswer <= 0 {
		o.MaxAnswer = DefaultMaxAnswer
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Parallel <= 0 {
		o.Parallel = 2
	}
	var hc http.Client
	if o.HTTPClient != nil {
		hc = *o.HTTPClient
	} else {
		hc.Timeout = o.Timeout
		if o.Parallel > 2 || o.RootCAs != nil {
			hc.Transport = transport(o.Parallel, o.RootCAs)
		}
	}
	// A redirect is a misconfigured URL: following it could resend a
	// POST elsewhere or turn it into a GET. The answer says where.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{base: u, hc: &hc, o: o}, nil
}

// transport is Go's default transport keeping up to parallel idle
// connections per host, checking certificates against roots if set.
func transport(parallel int, roots *x509.CertPool) http.RoundTripper {
	t := &http.Transport{}
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		t = dt.Clone()
	}
	t.MaxIdleConnsPerHost = max(parallel, t.MaxIdleConnsPerHost)
	t.MaxIdleConns = max(parallel, t.MaxIdleConns)
	if roots != nil {
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots}
	}
	return t
}

// CloseIdleConnections closes the connections kept open to the receiver
// that carry no request now.
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }

// ParseBase checks a receiver's base URL (http or https and a host) and
// returns it without a trailing slash, query or fragment, for paths to be
// appended.
func ParseBase(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("%q: want http:// or https:// and a host", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// Request is one exchange.
type Request struct {
	Method string
	// Path is appended to the base URL's path ("" for the base URL
	// itself); Query, if set, replaces its query.
	Path  string
	Query url.Values
	// URL, if set, is the absolute address to use instead of Path and
	// Query (a next-page link the receiver gave).
	URL *url.URL
	// Body is sent as it is, with Header's Content-Type.
	Body []byte
	// JSON, if not nil, is encoded as the body, sent as application/json
	// unless Header names another Content-Type; it fails as Permanent
	// when it cannot be encoded.
	JSON   any
	Header http.Header
}

// Answer is a received answer.
type Answer struct {
	Status int
	Header http.Header
	// Body is at most Options.MaxAnswer bytes of the answer.
	Body []byte
}

// OK tells whether the status is 2xx.
func (a *Answer) OK() bool { return a.Status >= 200 && a.Status < 300 }

// URL returns the base URL with path appended.
func (c *Client) URL(path string) *url.URL {
	u := *c.base
	u.Path += path
	return &u
}

// Do performs r. A failure before an answer is a classified *uplink.Error
// (uplink.TransportError); any answer, whatever its status, is returned
// for the caller to read (Classify turns a failed one into an error).
func (c *Client) Do(ctx context.Context, r Request) (*Answer, error) {
	if err := ctx.Err(); err != nil {
		return nil, &uplink.Error{Class: uplink.Retry, Msg: "not sent", Err: err}
	}
	u := c.URL(r.Path)
	if r.Query != nil {
		u.RawQuery = r.Query.Encode()
	}
	if r.URL != nil {
		u = r.URL
	}
	if c.hc.Timeout <= 0 || c.hc.Timeout > c.o.Timeout {
		// The client's own timeout (the default client's is Timeout)
		// bounds the exchange, body included, without a second timer.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.o.Timeout)
		defer cancel()
	}
	if r.JSON != nil {
		b, err := json.Marshal(r.JSON)
		if err != nil {
			return nil, &uplink.Error{Class: uplink.Permanent, Msg: "encode request", Err: err}
		}
		r.Body = b
	}
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, r.Method, u.String(), body)
	if err != nil {
		return nil, &uplink.Error{Class: uplink.Permanent, Msg: "build request", Err: err}
	}
	for k, vs := range r.Header {
		hr.Header[k] = vs
	}
	if r.JSON != nil && hr.Header.Get("Content-Type") == "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(hr)
	if err != nil {
		return nil, c.readOnly(uplink.TransportError(err))
	}
	defer resp.Body.Close()
	b, rerr := io.ReadAll(io.LimitReader(resp.Body, c.o.MaxAnswer))
	if rerr != nil {
		c.o.Logger.Warn("reading answer body", "path", u.Path, "status", resp.StatusCode, "err", rerr)
		if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
			// The work is done but its answer is lost.
			return nil, c.readOnly(&uplink.Error{Class: uplink.Uncertain, Status: resp.StatusCode, Msg: "answer cut off", Err: rerr})
		}
	}
	c.o.Logger.Debug("answer", "method", r.Method, "path", u.Path, "status", resp.StatusCode)
	return &Answer{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// readOnly turns an Uncertain e into Retry for a read-only client.
func (c *Client) readOnly(e *uplink.Error) *uplink.Error {
	if c.o.ReadOnly && e.Class == uplink.Uncertain {
		e.Class = uplink.Retry
	}
	return e
}

// Classify returns nil for a 2xx answer and otherwise its *uplink.Error,
// with msg (the receiver's message; the status text when empty) and the
// Retry-After it asked for. Options.Classes overrides, and
// Options.ReadOnly softens, this table:
//   - 401 and 403: Retry (the credentials, not the record, are wrong);
//   - 429: Retry (nothing was stored);
//   - 409: Retry (a request with the same idempotency key is still being
//     processed);
//   - 3xx: Retry (a misconfigured URL), the message saying where to:
//     "redirected to <Location> (check the URL)";
//   - 408 and 5xx: Uncertain (the receiver may have stored it);
//   - any other 4xx: Permanent.
func (c *Client) Classify(a *Answer, msg string) *uplink.Error {
	if a.OK() {
		return nil
	}
	if msg == "" {
		msg = http.StatusText(a.Status)
	}
	e := &uplink.Error{Status: a.Status, Msg: msg, RetryAfter: uplink.RetryAfter(a.Header.Get("Retry-After"), c.o.Now()),
		Class: StatusClass(a.Status, c.o.Classes)}
	if a.Status >= 300 && a.Status < 400 {
		e.Msg = "redirected to " + a.Header.Get("Location") + " (check the URL)"
	}
	return c.readOnly(e)
}

// StatusClass returns the class of a failed answer's status by the table
// of Classify, or its exception in classes.
func StatusClass(status int, classes map[int]uplink.Class) uplink.Class {
	if cl, ok := classes[status]; ok {
		return cl
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return uplink.Retry
	case status == http.StatusTooManyRequests, status == http.StatusConflict:
		return uplink.Retry
	case status >= 300 && status < 400:
		return uplink.Retry
	case status == http.StatusRequestTimeout || status >= 500:
		return uplink.Uncertain
	}
	return uplink.Permanent
}

// Text returns text from the receiver (an answer body, a message in it)
// as one short line for an error or a log: trimmed, valid UTF-8 (invalid
// bytes as "?"), control characters as spaces, at most max bytes cut at a
// rune boundary, "…" marking the cut.
func Text[T string | []byte](b T, max int) string {
	s := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(strings.TrimSpace(string(b)), "?"))
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// Message returns the receiver's message in an error answer's body as
// Text makes it (at most max bytes): the first of the JSON object's string
// fields keys that is not blank (a key "a.b" is field b of the object in
// field a), else the whole body; "" for an empty body.
func Message(body []byte, max int, keys ...string) string {
	if len(keys) > 0 {
		var obj map[string]json.RawMessage
		if json.Unmarshal(body, &obj) == nil {
			for _, k := range keys {
				if v := stringField(obj, k); strings.TrimSpace(v) != "" {
					return Text(v, max)
				}
			}
		}
	}
	return Text(body, max)
}

// stringField returns obj's string field key ("a.b": field b of the
// object in field a), "" if there is none.
func stringField(obj map[string]json.RawMessage, key string) string {
	raw, ok := obj[key]
	if outer, inner, nested := strings.Cut(key, "."); !ok && nested {
		var sub map[string]json.RawMessage
		if json.Unmarshal(obj[outer], &sub) != nil {
			return ""
		}
		return stringField(sub, inner)
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// Message returns the receiver's message in a's body (the package's
// Message), or the status text when the body holds none.
func (a *Answer) Message(max int, keys ...string) string {
	return cmp.Or(Message(a.Body, max, keys...), http.StatusText(a.Status))
}
