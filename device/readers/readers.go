// Package readers is the list of badge reader kinds stampd can open: the
// name each has in reader.type and how to open it from its config section.
// The daemon, the reader probe of `stampctl check` and anything else that
// opens a reader walk Kinds; adding a reader is its package plus one entry
// here. The drivers themselves live under reader/ and know nothing of the
// configuration.
package readers

import (
	"fmt"
	"log/slog"

	"periph.io/x/conn/v3/physic"

	"stampclock/device/config"
	"stampclock/reader"
	"stampclock/reader/keyboard"
	"stampclock/reader/mfrc522"
	"stampclock/reader/pn532"
	"stampclock/reader/rdm6300"
	"stampclock/reader/wiegand"
)

// Open opens a reader once. A hardware reader that is missing (unplugged,
// bus not enabled) fails; the caller may call Open again later.
type Open func() (reader.Source, error)

// Kind is one kind of badge reader.
type Kind struct {
	// Name is the value of reader.type that selects it.
	Name string
	// Opener checks the kind's config section and returns how to open the
	// reader; its errors name the config key.
	Opener func(rc config.Reader, log *slog.Logger) (Open, error)
}

// Kinds lists every reader stampd can open.
var Kinds = []Kind{
	{"sim", openSim},
	{"mfrc522", openMFRC522},
	{"wiegand", openWiegand},
	{"keyboard", openKeyboard},
	{"rdm6300", openRDM6300},
	{"pn532", openPN532},
}

// Opener returns how to open the reader that rc configures; errors name the
// config key. Each reader's own errors come back prefixed with its key
// (reader.<type>).
func Opener(rc config.Reader, log *slog.Logger) (Open, error) {
	for _, k := range Kinds {
		if k.Name != rc.Type {
			continue
		}
		open, err := k.Opener(rc, log)
		if err != nil {
			return nil, err
		}
		return func() (reader.Source, error) {
			src, err := open()
			if err != nil {
				return nil, fmt.Errorf("reader.%s: %w", k.Name, err)
			}
			return src, nil
		}, nil
	}
	return nil, fmt.Errorf("reader.type %q: not supported", rc.Type)
}

func openSim(config.Reader, *slog.Logger) (Open, error) {
	return func() (reader.Source, error) { return reader.NewSim(), nil }, nil
}

func openMFRC522(rc config.Reader, log *slog.Logger) (Open, error) {
	m := rc.MFRC522
	return func() (reader.Source, error) {
		return mfrc522.Open(mfrc522.Options{
			SPIPort: m.SPIPort, ResetPin: m.ResetPin, IRQPin: m.IRQPin,
			SPISpeed: physic.Frequency(m.SPISpeedHz) * physic.Hertz, PollInterval: m.PollInterval.Duration,
			Logger: log,
		})
	}, nil
}

func openWiegand(rc config.Reader, log *slog.Logger) (Open, error) {
	w := rc.Wiegand
	formats, custom, err := wiegand.ParseFormats(w.Formats, w.Custom, w.RawBits)
	if err != nil {
		return nil, fmt.Errorf("reader.wiegand.formats: %w", err)
	}
	return func() (reader.Source, error) {
		return wiegand.Open(wiegand.Options{
			Chip: w.Chip, D0: *w.D0, D1: *w.D1, Gap: w.Gap.Duration, Edges: wiegand.Edges(w.Edges),
			PullUp: w.PullUp, Formats: formats, Custom: custom, RawBits: w.RawBits, Logger: log,
		})
	}, nil
}

func openKeyboard(rc config.Reader, log *slog.Logger) (Open, error) {
	k := rc.Keyboard
	return func() (reader.Source, error) {
		return keyboard.Open(keyboard.Options{
			Path: k.Device, Format: keyboard.Format(k.Format), Layout: keyboard.Layout(k.Layout),
			UIDBytes: k.UIDBytes, KeyTimeout: k.KeyTimeout.Duration, Logger: log,
		})
	}, nil
}

func openRDM6300(rc config.Reader, log *slog.Logger) (Open, error) {
	m := rc.RDM6300
	return func() (reader.Source, error) {
		return rdm6300.Open(rdm6300.Options{Path: m.Device, Baud: m.Baud, UIDBytes: m.UIDBytes, Silence: m.Silence.Duration, Logger: log})
	}, nil
}

func openPN532(rc config.Reader, log *slog.Logger) (Open, error) {
	p := rc.PN532
	return func() (reader.Source, error) {
		return pn532.Open(pn532.Options{Interface: p.Interface, I2CBus: p.I2CBus, I2CAddr: uint16(p.I2CAddr),
			Device: p.Device, Baud: p.Baud, PollInterval: p.PollInterval.Duration, Logger: log})
	}, nil
}
