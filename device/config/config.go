// Package config reads stampd's TOML configuration file: every key is
// documented in deploy/stampd.example.toml. Errors name the file, the key and
// what was expected; unknown keys are errors, so a typo never goes unnoticed.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"
	// punch.timezone is loaded from the zone database built in: a terminal
	// (and stampctl on it) may lack /usr/share/zoneinfo.
	_ "time/tzdata"
	"unicode"
	"unicode/utf8"

	"github.com/BurntSushi/toml"

	"stampclock/device/readers"
	"stampclock/reader"
	"stampclock/uplink"
)

// Config is the whole configuration.
type Config struct {
	Device   Device   `toml:"device"`
	Reader   Reader   `toml:"reader"`
	Feedback Feedback `toml:"feedback"`
	Metrics  Metrics  `toml:"metrics"`
	Store    Store    `toml:"store"`
	Control  Control  `toml:"control"`
	Punch    Punch    `toml:"punch"`
	Log      Log      `toml:"log"`
	Site     Site     `toml:"site"`
	DayTotal DayTotal `toml:"daytotal"`
	Locks    Locks    `toml:"locks"`
	Web      Web      `toml:"web"`
	Badges   []Badge  `toml:"badge"`

	// Uplinks holds the sections of the uplinks in uplinks.All, by name
	// (every one, enabled or not).
	Uplinks map[string]uplink.Section `toml:"-"`

	// Path is the file the config was read from.
	Path string `toml:"-"`
	// Location is Punch.Timezone loaded.
	Location *time.Location `toml:"-"`
}

// Device identifies the terminal.
type Device struct {
	// ID names the terminal in records and uplinks. Default: the host name.
	ID string `toml:"id"`
}

// Reader selects the badge source.
type Reader struct {
	// Type is the kind of reader: a name in the list of device/readers
	// ("sim", the simulator, by default).
	Type string `toml:"type"`
	// Script is a file of taps the simulator replays at start (sim only).
	Script string `toml:"script"`
	// Sections holds the [reader.<kind>] section of every kind in
	// readers.All, by name (an absent one empty); only the selected
	// kind's is prepared.
	Sections map[string]reader.Section `toml:"-"`
}

// Metrics configures the Prometheus endpoint.
type Metrics struct {
	// Listen is the address of /metrics and /healthz, e.g.
	// "127.0.0.1:9120". Default "": off.
	Listen string `toml:"listen"`
}

// Feedback configures the buzzer, LEDs and display. Every output is
// optional; without any, feedback goes to the log only.
type Feedback struct {
	// BuzzerPin, GreenPin, RedPin are GPIO names like "GPIO17"; "" = none.
	BuzzerPin string `toml:"buzzer_pin"`
	GreenPin  string `toml:"green_pin"`
	RedPin    string `toml:"red_pin"`
	// *ActiveLow: the output is on when the pin is low.
	BuzzerActiveLow bool    `toml:"buzzer_active_low"`
	GreenActiveLow  bool    `toml:"green_active_low"`
	RedActiveLow    bool    `toml:"red_active_low"`
	Display         Display `toml:"display"`
}

// Display configures an SSD1306 128x64 I2C display.
type Display struct {
	// Enabled turns the display on. Default false.
	Enabled bool `toml:"enabled"`
	// Bus is the I2C bus. Default "" (the first bus, /dev/i2c-1 on a Pi).
	Bus string `toml:"bus"`
	// Language of the texts: "de" (default) or "en".
	Language string `toml:"language"`
	// Hold is how long an event stays before the clock returns. Default "5s".
	Hold Duration `toml:"hold"`
}

// Store configures the queue file.
type Store struct {
	// Path of the bbolt file. Default /var/lib/stampclock/queue.db.
	Path string `toml:"path"`
	// Retention: records every uplink confirmed more than this long ago are
	// pruned; records no uplink confirmed never are. Default 720h.
	Retention Duration `toml:"retention"`
	// SizeLimitMB is the size the store should stay below. Undelivered
	// records are never deleted to make room: crossing WarnPercent of it
	// raises a warning (status, metric, MQTT event) early. Default 1024.
	SizeLimitMB int64 `toml:"size_limit_mb"`
	// WarnPercent of SizeLimitMB triggers the warning. Default 80.
	WarnPercent int `toml:"warn_percent"`
}

// Control configures the control socket.
type Control struct {
	// Socket is the unix socket stampctl talks to.
	// Default /run/stampclock/stampd.sock.
	Socket string `toml:"socket"`
}

