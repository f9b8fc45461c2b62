package rdm6300

import (
	"fmt"
	"log/slog"
	"time"

	"stampclock/internal/confval"
	"stampclock/reader"
	"stampclock/reader/cardnum"
)

// Config is the [reader.rdm6300] section: an RDM6300/RDM630 125 kHz
// EM4100 module on a serial port. Zero values are DefaultOptions'.
type Config struct {
	// Device is the serial port. Default "/dev/serial0".
	Device string `toml:"device"`
	// Baud is the line speed. Default 9600.
	Baud int `toml:"baud"`
	// UIDBytes: 5 (default) stores the tag's five bytes, 4 leaves out the
	// version byte (as keyboard-wedge EM readers and printed decimals do).
	UIDBytes int `toml:"uid_bytes"`
	// Silence after which a held tag counts as gone. Default "1s".
	Silence confval.Duration `toml:"silence"`
}

// Kind declares the reader for the list in device/readers.
func Kind() reader.Kind {
	return reader.Kind{Name: "rdm6300", Section: func() reader.Section { return &Config{} }, Printed: cardnum.ShownEM, Decoder: captureDecoder}
}

// Prepare validates the section.
func (m *Config) Prepare() error {
	if b := m.Baud; b != 0 && b != 2400 && b != 4800 && b != 9600 && b != 19200 && b != 38400 && b != 57600 && b != 115200 {
		return fmt.Errorf("reader.rdm6300.baud: %d; want 9600 (or 2400 to 115200)", b)
	}
	if n := m.UIDBytes; n != 0 && n != 4 && n != 5 {
		return fmt.Errorf("reader.rdm6300.uid_bytes: %d; want 5 (all the tag's bytes) or 4 (without the version byte)", n)
	}
	return m.Silence.CheckRange("reader.rdm6300.silence", 50*time.Millisecond, time.Minute)
}

// Files is the serial port, opened for reading and writing (termios).
func (m *Config) Files() map[string]reader.File {
	p := m.Device
	reader.Default(&p, DefaultOptions.Path)
	return map[string]reader.File{"reader.rdm6300.device": {Path: p, Write: true}}
}

// Opener returns how to open the reader.
func (m *Config) Opener(log *slog.Logger) (func() (reader.Source, error), error) {
	return func() (reader.Source, error) {
		return Open(Options{Path: m.Device, Baud: m.Baud, UIDBytes: m.UIDBytes, Silence: m.Silence.Duration, Logger: log})
	}, nil
}

// EMBytes is how many trailing bytes of the tag the reader stores as the
// UID: uid_bytes, default DefaultOptions.UIDBytes.
func (m *Config) EMBytes() int {
	if m.UIDBytes != 0 {
		return m.UIDBytes
	}
	return DefaultOptions.UIDBytes
}
