package mfrc522

import (
	"fmt"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/conn/v3/spi/spireg"
	"periph.io/x/host/v3"
)

// Host opens the hardware Open needs. PeriphHost uses periph's host
// drivers; tests pass their own.
type Host interface {
	// Init loads the host drivers; it is called once per Open.
	Init() error
	// OpenSPI opens an SPI port by name.
	OpenSPI(name string) (spi.PortCloser, error)
	// Pin returns a GPIO by name, or nil if there is none.
	Pin(name string) gpio.PinIO
}

// PeriphHost is the Host of a real board: periph's host.Init, spireg and
// gpioreg.
type PeriphHost struct{}

// Init implements Host.
func (PeriphHost) Init() error {
	_, err := host.Init()
	return err
}

// OpenSPI implements Host.
func (PeriphHost) OpenSPI(name string) (spi.PortCloser, error) { return spireg.Open(name) }

// Pin implements Host.
func (PeriphHost) Pin(name string) gpio.PinIO { return gpioreg.ByName(name) }

// Open opens the reader described by opts on this board's hardware.
func Open(opts Options) (*Reader, error) { return OpenHost(PeriphHost{}, opts) }

// OpenHost opens the reader described by opts through h.
func OpenHost(h Host, opts Options) (*Reader, error) {
	opts = opts.withDefaults()
	if err := h.Init(); err != nil {
		return nil, fmt.Errorf("mfrc522: open: host init: %w", err)
	}
	reset := h.Pin(opts.ResetPin)
	if reset == nil {
		return nil, fmt.Errorf("mfrc522: open: no reset pin %q", opts.ResetPin)
	}
	var irq gpio.PinIn
	if opts.IRQPin != "" {
		p := h.Pin(opts.IRQPin)
		if p == nil {
			return nil, fmt.Errorf("mfrc522: open: no IRQ pin %q", opts.IRQPin)
		}
		irq = p
	}
	port, err := h.OpenSPI(opts.SPIPort)
	if err != nil {
		return nil, fmt.Errorf("mfrc522: open: SPI port %q: %w", opts.SPIPort, err)
	}
	if err := port.LimitSpeed(opts.SPISpeed); err != nil {
		port.Close()
		return nil, fmt.Errorf("mfrc522: open: SPI port %q: limit speed to %s: %w", opts.SPIPort, opts.SPISpeed, err)
	}
	r, err := New(port, reset, irq, opts)
	if err != nil {
		port.Close()
		return nil, fmt.Errorf("mfrc522: open %q: %w", opts.SPIPort, err)
	}
	r.closer = port.Close
	return r, nil
}
