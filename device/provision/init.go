package provision

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"stampclock/device/config"
	"stampclock/internal/durable"
	"stampclock/uplink"
	"stampclock/uplink/zeiterfassung"
)

// Settings are what `stampctl init` asks for.
type Settings struct {
	ConfigPath string // where the config goes
	SecretPath string // where the API password goes (config.FileMode)
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
	// Force replaces a config someone edited (after a backup beside it).
	Force bool
	// PackagedPath is a copy of the config the package installed; a
	// config equal to it was never edited and is replaced without Force.
	// Default DefaultPackagedPath.
	PackagedPath string
	// Group owns the written files (config.ServiceGroup when empty; the
	// files stay in the writer's group when it does not exist).
	Group string
	// Now stamps the config's header and the backup's name. Default
	// time.Now.
	Now func() time.Time
}

// DefaultPackagedPath is where the package keeps a copy of the config it
// installs as /etc/stampclock/stampd.toml.
const DefaultPackagedPath = "/usr/share/stampclock/stampd.toml"

// ErrEdited is returned when the config was edited and Force is not set.
var ErrEdited = errors.New("provision: config was edited")

// flagOf names the settings' command-line flags in messages; Validate uses
// them so a technician learns which flag to change.
var flagOf = map[string]string{
	"url": "--url", "email": "--email", "timetype": "--timetype", "timezone": "--timezone",
	"device": "--device-id", "allowhttp": "--allow-http",
}

// Validate checks the settings given so far without touching the network
// or any file, naming the flag to change. Empty values are not errors:
// they are asked for, or named by Missing.
func (s Settings) Validate() error {
	if s.URL != "" {
		if err := ValidateURL(s.URL, s.AllowHTTP); err != nil {
			return err
		}
	}
	if s.Email != "" && !config.ValidEmail(s.Email) {
		return fmt.Errorf("%s %q: not an email address", flagOf["email"], s.Email)
	}
	if s.Timezone != "" {
		if _, err := time.LoadLocation(s.Timezone); err != nil {
			return fmt.Errorf("%s %q: not an IANA time zone (like Europe/Berlin)", flagOf["timezone"], s.Timezone)
		}
	}
	if strings.ContainsAny(s.DeviceID, "/+#") || strings.HasPrefix(s.DeviceID, "$") {
		return fmt.Errorf("%s %q: may not contain '/', '+' or '#' or start with '$'", flagOf["device"], s.DeviceID)
	}
	return nil
}

// ValidateURL checks a Zeiterfassung base URL as given to --url.
func ValidateURL(raw string, allowHTTP bool) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "":
		return fmt.Errorf("%s %q: not a URL like https://zeit.example.com", flagOf["url"], raw)
	case u.Scheme == "http" && !allowHTTP:
		return fmt.Errorf("%s %q: plain http sends the password unencrypted; use https, or add %s for a test server", flagOf["url"], raw, flagOf["allowhttp"])
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Errorf("%s %q: want https://", flagOf["url"], raw)
	}
	return nil
}

// Existing says what is at s.ConfigPath: nothing (""), the packaged
// config ("packaged"), or a config someone edited ("edited").
func (s Settings) Existing() (string, error) {
	cur, err := os.ReadFile(s.ConfigPath)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", s.ConfigPath, err)
	}
	p := s.PackagedPath
	if p == "" {
		p = DefaultPackagedPath
	}
	if pkg, err := os.ReadFile(p); err == nil && bytes.Equal(pkg, cur) {
		return "packaged", nil
	}
	return "edited", nil
}

// CheckReplace refuses to go on when the config was edited and Force is
// not set: called before anything is asked or written.
func (s Settings) CheckReplace() error {
	kind, err := s.Existing()
	if err != nil {
		return err
	}
	if kind == "edited" && !s.Force {
		return fmt.Errorf("%w: %s is not the packaged config; to replace it (a backup is kept beside it), add --force", ErrEdited, s.ConfigPath)
	}
	return nil
}

