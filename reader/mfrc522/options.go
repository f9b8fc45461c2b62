package mfrc522

import (
	"log/slog"
	"time"

	"periph.io/x/conn/v3/physic"

	"stampclock/reader"
	"stampclock/reader/kinds/mfrc522kind"
)

// Options configure a Reader. Zero values mean "use the default"; the
// defaults are in DefaultOptions.
type Options struct {
	// SPIPort is the periph SPI port name, e.g. "/dev/spidev0.0" or
	// "SPI0.0". Used by Open only. Default "SPI0.0".
	SPIPort string
	// ResetPin is the GPIO wired to the chip's RST (NRSTPD) input, e.g.
	// "GPIO25". Used by Open only. Default "GPIO25".
	ResetPin string
	// IRQPin is the GPIO wired to the chip's IRQ output, e.g. "GPIO24".
	// Used by Open only. Default "": not wired; the reader then polls the
	// chip's interrupt register instead of waiting for an edge.
	IRQPin string
	// SPISpeed is the highest SPI clock. The chip allows 10 MHz; long or
	// unshielded wires want less. Default 4 MHz.
	SPISpeed physic.Frequency
	// PollInterval is the pause between two looks for a card. A tap is seen
	// after half of it on average and at most all of it; each idle poll
	// costs about a dozen SPI transfers. Default 50 ms (see the package
	// benchmarks).
	PollInterval time.Duration
	// AbsentPolls is how many polls in a row must find no card before the
	// card that was on the reader counts as gone and may tap again.
	// Default 3 (150 ms at the default PollInterval).
	AbsentPolls int
	// BackoffMin and BackoffMax bound the wait before re-initialising the
	// chip after an SPI or chip error; the wait doubles (with jitter) on
	// every failure in a row. Defaults 100 ms and 10 s.
	BackoffMin, BackoffMax time.Duration
	// ResetDelay is how long to wait after a hard reset through the reset
	// pin for the chip's oscillator to start. Default 50 ms.
	ResetDelay time.Duration
	// Source names the reader in taps. Default "mfrc522".
	Source string
	// Now returns the time stamped on taps. Default time.Now.
	Now func() time.Time
	// Logger receives errors (logged once per run of failures, then
	// counted) and recoveries. Default slog.Default().
	Logger *slog.Logger
}

// DefaultOptions are the values used for zero fields of Options.
var DefaultOptions = Options{
	SPIPort:      mfrc522kind.DefaultSPIPort,
	ResetPin:     "GPIO25",
	SPISpeed:     4 * physic.MegaHertz,
	PollInterval: 50 * time.Millisecond,
	AbsentPolls:  3,
	BackoffMin:   100 * time.Millisecond,
	BackoffMax:   10 * time.Second,
	ResetDelay:   50 * time.Millisecond,
	Source:       "mfrc522",
}

// withDefaults returns o with zero fields set from DefaultOptions.
func (o Options) withDefaults() Options {
	d := DefaultOptions
	if o.SPIPort == "" {
		o.SPIPort = d.SPIPort
	}
	if o.ResetPin == "" {
		o.ResetPin = d.ResetPin
	}
	if o.SPISpeed <= 0 {
		o.SPISpeed = d.SPISpeed
	}
	if o.PollInterval <= 0 {
		o.PollInterval = d.PollInterval
	}
	if o.AbsentPolls <= 0 {
		o.AbsentPolls = d.AbsentPolls
	}
	if o.BackoffMin <= 0 {
		o.BackoffMin = d.BackoffMin
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = d.BackoffMax
	}
	if o.BackoffMax < o.BackoffMin {
		o.BackoffMax = o.BackoffMin
	}
	if o.ResetDelay <= 0 {
		o.ResetDelay = d.ResetDelay
	}
	reader.DefaultCommon(&o.Source, d.Source, &o.Logger, &o.Now)
	return o
}
