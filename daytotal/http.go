package daytotal

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

// maxAnswer bounds how much of an answer body is read.
const maxAnswer = 1 << 20

// maxMsg bounds a server message kept in an error, in bytes.
const maxMsg = 300

// DefaultTimeout bounds each HTTP request when Options leave it zero.
const DefaultTimeout = 10 * time.Second

// getter performs the read-only GET requests of a remote source below its
// base URL, on the shared REST client (uplink/rest): no redirects
// followed, a bounded answer, statuses classified as a read side needs.
type getter struct {
	rest    *rest.Client
	headers http.Header // sent with every request; may hold secrets, never logged
}

// newGetter returns the getter of the remote source named source (in its
// logs) at base, with the options' client, timeout, clock and logger
// (zero: a client with the timeout, DefaultTimeout, time.Now, discard).
func newGetter(source string, base *url.URL, hc *http.Client, timeout time.Duration, now func() time.Time, log *slog.Logger, headers http.Header) (*getter, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// A read changes nothing: every failure is Retry but a refusal of
	// the request itself (4xx other than 401, 403, 408, 429).
	rc, err := rest.New(rest.Options{BaseURL: base.String(), Timeout: timeout, MaxAnswer: maxAnswer, HTTPClient: hc,
		Now: now, Logger: log.With("source", source), ReadOnly: true, Classes: map[int]uplink.Class{http.StatusConflict: uplink.Permanent}})
	if err != nil {
		return nil, fmt.Errorf("daytotal: %s: %w", source, err)
	}
	return &getter{rest: rc, headers: headers}, nil
}

// emailKey is the form in which emails key the maps of remote ids.
func emailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// parseBase checks a base URL (def when s is empty) and trims its trailing
// slash.
func parseBase(name, s, def string) (*url.URL, error) {
	if s == "" {
		s = def
	}
	u, err := rest.ParseBase(s)
	if err != nil {
		return nil, fmt.Errorf("daytotal: %s: %w", name, err)
	}
	return u, nil
}

// get fetches path below the base URL with the query q and returns the
// body of a 200 answer. Failures are *uplink.Error: Retry for transport
// failures, 401, 403, 408, 429 and 5xx (asking again later may work),
// Permanent for other answers.
func (g *getter) get(ctx context.Context, path string, q url.Values) ([]byte, error) {
	h := g.headers.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Accept", "application/json")
	a, err := g.rest.Do(ctx, rest.Request{Method: http.MethodGet, Path: path, Query: q, Header: h})
	if err != nil {
		return nil, err
	}
	if a.Status == http.StatusOK {
		return a.Body, nil
	}
	msg := a.Message(maxMsg, "message", "error", "error.message")
	e := g.rest.Classify(a, msg)
	switch s := a.Status; {
	case e == nil: // another 2xx: not the answer the document gives
		e = &uplink.Error{Class: uplink.Permanent, Status: s, Msg: msg}
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		e.Msg = "credentials rejected: " + e.Msg
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

// ErrUnknownPerson is returned for an email without a configured id in
// the remote system.
var ErrUnknownPerson = errors.New("daytotal: no remote id configured for this email")