// ResolveTimeType logs in and returns the id and name of the time type
// whose id or name (case-insensitive) is s.TimeType. A login failure is
// reported as such, not as a time type problem.
func ResolveTimeType(ctx context.Context, s Settings, hc *http.Client) (id, name string, err error) {
	c, err := zeiterfassung.New(zeiterfassung.Options{
		BaseURL: s.URL, Email: s.Email, Password: s.Password, TimeTypeID: "-",
		Location: time.UTC, Timeout: 10 * time.Second, HTTPClient: hc,
	})
	if err != nil {
		return "", "", err
	}
	if err := c.SecuredHello(ctx); err != nil {
		return "", "", fmt.Errorf("login as %s at %s: %s", s.Email, s.URL, Explain(err))
	}
	types, err := c.TimeTypes(ctx)
	if err != nil {
		return "", "", fmt.Errorf("list time types: %s", Explain(err))
	}
	for _, t := range types {
		if t.ID == s.TimeType || strings.EqualFold(t.Name, s.TimeType) {
			return t.ID, t.Name, nil
		}
	}
	return "", "", fmt.Errorf("%s %q: no such time type; the server has: %s", flagOf["timetype"], s.TimeType, zeiterfassung.Names(types))
}

// Explain says an uplink error once, for a person: the receiver's message
// and its HTTP status, without the layers of wrapping.
func Explain(err error) string { return uplink.Explain(err) }

// Write installs the secret and the config (both config.FileMode, group
// config.ServiceGroup; the rule is in device/config/files.go), after
// proving the config loads with that secret. A config someone edited is
// replaced only with Force, and then kept as a backup beside it, whose
// path is returned. Nothing is written when anything fails before.
func Write(s Settings) (backup string, err error) {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Group == "" {
		s.Group = config.ServiceGroup
	}
	kind, err := s.Existing()
	if err != nil {
		return "", err
	}
	if kind == "edited" && !s.Force {
		return "", s.CheckReplace()
	}
	gid := -1
	if g, err := user.LookupGroup(s.Group); err == nil {
		gid, _ = strconv.Atoi(g.Gid)
	}
	dir := filepath.Dir(s.ConfigPath)
	if err := durable.MkdirAll(dir, config.DirMode); err != nil {
		return "", err
	}
	var secretTmp string
	if s.URL != "" {
		if secretTmp, err = writeTemp(s.SecretPath, []byte(s.Password+"\n"), gid); err != nil {
			return "", fmt.Errorf("write secret: %w", err)
		}
		defer os.Remove(secretTmp) // a no-op once renamed
	}
	cfgTmp, err := writeTemp(s.ConfigPath, []byte(render(s, s.Now())), gid)
	if err != nil {
		return "", fmt.Errorf("write config: %w", err)
	}
	defer os.Remove(cfgTmp)
	// Prove the pair loads: the config as written, reading the new secret.
	trial := s
	trial.SecretPath = secretTmp
	if _, err := config.Parse(s.ConfigPath, []byte(render(trial, s.Now()))); err != nil {
		return "", fmt.Errorf("the config would not load: %w", err)
	}
	if kind == "edited" {
		if backup, err = linkBackup(s.ConfigPath, s.Now()); err != nil {
			return "", err
		}
	}
	if secretTmp != "" {
		if err := os.Rename(secretTmp, s.SecretPath); err != nil {
			return backup, fmt.Errorf("install %s: %w", s.SecretPath, err)
		}
	}
	if err := os.Rename(cfgTmp, s.ConfigPath); err != nil {
		return backup, fmt.Errorf("install %s: %w", s.ConfigPath, err)
	}
	// The renames (and the backup's link) are durable only once the
	// directory is synced: a power cut before it leaves the old pair.
	if err := durable.SyncDir(dir); err != nil {
		return backup, fmt.Errorf("install %s: %w", s.ConfigPath, err)
	}
	return backup, nil
}

// linkBackup links the config at path to a backup beside it named for
// now, path.<UTC time>.bak, and returns that name. When a backup of the
// same second exists (init ran twice within it), the next free name
// path.<UTC time>.N.bak is taken: an existing backup is never replaced.
func linkBackup(path string, now time.Time) (string, error) {
	stamp := path + "." + now.UTC().Format("20060102T150405Z")
	name := stamp + ".bak"
	for n := 1; ; n++ {
		err := os.Link(path, name)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) || n > 99 {
			return "", fmt.Errorf("back up %s: %w", path, err)
		}
		name = fmt.Sprintf("%s.%d.bak", stamp, n)
	}
}

// writeTemp writes data beside path with config.FileMode and group gid
// (-1: unchanged), synced, and returns the temporary file's name.
func writeTemp(path string, data []byte, gid int) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	err = f.Chmod(config.FileMode)
	if err == nil && gid >= 0 {
		err = f.Chown(-1, gid)
	}
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return name, nil
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

func render(s Settings, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by stampctl init on %s. Every key: /usr/share/doc/stampclock/stampd.example.toml\n\n", now.UTC().Format("2006-01-02"))
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
