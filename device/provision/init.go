package provision

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"stampclock/device/config"
	"stampclock/internal/durable"
	"stampclock/uplink/zeiterfassung"
)

// Settings are what `stampctl init` asks for.
type Settings struct {
	ConfigPath string // where the config goes
	SecretPath string // where the API password goes (mode 0600)
	DeviceID   string
	Timezone   string
	StorePath  string
	Socket     string
	URL        string
	AllowHTTP  bool
	Email      string
	Password   string
	// TimeType is the id of the time type, or its name ("Arbeitszeit"),
	// which ResolveTimeType turns into the id.
	TimeType string
	// Force overwrites an existing config.
	Force bool
	// ServiceUser owns the secret file when it exists (so the service
	// can read it). Default "stampclock".
	ServiceUser string
}

// ErrExists is returned when the config exists and Force is not set.
var ErrExists = errors.New("provision: config exists")

// ResolveTimeType logs in and returns the id and name of the time type
// whose id or name (case-insensitive) is s.
func ResolveTimeType(ctx context.Context, s Settings, hc *http.Client) (id, name string, err error) {
	c, err := zeiterfassung.New(zeiterfassung.Options{
		BaseURL: s.URL, Email: s.Email, Password: s.Password, TimeTypeID: "-",
		Location: time.UTC, Timeout: 10 * time.Second, HTTPClient: hc,
	})
	if err != nil {
		return "", "", err
	}
	types, err := c.TimeTypes(ctx)
	if err != nil {
		return "", "", fmt.Errorf("list time types: %w", err)
	}
	for _, t := range types {
		if t.ID == s.TimeType || strings.EqualFold(t.Name, s.TimeType) {
			return t.ID, t.Name, nil
		}
	}
	return "", "", fmt.Errorf("no time type %q; the server has: %s", s.TimeType, names(types))
}

// Write writes the secret file (0600, owned by the service user when it
// exists) and the config (0640), then loads the config to prove it valid.
// It refuses to replace an existing config unless s.Force.
func Write(s Settings) error {
	if s.ServiceUser == "" {
		s.ServiceUser = "stampclock"
	}
	if _, err := os.Stat(s.ConfigPath); err == nil && !s.Force {
		return fmt.Errorf("%w: %s (use --force to replace it)", ErrExists, s.ConfigPath)
	}
	if err := durable.MkdirAll(filepath.Dir(s.ConfigPath), 0o750); err != nil {
		return err
	}
	if s.URL != "" {
		if err := writeSecret(s.SecretPath, s.Password, s.ServiceUser); err != nil {
			return err
		}
	}
	// Durably, so a power cut leaves the old config or the new one, never
	// an empty file or none.
	return durable.Replace(s.ConfigPath, []byte(render(s)), 0o640, func(tmp string) error {
		if _, err := config.Load(tmp); err != nil {
			return fmt.Errorf("the config written would not load: %w", err)
		}
		return nil
	})
}

func writeSecret(path, secret, owner string) error {
	if err := durable.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	// Written to a synced temporary file handed to owner, then renamed:
	// truncating the old file in place could leave it empty after a
	// power cut.
	return durable.Replace(path, []byte(secret+"\n"), 0o600, func(tmp string) error {
		if u, err := user.Lookup(owner); err == nil {
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			if err := os.Chown(tmp, uid, gid); err != nil {
				return fmt.Errorf("hand %s to %s: %w", path, owner, err)
			}
		}
		return nil
	})
}

// q quotes s as a TOML basic string.
func q(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04X", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func render(s Settings) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by stampctl init on %s. Every key: /usr/share/doc/stampclock/stampd.example.toml\n\n", time.Now().UTC().Format("2006-01-02"))
	if s.DeviceID != "" {
		fmt.Fprintf(&b, "[device]\nid = %s\n\n", q(s.DeviceID))
	}
	b.WriteString("[reader]\ntype = \"sim\"  # set the reader: mfrc522, wiegand, keyboard, rdm6300 or pn532 (see the example config)\n\n")
	if s.StorePath != "" {
		fmt.Fprintf(&b, "[store]\npath = %s\n\n", q(s.StorePath))
	}
	if s.Socket != "" {
		fmt.Fprintf(&b, "[control]\nsocket = %s\n\n", q(s.Socket))
	}
	if s.Timezone != "" {
		fmt.Fprintf(&b, "[punch]\ntimezone = %s\n\n", q(s.Timezone))
	}
	if s.URL != "" {
		fmt.Fprintf(&b, "[zeiterfassung]\nurl = %s\nemail = %s\npassword_file = %s\ntimetype_id = %s\n", q(s.URL), q(s.Email), q(s.SecretPath), q(s.TimeType))
		if s.AllowHTTP {
			b.WriteString("allow_http = true\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("# Badges: [[badge]] uid = \"04A1B2C3\" email = \"…\" — or enrol them with `stampctl enroll`.\n")
	return b.String()
}
