package keyboard

import (
	"fmt"
	"log/slog"

	"stampclock/internal/confval"
	"stampclock/reader"
	"stampclock/reader/cardnum"
)

// Config is the [reader.keyboard] section: a USB keyboard-wedge reader.
// Zero values are DefaultOptions'.
type Config struct {
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
	KeyTimeout confval.Duration `toml:"key_timeout"`
}

// Kind declares the reader for the list in device/readers.
func Kind() reader.Kind {
	return reader.Kind{Name: "keyboard", Section: func() reader.Section { return &Config{} }, Printed: cardnum.ShownEM}
}

// Prepare validates the section.
func (k *Config) Prepare() error {
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
	return nil
}

// Files is the input event device, opened for reading (and grabbed).
func (k *Config) Files() map[string]reader.File {
	return map[string]reader.File{"reader.keyboard.device": {Path: k.Device}}
}

// Opener returns how to open the reader.
func (k *Config) Opener(log *slog.Logger) (func() (reader.Source, error), error) {
	return func() (reader.Source, error) {
		return Open(Options{
			Path: k.Device, Format: Format(k.Format), Layout: Layout(k.Layout),
			UIDBytes: k.UIDBytes, KeyTimeout: k.KeyTimeout.Duration, Logger: log,
		})
	}, nil
}

// EMBytes is how many trailing bytes of an EM4100 tag the reader types
// as the UID: uid_bytes, default DefaultOptions.UIDBytes.
func (k *Config) EMBytes() int {
	if k.UIDBytes != 0 {
		return k.UIDBytes
	}
	return DefaultOptions.UIDBytes
}