// Punch configures the punch rules.
type Punch struct {
	// Timezone is the company's IANA time zone. Default Europe/Berlin.
	Timezone string `toml:"timezone"`
	// RepeatWindow: a second tap within it is ignored. Default 60s.
	RepeatWindow Duration `toml:"repeat_window"`
	// MaxShift: an open shift older than this is a missing stop. Default 16h.
	MaxShift Duration `toml:"max_shift"`
}

// Log configures logging.
type Log struct {
	// Level is debug, info, warn or error. Default info.
	Level string `toml:"level"`
	// Format is text or json. Default text.
	Format string `toml:"format"`
}

// Badge is a configured badge.
type Badge struct {
	UID   string `toml:"uid"`
	Email string `toml:"email"`
	Name  string `toml:"name"`
	// Admin badges belong to no employee: tapping one switches the terminal
	// into capture mode, where unknown badges are collected for
	// `stampctl badges pending` / `assign`.
	Admin bool `toml:"admin"`
}

// Duration is a time.Duration written as "60s", "16h".
type Duration = uplink.Duration

// Defaults.
const (
	DefaultStorePath = "/var/lib/stampclock/queue.db"
	DefaultSocket    = "/run/stampclock/stampd.sock"
	DefaultTimezone  = "Europe/Berlin"
)

// Load reads, defaults and validates the file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Path == path && !errors.Is(err, fs.ErrPermission) {
			err = pe.Err // "config F: no such file or directory", the path said once
		}
		return nil, fmt.Errorf("config %s: %w", path, readError(path, err))
	}
	return Parse(path, data)
}

// Parse decodes and validates data read from path (used in messages, and
// for the full path a relative file name probably means).
func Parse(path string, data []byte) (*Config, error) {
	var c Config
	md, err := toml.Decode(string(data), &c)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, decodeError(string(data), err))
	}
	und, err := c.decodeUplinks(string(data), md.Undecoded())
	if err == nil {
		und, err = c.Reader.decode(string(data), und)
	}
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, decodeError(string(data), err))
	}
	if len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("config %s: unknown key %s", path, strings.Join(keys, ", "))
	}
	c.Path = path
	if err := c.defaults(); err != nil {
		return nil, err
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return &c, nil
}

func (c *Config) defaults() error {
	if c.Device.ID == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("config %s: device.id not set and no host name: %w", c.Path, err)
		}
		c.Device.ID = h
	}
	if c.Reader.Type == "" {
		c.Reader.Type = readers.Default().Name
	}
	if c.Store.Path == "" {
		c.Store.Path = DefaultStorePath
	}
	if c.Store.SizeLimitMB == 0 {
		c.Store.SizeLimitMB = 1024
	}
	if c.Store.WarnPercent == 0 {
		c.Store.WarnPercent = 80
	}
	if c.Store.Retention.Duration == 0 {
		c.Store.Retention.Duration = 30 * 24 * time.Hour
	}
	if c.Control.Socket == "" {
		c.Control.Socket = DefaultSocket
	}
	if c.Punch.Timezone == "" {
		c.Punch.Timezone = DefaultTimezone
	}
	if c.Punch.RepeatWindow.Duration == 0 {
		c.Punch.RepeatWindow.Duration = 60 * time.Second
	}
	if c.Punch.MaxShift.Duration == 0 {
		c.Punch.MaxShift.Duration = 16 * time.Hour
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.Log.Format == "" {
		c.Log.Format = "text"
	}
	c.defaultsWeb()
	return nil
}

