package uplink

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// TransportError classifies an HTTP request that got no answer. Failures
// before anything was sent (dial refused, DNS, TLS verification) are Retry;
// any other (timeout, connection dropped after the request was written)
// leaves the outcome unknown: Uncertain.
func TransportError(err error) *Error {
	var (
		op   *net.OpError
		dns  *net.DNSError
		cert *tls.CertificateVerificationError
		rec  tls.RecordHeaderError
		ua   x509.UnknownAuthorityError
		hn   x509.HostnameError
	)
	switch {
	case errors.As(err, &op) && op.Op == "dial",
		errors.As(err, &dns),
		errors.As(err, &cert), errors.As(err, &rec), errors.As(err, &ua), errors.As(err, &hn):
		return &Error{Class: Retry, Msg: "not sent", Err: err}
	}
	return &Error{Class: Uncertain, Msg: "no answer", Err: err}
}

// RetryAfter parses a Retry-After header value, seconds or an HTTP date
// (relative to now); 0 if absent or past.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
