package config

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Web configures the terminal's own web page. It is off unless Listen is
// set.
type Web struct {
	// Listen is the address of the page, e.g. ":8443". Default "": off.
	Listen string `toml:"listen"`
	// CertFile and KeyFile are the TLS certificate and key. Default: a
	// self-signed certificate generated at the first start and kept beside
	// the store (web-cert.pem, web-key.pem).
	CertFile string `toml:"cert_file"`
	KeyFile  string `toml:"key_file"`
	// UsersFile holds the logins written by `stampctl web passwd` (bcrypt
	// hashes, mode 0640). Default: web-users beside the config file.
	UsersFile string `toml:"users_file"`
	// AllowHTTP serves plain http, for a reverse proxy that terminates
	// TLS. Default false.
	AllowHTTP bool `toml:"allow_http"`
	// SessionTTL is how long a login lasts. Default "8h".
	SessionTTL Duration `toml:"session_ttl"`
	// IdleTimeout ends a session unused this long. Default "30m".
	IdleTimeout Duration `toml:"idle_timeout"`

	// SelfSigned is set when no cert_file is configured: the certificate
	// at CertFile/KeyFile is generated when missing.
	SelfSigned bool `toml:"-"`
}

// Enabled reports whether the page is served.
func (w Web) Enabled() bool { return w.Listen != "" }

func (c *Config) defaultsWeb() {
	w := &c.Web
	if w.CertFile == "" && w.KeyFile == "" {
		w.SelfSigned = true
		dir := filepath.Dir(c.Store.Path)
		w.CertFile, w.KeyFile = filepath.Join(dir, "web-cert.pem"), filepath.Join(dir, "web-key.pem")
	}
	if w.UsersFile == "" {
		w.UsersFile = filepath.Join(filepath.Dir(c.Path), "web-users")
	}
	if w.SessionTTL.Duration == 0 {
		w.SessionTTL.Duration = 8 * time.Hour
	}
	if w.IdleTimeout.Duration == 0 {
		w.IdleTimeout.Duration = 30 * time.Minute
	}
}

func (c *Config) validateWeb() error {
	w := &c.Web
	if !w.Enabled() {
		return nil
	}
	if err := checkListen("web.listen", w.Listen, ":8443"); err != nil {
		return err
	}
	if (w.CertFile == "") != (w.KeyFile == "") {
		return fmt.Errorf("web.cert_file and web.key_file: set both or neither")
	}
	if w.AllowHTTP && !w.SelfSigned {
		return fmt.Errorf("web.allow_http and web.cert_file: set only one (plain http serves no certificate)")
	}
	if !w.SelfSigned {
		for key, path := range map[string]string{"web.cert_file": w.CertFile, "web.key_file": w.KeyFile} {
			if _, err := os.Stat(path); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
		}
	}
	if w.SessionTTL.Duration < time.Minute {
		return fmt.Errorf("web.session_ttl: %s; want at least 1m", w.SessionTTL)
	}
	if w.IdleTimeout.Duration < time.Minute {
		return fmt.Errorf("web.idle_timeout: %s; want at least 1m", w.IdleTimeout)
	}
	return nil
}
