// Package config reads stampd's TOML configuration file: every key is
// documented in deploy/stampd.example.toml. Errors name the file, the key and
// what was expected; unknown keys are errors, so a typo never goes unnoticed.
package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/BurntSushi/toml"

	"stampclock/reader"
	"stampclock/reader/wiegand"
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
	// Type is "sim" (the simulator), "mfrc522", "wiegand", "keyboard",
	// "rdm6300" or "pn532".
	Type string `toml:"type"`
	// Script is a file of taps the simulator replays at start (sim only).
	Script   string   `toml:"script"`
	MFRC522  MFRC522  `toml:"mfrc522"`
	Wiegand  Wiegand  `toml:"wiegand"`
	Keyboard Keyboard `toml:"keyboard"`
	RDM6300  RDM6300  `toml:"rdm6300"`
	PN532    PN532    `toml:"pn532"`
}

// PN532 configures a PN532 module (13.56 MHz) on I2C or its UART (HSU).
type PN532 struct {
	// Interface is "i2c" (default) or "hsu".
	Interface string `toml:"interface"`
	// I2CBus is the periph I2C bus name; "" = the first (/dev/i2c-1 on a Pi).
	I2CBus string `toml:"i2c_bus"`
	// I2CAddr is the 7-bit address. Default 0x24 (36).
	I2CAddr int `toml:"i2c_addr"`
	// Device is the serial port for HSU. Default "/dev/serial0".
	Device string `toml:"device"`
	// Baud is the HSU speed. Default 115200.
	Baud int `toml:"baud"`
	// PollInterval between looks for a card. Default "100ms".
	PollInterval Duration `toml:"poll_interval"`
}

// RDM6300 configures an RDM6300/RDM630 125 kHz EM4100 module on a serial
// port.
type RDM6300 struct {
	// Device is the serial port. Default "/dev/serial0".
	Device string `toml:"device"`
	// Baud is the line speed. Default 9600.
	Baud int `toml:"baud"`
	// UIDBytes: 5 (default) stores the tag's five bytes, 4 leaves out the
	// version byte (as keyboard-wedge EM readers and printed decimals do).
	UIDBytes int `toml:"uid_bytes"`
	// Silence after which a held tag counts as gone. Default "1s".
	Silence Duration `toml:"silence"`
}

// MFRC522 configures an RC522 reader on SPI.
type MFRC522 struct {
	// SPIPort is the periph SPI port. Default "SPI0.0" (/dev/spidev0.0).
	SPIPort string `toml:"spi_port"`
	// ResetPin is the GPIO on the chip's RST pin. Default "GPIO25".
	ResetPin string `toml:"reset_pin"`
	// IRQPin is the GPIO on the chip's IRQ pin; "" = not wired, poll.
	IRQPin string `toml:"irq_pin"`
	// SPISpeedHz caps the SPI clock. Default 4000000.
	SPISpeedHz int64 `toml:"spi_speed_hz"`
	// PollInterval between looks for a card. Default "50ms".
	PollInterval Duration `toml:"poll_interval"`
}

// Wiegand configures a Wiegand reader on two GPIO lines.
type Wiegand struct {
	// Chip is the GPIO character device. Default "gpiochip0".
	Chip string `toml:"chip"`
	// D0 and D1 are the line offsets of DATA0 and DATA1. Required.
	D0 *int `toml:"d0"`
	D1 *int `toml:"d1"`
	// Gap ends a frame. Default "25ms".
	Gap Duration `toml:"gap"`
	// Formats accepted: "h10301" (26 bit), "h10306" (34), "corp1000"
	// (35), "h10304" (37). Default h10301, h10306 and h10304.
	Formats []string `toml:"formats"`
	// Custom are site layouts, e.g. "name=site34 bits=34 data=1:32
	// even=0-16 odd=17-33 reverse" (see wiegand.ParseLayout).
	Custom []string `toml:"custom"`
	// RawBits lists frame lengths accepted without parity check.
	RawBits []int `toml:"raw_bits"`
	// Edges is "falling" (default) or "both".
	Edges string `toml:"edges"`
	// PullUp enables the SoC's pull-ups on D0 and D1.
	PullUp bool `toml:"pull_up"`
}

// Keyboard configures a USB keyboard-wedge reader.
type Keyboard struct {
	// Device is the evdev node, best a stable /dev/input/by-id/… path.
	// Required.
	Device string `toml:"device"`
	// Format of what the reader types: "decimal" (default) or "hex".
	Format string `toml:"format"`
	// Layout of the reader's keyboard emulation: "us" (default) or "de".
	Layout string `toml:"layout"`
	// UIDBytes pads a decimal number to this many bytes. Default 4.
	UIDBytes int `toml:"uid_bytes"`
	// KeyTimeout drops a half-typed line after this pause. Default "500ms".
	KeyTimeout Duration `toml:"key_timeout"`
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
		return nil, fmt.Errorf("config %s: %w", path, readError(path, err))
	}
	return Parse(path, data)
}

