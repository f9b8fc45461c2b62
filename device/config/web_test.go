package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWeb_DefaultsBesideStoreAndConfig(t *testing.T) {
	c, err := Parse("/etc/stampclock/stampd.toml", []byte("[store]\npath = \"/var/lib/stampclock/queue.db\"\n[web]\nlisten = \":8443\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	w := c.Web
	if !w.Enabled() || !w.SelfSigned || w.CertFile != "/var/lib/stampclock/web-cert.pem" || w.KeyFile != "/var/lib/stampclock/web-key.pem" {
		t.Errorf("certificate: %+v", w)
	}
	if w.UsersFile != "/etc/stampclock/web-users" || w.SessionTTL.Duration != 8*time.Hour || w.IdleTimeout.Duration != 30*time.Minute || w.AllowHTTP {
		t.Errorf("defaults: %+v", w)
	}
	if c, err := Parse("x.toml", nil); err != nil || c.Web.Enabled() {
		t.Errorf("without [web]: enabled %v, %v; want off", c.Web.Enabled(), err)
	}
}

func TestWeb_BadValues_ErrorNamesKey(t *testing.T) {
	dir := t.TempDir()
	cert := filepath.Join(dir, "c.pem")
	os.WriteFile(cert, []byte("x"), 0o600)
	for _, tc := range []struct{ text, want string }{
		{`listen = "8443"`, "web.listen: \"8443\" is not host:port"},
		{"listen = \":8443\"\ncert_file = \"" + cert + "\"", "web.cert_file and web.key_file: set both or neither"},
		{"listen = \":8443\"\ncert_file = \"" + cert + "\"\nkey_file = \"" + filepath.Join(dir, "missing.pem") + "\"", "web.key_file:"},
		{"listen = \":8443\"\ncert_file = \"" + cert + "\"\nkey_file = \"" + cert + "\"\nallow_http = true", "web.allow_http and web.cert_file: set only one"},
		{"listen = \":8443\"\nsession_ttl = \"30s\"", "web.session_ttl: 30s; want at least 1m"},
		{"listen = \":8443\"\nidle_timeout = \"10s\"", "web.idle_timeout: 10s; want at least 1m"},
		{"listen = \":8443\"\nport = 1", "unknown key web.port"},
	} {
		_, err := Parse("stampd.toml", []byte("[web]\n"+tc.text+"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v; want %q", tc.text, err, tc.want)
		}
	}
}
