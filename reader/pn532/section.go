package pn532

import (
	"log/slog"

	"stampclock/reader"
	"stampclock/reader/kinds/pn532kind"
)

// OpenConfig returns how to open the reader its section p configures
// (for device/readers/hardware).
func OpenConfig(p *pn532kind.Config, log *slog.Logger) (func() (reader.Source, error), error) {
	return func() (reader.Source, error) {
		return Open(Options{Interface: p.Interface, I2CBus: p.I2CBus, I2CAddr: uint16(p.I2CAddr),
			Device: p.Device, Baud: p.Baud, PollInterval: p.PollInterval.Duration, Logger: log})
	}, nil
}
