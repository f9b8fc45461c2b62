package webhook

import (
	"crypto/x509"
	"fmt"
	"time"

	"stampclock/uplink"
)

// Defaults of the [webhook] section.
const (
	// DefaultTimeout bounds one request.
	DefaultTimeout = 15 * time.Second
	// MinSecret is the shortest secret accepted, in bytes.
	MinSecret = 16
)

// Config is the [webhook] section. The uplink is enabled when URL is set.
type Config struct {
	// URL receives the POSTs: https, or http with AllowHTTP. Default: none
	// (uplink off).
	URL string `toml:"url"`
	// AllowHTTP permits a plain http URL (a test receiver). Default false.
	AllowHTTP bool `toml:"allow_http"`
	// SecretFile holds the signing secret on its first line, at least
	// MinSecret bytes. Required; readable only by stampd's user.
	SecretFile string `toml:"secret_file"`
	// Timeout bounds one request. Default "15s".
	Timeout uplink.Duration `toml:"timeout"`
	// CAFile is a PEM file of the CAs that sign the receiver's
	// certificate (a company's own CA). Default: none, the system's roots.
	CAFile string `toml:"ca_file"`

	// Secret is read from SecretFile by Prepare.
	Secret string `toml:"-"`
	// RootCAs are read from CAFile by Prepare (nil: the system's roots).
	RootCAs *x509.CertPool `toml:"-"`
}

// Enabled reports whether the section configures the uplink.
func (c *Config) Enabled() bool { return c.URL != "" }

// Prepare fills the defaults, reads the secret and validates.
func (c *Config) Prepare(g uplink.Globals) error {
	if err := uplink.CheckURL(Name, c.URL, c.AllowHTTP); err != nil {
		return err
	}
	if c.Timeout.Duration < 0 {
		return fmt.Errorf("%s.timeout: %s is negative", Name, c.Timeout)
	}
	if c.Timeout.Duration == 0 {
		c.Timeout.Duration = DefaultTimeout
	}
	if c.SecretFile == "" {
		return fmt.Errorf("%s.secret_file: required (a file holding the signing secret)", Name)
	}
	s, err := g.ReadSecret(c.SecretFile)
	if err != nil {
		return fmt.Errorf("%s.secret_file: %w", Name, err)
	}
	if len(s) < MinSecret {
		return fmt.Errorf("%s.secret_file: %s holds %d bytes; want a secret of at least %d (e.g. openssl rand -hex 32)", Name, c.SecretFile, len(s), MinSecret)
	}
	c.Secret = s
	if c.CAFile != "" {
		if c.RootCAs, err = uplink.CertPool(Name+".ca_file", c.CAFile); err != nil {
			return err
		}
	}
	return nil
}

// Files returns the secret file and the CA file, if set, by key.
func (c *Config) Files() map[string]string {
	m := map[string]string{Name + ".secret_file": c.SecretFile}
	if c.CAFile != "" {
		m[Name+".ca_file"] = c.CAFile
	}
	return m
}
