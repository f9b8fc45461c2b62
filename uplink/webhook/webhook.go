package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"stampclock/queue/record"
	"stampclock/uplink"
	"stampclock/uplink/mqtt"
	"stampclock/uplink/rest"
)

// Name is the uplink's config section and pending set.
const Name = "webhook"

// The headers of every request.
const (
	// TimestampHeader carries the Unix time (seconds) the request was
	// signed at.
	TimestampHeader = "X-Stampclock-Timestamp"
	// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of
	// "<timestamp>.<body>" with the shared secret.
	SignatureHeader = "X-Stampclock-Signature"
	// IdempotencyHeader carries the record's "<device_id>:<seq>", the
	// same on every attempt.
	IdempotencyHeader = "Idempotency-Key"
)

// Kind declares the uplink for the list in uplink/uplinks.
func Kind() uplink.Kind {
	return uplink.Kind{
		Name:    Name,
		Section: func() uplink.Section { return &Config{} },
		Init:    setup(),
		New: func(s uplink.Section, env uplink.Env) (uplink.Built, error) {
			c, err := New(*s.(*Config), env)
			return uplink.Built{Sender: c}, err
		},
		Check: func(ctx context.Context, s uplink.Section, env uplink.CheckEnv) []uplink.CheckStep {
			return Check(ctx, *s.(*Config), env)
		},
	}
}

// Client posts records to the webhook.
type Client struct {
	rest   *rest.Client
	secret []byte
	device string
	now    func() time.Time
	agent  string
	caFile string
}

// New returns a client for the prepared section cfg.
func New(cfg Config, env uplink.Env) (*Client, error) {
	if cfg.Secret == "" {
		return nil, errors.New("no secret")
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Logger == nil {
		env.Logger = slog.New(slog.DiscardHandler)
	}
	rc, err := rest.New(rest.Options{
		BaseURL: cfg.URL, Timeout: cfg.Timeout.Duration, HTTPClient: env.HTTPClient, RootCAs: cfg.RootCAs,
		Now: env.Now, Logger: env.Logger.With("uplink", Name),
	})
	if err != nil {
		return nil, err
	}
	agent := "stampclock"
	if env.Version != "" {
		agent += "/" + env.Version
	}
	return &Client{rest: rc, secret: []byte(cfg.Secret), device: env.DeviceID, now: env.Now, agent: agent, caFile: cfg.CAFile}, nil
}

// caHint says what to set when err is a receiver's certificate that no
// CA trusted here signed: webhook.ca_file, or another one than caFile.
func caHint(err error, caFile string) error {
	var ua x509.UnknownAuthorityError
	var ue *uplink.Error
	if !errors.As(err, &ua) || !errors.As(err, &ue) {
		return err
	}
	if caFile == "" {
		ue.Msg += " (the receiver's certificate is signed by a CA this system does not trust; for a company's own CA set " + Name + ".ca_file)"
	} else {
		ue.Msg += " (" + Name + ".ca_file " + caFile + " does not hold the CA that signed the receiver's certificate)"
	}
	return err
}

// Sign returns the SignatureHeader value of body sent at timestamp.
func Sign(secret []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify is the receiver's check: signature is Sign's over timestamp and
// body with secret, and timestamp lies within tolerance of now. Compare
// the whole header, constant-time, before trusting the body.
func Verify(secret []byte, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%s: %q is not Unix seconds", TimestampHeader, timestamp)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%s: %s is %s away from now; want within %s", TimestampHeader, timestamp, d.Round(time.Second), tolerance)
	}
	if !strings.HasPrefix(signature, "sha256=") || !hmac.Equal([]byte(signature), []byte(Sign(secret, timestamp, body))) {
		return fmt.Errorf("%s: does not match the body", SignatureHeader)
	}
	return nil
}

// Send posts rec. A resend after a lost answer (reconcile) is the same
// request with the same idempotency key: the receiver keeps one.
func (c *Client) Send(ctx context.Context, rec record.Record, reconcile bool) error {
	p := mqtt.NewPayload(c.device, rec)
	body, err := json.Marshal(p)
	if err != nil {
		return &uplink.Error{Class: uplink.Permanent, Msg: "encode record", Err: err}
	}
	ts := strconv.FormatInt(c.now().Unix(), 10)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", c.agent)
	h.Set(TimestampHeader, ts)
	h.Set(SignatureHeader, Sign(c.secret, ts, body))
	h.Set(IdempotencyHeader, p.IdempotencyKey)
	a, err := c.rest.Do(ctx, rest.Request{Method: http.MethodPost, Body: body, Header: h})
	if err != nil {
		return caHint(err, c.caFile)
	}
	if e := c.rest.Classify(a, rest.Text(a.Body, 200)); e != nil {
		if e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden {
			e.Msg = "signature or access refused (check webhook.secret_file against the receiver's secret): " + e.Msg
		}
		return e
	}
	return nil
}
