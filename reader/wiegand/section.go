package wiegand

import (
	"fmt"
	"log/slog"
	"strings"

	"stampclock/internal/confval"
	"stampclock/reader"
	"stampclock/reader/cardnum"
)

// Config is the [reader.wiegand] section: a Wiegand reader on two GPIO
// lines. Zero values are DefaultOptions'.
type Config struct {
	// Chip is the GPIO character device. Default "gpiochip0".
	Chip string `toml:"chip"`
	// D0 and D1 are the line offsets of DATA0 and DATA1. Required.
	D0 *int `toml:"d0"`
	D1 *int `toml:"d1"`
	// Gap ends a frame. Default "25ms".
	Gap confval.Duration `toml:"gap"`
	// Formats accepted: "h10301" (26 bit), "h10306" (34), "corp1000"
	// (35), "h10304" (37). Default h10301, h10306 and h10304.
	Formats []string `toml:"formats"`
	// Custom are site layouts, e.g. "name=site34 bits=34 data=1:32
	// even=0-16 odd=17-33 reverse" (see ParseLayout).
	Custom []string `toml:"custom"`
	// RawBits lists frame lengths accepted without parity check.
	RawBits []int `toml:"raw_bits"`
	// Edges is "falling" (default) or "both".
	Edges string `toml:"edges"`
	// PullUp enables the SoC's pull-ups on D0 and D1.
	PullUp bool `toml:"pull_up"`
}

// Kind declares the reader for the list in device/readers.
func Kind() reader.Kind {
	return reader.Kind{Name: "wiegand", Section: func() reader.Section { return &Config{} }, Printed: cardnum.ShownWiegand, Decoder: captureDecoder}
}

// Prepare validates the section.
func (w *Config) Prepare() error {
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
	if _, _, err := ParseFormats(w.Formats, w.Custom, w.RawBits); err != nil {
		return fmt.Errorf("reader.wiegand.formats/custom/raw_bits: %w", err)
	}
	if w.Edges != "" && w.Edges != "falling" && w.Edges != "both" {
		return fmt.Errorf("reader.wiegand.edges: %q; want falling or both", w.Edges)
	}
	return nil
}

// Files is the GPIO character device, opened for reading (the line
// request is an ioctl on it). A name is a file in /dev, as go-gpiocdev
// takes it.
func (w *Config) Files() map[string]reader.File {
	chip := w.Chip
	reader.Default(&chip, DefaultOptions.Chip)
	if !strings.HasPrefix(chip, "/dev/") {
		chip = "/dev/" + chip
	}
	return map[string]reader.File{"reader.wiegand.chip": {Path: chip}}
}

// Opener parses the formats and returns how to open the reader.
func (w *Config) Opener(log *slog.Logger) (func() (reader.Source, error), error) {
	formats, custom, err := ParseFormats(w.Formats, w.Custom, w.RawBits)
	if err != nil {
		return nil, fmt.Errorf("reader.wiegand.formats: %w", err)
	}
	return func() (reader.Source, error) {
		return Open(Options{
			Chip: w.Chip, D0: *w.D0, D1: *w.D1, Gap: w.Gap.Duration, Edges: Edges(w.Edges),
			PullUp: w.PullUp, Formats: formats, Custom: custom, RawBits: w.RawBits, Logger: log,
		})
	}, nil
}

// EMBytes is how many bytes of a card's number the reader reports: the
// facility and card number of a 26-bit frame.
func (w *Config) EMBytes() int { return 3 }
