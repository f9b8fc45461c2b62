package uplink

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// CheckReach is the network part of an HTTP uplink's checks, in order:
// DNS (for a host name), TCP, and TLS for https with the certificate's
// name and expiry. A step that depends on a failed one is skipped with the
// reason, and ok is false: the API steps cannot run.
func CheckReach(ctx context.Context, rawURL string, env CheckEnv) (steps []CheckStep, ok bool) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return []CheckStep{{Name: "URL", Err: err}}, false
	}
	resolver := env.Resolver
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
	}
	if net.ParseIP(host) == nil {
		addrs, err := resolver.LookupHost(ctx, host)
		if err != nil {
			return append(steps, CheckStep{Name: "DNS " + host, Err: fmt.Errorf("lookup: %w", err)}, CheckStep{Name: "TCP", Skipped: true, Detail: "DNS failed"}), false
		}
		steps = append(steps, CheckStep{Name: "DNS " + host, Detail: strings.Join(addrs, ", ")})
	}
	addr := net.JoinHostPort(host, port)
	c, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return append(steps, CheckStep{Name: "TCP " + addr, Err: err}, CheckStep{Name: "API", Skipped: true, Detail: "no TCP connection"}), false
	}
	c.Close()
	steps = append(steps, CheckStep{Name: "TCP " + addr, Detail: "connected"})
	if u.Scheme != "https" {
		return steps, true
	}
	tc := env.TLSConfig.Clone()
	if tc == nil {
		tc = &tls.Config{}
	}
	tc.ServerName = host
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: tc}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return append(steps, CheckStep{Name: "TLS", Err: fmt.Errorf("handshake: %w", err)}, CheckStep{Name: "API", Skipped: true, Detail: "TLS failed"}), false
	}
	cs := conn.(*tls.Conn).ConnectionState()
	leaf := cs.PeerCertificates[0]
	conn.Close()
	return append(steps, CheckStep{Name: "TLS", Detail: fmt.Sprintf("certificate for %s valid until %s", leaf.Subject.CommonName, leaf.NotAfter.Format("2006-01-02"))}), true
}

// Explain returns err for a person: an *Error's message, cause and HTTP
// status, without the class.
func Explain(err error) string {
	var ue *Error
	if !errors.As(err, &ue) {
		return err.Error()
	}
	var b strings.Builder
	if ue.Msg != "" {
		b.WriteString(ue.Msg)
	}
	if ue.Err != nil {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(ue.Err.Error())
	}
	if ue.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", ue.Status)
	}
	if b.Len() == 0 {
		return err.Error()
	}
	return strings.TrimSpace(b.String())
}