// Parse decodes and validates data read from path (used in messages and to
// resolve relative secret files).
func Parse(path string, data []byte) (*Config, error) {
	var c Config
	md, err := toml.Decode(string(data), &c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			if pe.LastKey != "" {
				return nil, fmt.Errorf("config %s: line %d: %s: %s", path, pe.Position.Line, pe.LastKey, pe.Message)
			}
			return nil, fmt.Errorf("config %s: line %d: %s", path, pe.Position.Line, pe.Message)
		}
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	und, err := c.decodeUplinks(string(data), md.Undecoded())
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
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
		c.Reader.Type = "sim"
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
	if err := c.validateReader(); err != nil {
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
		if _, _, err := net.SplitHostPort(c.Metrics.Listen); err != nil {
			return fmt.Errorf("metrics.listen: %q is not host:port (like \"127.0.0.1:9120\")", c.Metrics.Listen)
		}
	}
	if err := c.validateMore(); err != nil {
		return err
	}
	if c.Reader.Script != "" && c.Reader.Type != "sim" {
		return fmt.Errorf("reader.script: only the sim reader replays scripts")
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
	}
	return nil
}

// ReadSecret reads a secret from a file: the first line, trimmed. It refuses
// a file that others may access or its group may write (the rule is in
// files.go).
func ReadSecret(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", readError(path, err)
	}
	if err := checkPrivate(path, fi); err != nil {
		return "", err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", readError(path, err)
	}
	s, _, _ := strings.Cut(string(data), "\n")
	s = strings.TrimSpace(s)
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

func (c *Config) validateReader() error {
	r := &c.Reader
	switch r.Type {
	case "sim":
	case "mfrc522":
		if r.MFRC522.SPISpeedHz < 0 || r.MFRC522.SPISpeedHz > 10_000_000 {
			return fmt.Errorf("reader.mfrc522.spi_speed_hz: %d; the chip allows up to 10000000", r.MFRC522.SPISpeedHz)
		}
		if d := r.MFRC522.PollInterval.Duration; d < 0 || d > 0 && (d < 5*time.Millisecond || d > time.Second) {
			return fmt.Errorf("reader.mfrc522.poll_interval: %s; want 5ms to 1s", d)
		}
	case "wiegand":
		w := r.Wiegand
		if w.D0 == nil || w.D1 == nil {
			return fmt.Errorf("reader.wiegand.d0 and reader.wiegand.d1: required (GPIO line offsets of DATA0 and DATA1)")
		}
		if *w.D0 < 0 || *w.D1 < 0 || *w.D0 == *w.D1 {
			return fmt.Errorf("reader.wiegand.d0/d1: %d and %d must be two different line offsets", *w.D0, *w.D1)
		}
		for _, n := range w.RawBits {
			if n < 8 || n > 256 {
				return fmt.Errorf("reader.wiegand.raw_bits: %d; want 8 to 256", n)
			}
		}
		if _, _, err := wiegand.ParseFormats(w.Formats, w.Custom, w.RawBits); err != nil {
			return fmt.Errorf("reader.wiegand.formats/custom/raw_bits: %w", err)
		}
		if w.Edges != "" && w.Edges != "falling" && w.Edges != "both" {
			return fmt.Errorf("reader.wiegand.edges: %q; want falling or both", w.Edges)
		}
	case "keyboard":
		k := r.Keyboard
		if k.Device == "" {
			return fmt.Errorf("reader.keyboard.device: required (e.g. /dev/input/by-id/usb-…-event-kbd)")
		}
		if k.Format != "" && k.Format != "decimal" && k.Format != "hex" {
			return fmt.Errorf("reader.keyboard.format: %q; want decimal or hex", k.Format)
		}
		if k.Layout != "" && k.Layout != "us" && k.Layout != "de" {
			return fmt.Errorf("reader.keyboard.layout: %q; want us or de", k.Layout)
		}
		if k.UIDBytes < 0 || k.UIDBytes > reader.MaxUIDLen {
			return fmt.Errorf("reader.keyboard.uid_bytes: %d; want 1 to %d", k.UIDBytes, reader.MaxUIDLen)
		}
	case "rdm6300":
		if b := r.RDM6300.Baud; b != 0 && b != 2400 && b != 4800 && b != 9600 && b != 19200 && b != 38400 && b != 57600 && b != 115200 {
			return fmt.Errorf("reader.rdm6300.baud: %d; want 9600 (or 2400 to 115200)", b)
		}
		if n := r.RDM6300.UIDBytes; n != 0 && n != 4 && n != 5 {
			return fmt.Errorf("reader.rdm6300.uid_bytes: %d; want 5 (all the tag's bytes) or 4 (without the version byte)", n)
		}
		if d := r.RDM6300.Silence.Duration; d < 0 || d > 0 && (d < 50*time.Millisecond || d > time.Minute) {
			return fmt.Errorf("reader.rdm6300.silence: %s; want 50ms to 1m", d)
		}
	case "pn532":
		p := r.PN532
		if p.Interface != "" && p.Interface != "i2c" && p.Interface != "hsu" {
			return fmt.Errorf("reader.pn532.interface: %q; want i2c or hsu", p.Interface)
		}
		if p.I2CAddr < 0 || p.I2CAddr > 0x7F {
			return fmt.Errorf("reader.pn532.i2c_addr: %d; want a 7-bit address (default 0x24)", p.I2CAddr)
		}
		if p.Baud != 0 && p.Baud != 9600 && p.Baud != 19200 && p.Baud != 38400 && p.Baud != 57600 && p.Baud != 115200 {
			return fmt.Errorf("reader.pn532.baud: %d; want 115200 (or 9600 to 57600)", p.Baud)
		}
		if d := p.PollInterval.Duration; d < 0 || d > 0 && (d < 5*time.Millisecond || d > time.Second) {
			return fmt.Errorf("reader.pn532.poll_interval: %s; want 5ms to 1s", d)
		}
	default:
		return fmt.Errorf("reader.type: %q is not a reader; want sim, mfrc522, wiegand, keyboard, rdm6300 or pn532", r.Type)
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
