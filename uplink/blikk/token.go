package blikk

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"stampclock/uplink"
	"stampclock/uplink/rest"
)

// Token is an access token as POST /v1/Auth/Token issues it.
type Token struct {
	AccessToken string
	// Expires is when the token stops working; zero if the answer did not
	// say (the token is then used until the server rejects it).
	Expires time.Time
}

// expiresLayouts are the accepted forms of "expires"; the document's is
// the first ("2022-07-01 05:43:12 +00:00").
var expiresLayouts = []string{
	"2006-01-02 15:04:05 -07:00",
	"2006-01-02 15:04:05.999999999 -07:00",
	time.RFC3339Nano,
	"2006-01-02 15:04:05Z07:00",
}

// ParseToken parses a token answer:
//
//	{"objectName": "auth.token", "accessToken": "pk_….pa_…", "expires": "2022-07-01 05:43:12 +00:00"}
//
// The access token must be non-empty printable ASCII without spaces, as it
// goes into a header. A missing or null expires gives a zero Expires; one
// in an unknown format is an error.
func ParseToken(b []byte) (Token, error) {
	var raw struct {
		AccessToken *string `json:"accessToken"`
		Expires     *string `json:"expires"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return Token{}, fmt.Errorf("token answer: %w", err)
	}
	if raw.AccessToken == nil {
		return Token{}, errors.New("token answer: no accessToken")
	}
	t := Token{AccessToken: strings.TrimSpace(*raw.AccessToken)}
	if t.AccessToken == "" {
		return Token{}, errors.New("token answer: empty accessToken")
	}
	for i := 0; i < len(t.AccessToken); i++ {
		if c := t.AccessToken[i]; c <= ' ' || c >= 0x7f {
			return Token{}, fmt.Errorf("token answer: accessToken: invalid byte %#02x at %d", c, i)
		}
	}
	if raw.Expires != nil && strings.TrimSpace(*raw.Expires) != "" {
		v := strings.TrimSpace(*raw.Expires)
		for _, l := range expiresLayouts {
			if e, err := time.Parse(l, v); err == nil {
				t.Expires = e
				break
			}
		}
		if t.Expires.IsZero() {
			return Token{}, fmt.Errorf("token answer: expires %q: unknown format", rest.Text(v, maxMsg))
		}
	}
	return t, nil
}

// ErrorBody is what the API puts in an error answer; all fields optional.
type ErrorBody struct {
	Message string `json:"message"`
	// ModelState maps a field to what is wrong with it (400).
	ModelState map[string][]string `json:"modelState"`
	// WaitInSeconds is how long to wait after a 429.
	WaitInSeconds float64 `json:"waitInSeconds"`
	// PermissionsRequired lists what a 403 lacks.
	PermissionsRequired []string `json:"permissionsRequired"`
	RequestID           string   `json:"requestId"`
}

// ParseErrorBody parses an error answer such as
//
//	{"message": "The request is invalid.", "modelState": {"page": ["The field Page must be greater than or equal to 1."]}}
//	{"waitInSeconds": 1}
//
// Fields of an unexpected type are an error.
func ParseErrorBody(b []byte) (ErrorBody, error) {
	var eb ErrorBody
	if err := json.Unmarshal(b, &eb); err != nil {
		return ErrorBody{}, fmt.Errorf("error answer: %w", err)
	}
	if eb.WaitInSeconds < 0 || eb.WaitInSeconds > 1e6 {
		eb.WaitInSeconds = 0
	}
	return eb, nil
}

// String returns the body's message for a person: the message, then every
// modelState message as "field: message" (fields sorted), the permissions
// a 403 lacks and the request id of a 500.
func (eb ErrorBody) String() string {
	var parts []string
	if m := strings.TrimSpace(eb.Message); m != "" {
		parts = append(parts, m)
	}
	for _, k := range slices.Sorted(maps.Keys(eb.ModelState)) {
		for _, m := range eb.ModelState[k] {
			m = strings.TrimSpace(m)
			switch {
			case m == "":
			case k == "":
				parts = append(parts, m)
			default:
				parts = append(parts, k+": "+m)
			}
		}
	}
	if len(eb.PermissionsRequired) > 0 {
		parts = append(parts, "permissions required: "+strings.Join(eb.PermissionsRequired, ", "))
	}
	if eb.RequestID != "" {
		parts = append(parts, "requestId "+eb.RequestID)
	}
	return strings.Join(parts, "; ")
}

// serverMessage returns the message in a for an error: ErrorBody.String,
// else the body, at most maxMsg bytes (rest.Text), else the status text.
func serverMessage(a *rest.Answer) string {
	if eb, err := ParseErrorBody(a.Body); err == nil {
		if m := eb.String(); m != "" {
			return rest.Text(m, maxMsg)
		}
		if eb.WaitInSeconds > 0 {
			return fmt.Sprintf("wait %gs", eb.WaitInSeconds)
		}
	}
	return a.Message(maxMsg)
}

// token returns the cached token or, when it is time to renew it, a new
// one. Concurrent callers share one token request.
func (c *Client) token(ctx context.Context) (string, error) {
	if tok, ok := c.cached(); ok {
		return tok, nil
	}
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	if tok, ok := c.cached(); ok { // another caller renewed it meanwhile
		return tok, nil
	}
	t, err := c.fetchToken(ctx)
	if err != nil {
		return "", err
	}
	c.keep(t)
	return t.AccessToken, nil
}

// keep caches t. It is renewed RenewBefore before it expires, or halfway
// through its life if that is shorter.
func (c *Client) keep(t Token) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tok, c.renewAt = t, time.Time{}
	if !t.Expires.IsZero() {
		c.renewAt = t.Expires.Add(-min(c.o.RenewBefore, max(t.Expires.Sub(c.o.Now()), 0)/2))
	}
}

// cached returns the cached token unless it is time to renew it.
func (c *Client) cached() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok.AccessToken == "" {
		return "", false
	}
	if !c.renewAt.IsZero() && !c.o.Now().Before(c.renewAt) {
		return "", false
	}
	return c.tok.AccessToken, true
}

// dropToken forgets tok if it is still the cached one.
func (c *Client) dropToken(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok.AccessToken == tok {
		c.tok, c.renewAt = Token{}, time.Time{}
	}
}

// fetchToken asks for a new token. Every failure is of class Retry: a
// token request stores nothing and is never the record's fault.
func (c *Client) fetchToken(ctx context.Context) (Token, error) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(c.o.AppID+":"+c.o.AppSecret))
	a, err := c.send(ctx, rest.Request{Method: http.MethodPost, Path: "/v1/Auth/Token"}, basic)
	if err != nil {
		var ue *uplink.Error
		if errors.As(err, &ue) {
			ue.Class = uplink.Retry
		}
		return Token{}, fmt.Errorf("blikk: token: %w", err)
	}
	switch {
	case a.Status == http.StatusUnauthorized || a.Status == http.StatusForbidden:
		return Token{}, fmt.Errorf("blikk: token: %w", &uplink.Error{Class: uplink.Retry, Status: a.Status,
			Msg: fmt.Sprintf("application id %q and secret rejected: %s", c.o.AppID, serverMessage(a))})
	case a.Status < 200 || a.Status > 299:
		e := c.statusError(a)
		e.Class = uplink.Retry
		return Token{}, fmt.Errorf("blikk: token: %w", e)
	}
	t, err := ParseToken(a.Body)
	if err != nil {
		return Token{}, fmt.Errorf("blikk: token: %w", &uplink.Error{Class: uplink.Retry, Status: a.Status, Msg: "unusable answer", Err: err})
	}
	if !t.Expires.IsZero() && !t.Expires.After(c.o.Now()) {
		c.log.Warn("new token already expired by our clock; using it anyway", "expires", t.Expires)
	}
	c.log.Info("got token", "expires", t.Expires)
	return t, nil
}

// CheckToken gets a new token (whatever is cached) and returns when it
// expires: are BaseURL, AppID and AppSecret right? The token is kept for
// later calls.
func (c *Client) CheckToken(ctx context.Context) (time.Time, error) {
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	t, err := c.fetchToken(ctx)
	if err != nil {
		return time.Time{}, err
	}
	c.keep(t)
	return t.Expires, nil
}