func (c *Config) validate() error {
	if err := c.Reader.prepare(); err != nil {
		return err
	}
	if err := c.validateFeedback(); err != nil {
		return err
	}
	if c.Store.SizeLimitMB < 1 {
		return fmt.Errorf("store.size_limit_mb: %d; want at least 1", c.Store.SizeLimitMB)
	}
	if c.Store.WarnPercent < 1 || c.Store.WarnPercent > 100 {
		return fmt.Errorf("store.warn_percent: %d; want 1 to 100", c.Store.WarnPercent)
	}
	if err := c.validatePaths(); err != nil {
		return err
	}
	if c.Metrics.Listen != "" {
		if err := checkListen("metrics.listen", c.Metrics.Listen, "127.0.0.1:9120"); err != nil {
			return err
		}
	}
	if err := c.checkFilesAbsolute(); err != nil {
		return err
	}
	if err := c.validateReadSide(); err != nil {
		return err
	}
	if c.Reader.Script != "" && !c.Reader.Injected() {
		return fmt.Errorf("reader.script: only the %s reader replays scripts", strings.Join(readers.Injecting(), " or "))
	}
	loc, err := time.LoadLocation(c.Punch.Timezone)
	if err != nil {
		return fmt.Errorf("punch.timezone: %q is not an IANA time zone (like \"Europe/Berlin\")", c.Punch.Timezone)
	}
	c.Location = loc
	for key, d := range map[string]time.Duration{
		"punch.repeat_window": c.Punch.RepeatWindow.Duration,
		"punch.max_shift":     c.Punch.MaxShift.Duration,
		"store.retention":     c.Store.Retention.Duration,
	} {
		if d < 0 {
			return fmt.Errorf("%s: %s is negative", key, d)
		}
	}
	if c.Punch.RepeatWindow.Duration >= c.Punch.MaxShift.Duration {
		return fmt.Errorf("punch.repeat_window (%s) must be shorter than punch.max_shift (%s)", c.Punch.RepeatWindow, c.Punch.MaxShift)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log.level: %q; want debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		return fmt.Errorf("log.format: %q; want text or json", c.Log.Format)
	}
	if err := c.validateSite(); err != nil {
		return err
	}
	if err := c.validateWeb(); err != nil {
		return err
	}
	if err := c.prepareUplinks(); err != nil {
		return err
	}
	seen := make(map[string]int, len(c.Badges))
	spelt := make(map[string]int, len(c.Badges)) // lower-case email → first badge with it
	for i := range c.Badges {
		b := &c.Badges[i]
		uid, err := reader.NormalizeUID(b.UID)
		if err != nil {
			return fmt.Errorf("badge[%d].uid: %w", i, err)
		}
		b.UID = uid
		if b.Admin && b.Email != "" {
			return fmt.Errorf("badge[%d]: an admin badge has no email", i)
		}
		if !b.Admin && !ValidEmail(b.Email) {
			return fmt.Errorf("badge[%d].email: %q is not an email address", i, b.Email)
		}
		if err := CheckText(b.Name); err != nil {
			return fmt.Errorf("badge[%d].name: %q: %w", i, b.Name, err)
		}
		if j, dup := seen[uid]; dup {
			return fmt.Errorf("badge[%d].uid: %s is already badge[%d]", i, uid, j)
		}
		seen[uid] = i
		// One employee is one email: spelt twice, her badges would keep
		// two open shifts. Emails differ in case only by mistake, so the
		// first spelling is taken for all her badges (refusing it would
		// stop a terminal that ran with such a config before).
		if j, ok := spelt[strings.ToLower(b.Email)]; ok {
			b.Email = c.Badges[j].Email
		} else if b.Email != "" {
			spelt[strings.ToLower(b.Email)] = i
		}
	}
	return nil
}

// ReadSecret reads a secret from a file: the first line, trimmed (also of
// a CR and a byte order mark). It refuses a directory, and a file that
// others may access or its group may write (the rule is in files.go).
func ReadSecret(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", readError(path, err)
	}
	if fi.IsDir() {
		return "", fmt.Errorf("%s is a directory; want the file holding the secret", path)
	}
	if err := checkPrivate(path, fi); err != nil {
		return "", err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", readError(path, err)
	}
	s, _, _ := strings.Cut(string(data), "\n")
	// A file saved by a Windows editor may start with a byte order mark.
	s = strings.TrimSpace(strings.TrimPrefix(s, "\ufeff"))
	if s == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return s, nil
}

// ValidEmail reports whether s looks like an email address: valid UTF-8
// without spaces or control characters.
func ValidEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n,;<>") && CheckText(s) == nil
}

// CheckText refuses text that would garble a terminal, a log line or a
// display when printed: invalid UTF-8 and control characters (ANSI escape
// sequences, newlines).
func CheckText(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return fmt.Errorf("control character %q", r)
		}
	}
	return nil
}

func (c *Config) validateFeedback() error {
	d := c.Feedback.Display
	if d.Language != "" && d.Language != "de" && d.Language != "en" {
		return fmt.Errorf("feedback.display.language: %q; want de or en", d.Language)
	}
	if d.Hold.Duration < 0 {
		return fmt.Errorf("feedback.display.hold: %s is negative", d.Hold)
	}
	return nil
}
