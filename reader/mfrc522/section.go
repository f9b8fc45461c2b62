package mfrc522

import (
	"log/slog"

	"periph.io/x/conn/v3/physic"

	"stampclock/reader"
	"stampclock/reader/kinds/mfrc522kind"
)

// OpenConfig returns how to open the reader its section m configures
// (for device/readers/hardware).
func OpenConfig(m *mfrc522kind.Config, log *slog.Logger) (func() (reader.Source, error), error) {
	return func() (reader.Source, error) {
		return Open(Options{
			SPIPort: m.SPIPort, ResetPin: m.ResetPin, IRQPin: m.IRQPin,
			SPISpeed: physic.Frequency(m.SPISpeedHz) * physic.Hertz, PollInterval: m.PollInterval.Duration,
			Logger: log,
		})
	}, nil
}
