package daytotal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"stampclock/uplink"
)

// maxAnswer bounds how much of an answer body is read.
const maxAnswer = 1 << 20

// DefaultTimeout bounds each HTTP request when Options leave it zero.
const DefaultTimeout = 10 * time.Second

// getter performs the read-only GET requests of a remote source below its
// base URL.
type getter struct {
	base    *url.URL
	hc      *http.Client
	timeout time.Duration
	log     *slog.Logger
	headers http.Header // sent with every request; may hold secrets, never logged
}

// newGetter returns the getter of the remote source named source (in its
// logs) at base, with the options' client, timeout and logger (zero: a
// client with the timeout, DefaultTimeout, discard).
func newGetter(source string, base *url.URL, hc *http.Client, timeout time.Duration, log *slog.Logger, headers http.Header) *getter {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &getter{base: base, hc: newHTTPClient(hc, timeout), timeout: timeout, log: log.With("source", source), headers: headers}
}

// emailKey is the form in which emails key the maps of remote ids.
func emailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// newHTTPClient copies hc (or makes one with timeout) and stops it
// following redirects, which could carry the auth headers elsewhere.
func newHTTPClient(hc *http.Client, timeout time.Duration) *http.Client {
	var c http.Client
	if hc != nil {
		c = *hc
	} else {
		c.Timeout = timeout
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// parseBase checks a base URL (def when s is empty) and trims its trailing
// slash.
func parseBase(name, s, def string) (*url.URL, error) {
	if s == "" {
		s = def
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("daytotal: %s: %w", name, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("daytotal: %s %q: want http:// or https:// and a host", name, s)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// get fetches path below the base URL with the query q and returns the
// body of a 200 answer. Failures are *uplink.Error: Retry for transport
// failures, 401, 403, 408, 429 and 5xx (asking again later may work),
// Permanent for other answers.
func (g *getter) get(ctx context.Context, path string, q url.Values) ([]byte, error) {
	u := *g.base
	u.Path += path
	u.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &uplink.Error{Class: uplink.Permanent, Msg: "build request", Err: err}
	}
	for k, v := range g.headers {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	resp, err := g.hc.Do(req)
	if err != nil {
		return nil, &uplink.Error{Class: uplink.Retry, Msg: "no answer", Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	g.log.Debug("answer", "path", u.Path, "status", resp.StatusCode)
	if err != nil {
		return nil, &uplink.Error{Class: uplink.Retry, Status: resp.StatusCode, Msg: "reading answer", Err: err}
	}
	if resp.StatusCode == http.StatusOK {
		return b, nil
	}
	e := &uplink.Error{Class: uplink.Permanent, Status: resp.StatusCode, Msg: errorMessage(b, resp.StatusCode)}
	switch s := resp.StatusCode; {
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		e.Class = uplink.Retry
		e.Msg = "credentials rejected: " + e.Msg
	case s == http.StatusTooManyRequests || s == http.StatusRequestTimeout || s >= 500:
		e.Class = uplink.Retry
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"))
	case s >= 300 && s < 400:
		e.Class = uplink.Retry
		e.Msg = "redirected to " + resp.Header.Get("Location") + " (check BaseURL)"
	}
	return nil, e
}

// fetch gets path with the query q and parses the 200 answer's body with
// parse; the caller wraps a failure of either with what it asked for.
func fetch[T any](ctx context.Context, g *getter, path string, q url.Values, parse func([]byte) (T, error)) (T, error) {
	b, err := g.get(ctx, path, q)
	if err != nil {
		var zero T
		return zero, err
	}
	return parse(b)
}

// retryAfter parses Retry-After seconds; 0 if absent or a date.
func retryAfter(v string) time.Duration {
	var n int
	if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d", &n); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 0
}

// errorMessage extracts "message", "error" or "error.message" from a JSON
// error body, else the trimmed body, at most 300 bytes.
func errorMessage(b []byte, status int) string {
	s := strings.TrimSpace(string(b))
	var obj map[string]json.RawMessage
	if json.Unmarshal(b, &obj) == nil {
		var v string
		var nested struct {
			Message string `json:"message"`
		}
		switch {
		case json.Unmarshal(obj["message"], &v) == nil && v != "":
			s = v
		case json.Unmarshal(obj["error"], &v) == nil && v != "":
			s = v
		case json.Unmarshal(obj["error"], &nested) == nil && nested.Message != "":
			s = nested.Message
		}
	}
	s = strings.ToValidUTF8(s, "?")
	if len(s) > 300 {
		cut := 300
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	if s == "" {
		s = http.StatusText(status)
	}
	return s
}

// ErrUnknownPerson is returned for an email without a configured id in
// the remote system.
var ErrUnknownPerson = errors.New("daytotal: no remote id configured for this email")
