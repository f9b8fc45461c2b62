// Package pn532kind declares the pn532 reader for the list in
// device/readers: its section [reader.pn532] and its validation. It links
// no driver, so that stampctl, which loads the config, does not link
// periph; the driver package pn532 opens the reader from it (OpenConfig).
package pn532kind

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"stampclock/internal/confval"
	"stampclock/reader"
)

// Config is the [reader.pn532] section: a PN532 module (13.56 MHz) on I2C
// or its UART (HSU). Zero values are the driver's DefaultOptions.
type Config struct {
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
	PollInterval confval.Duration `toml:"poll_interval"`
}

// DefaultDevice is the serial port of an empty device (the driver's
// DefaultOptions).
const DefaultDevice = "/dev/serial0"

// Name is its reader.type.
const Name = "pn532"

// Kind declares the reader for the list in device/readers.
func Kind() reader.Kind {
	return reader.Kind{Name: Name, Section: func() reader.Section { return &Config{} }, Driver: "stampclock/reader/pn532"}
}

// Files is what the interface opens for reading and writing: the serial
// port for hsu, else the I²C bus's /dev/i2c-<n> (periph's I2C<n>); the
// first bus, which an empty i2c_bus means, is the lowest-numbered
// /dev/i2c-<n> there is, as periph picks it.
func (p *Config) Files() map[string]reader.File {
	if p.Interface == "hsu" {
		dev := p.Device
		reader.Default(&dev, DefaultDevice)
		return map[string]reader.File{"reader.pn532.device": {Path: dev, Write: true}}
	}
	bus := p.I2CBus
	var n int
	if _, err := fmt.Sscanf(bus, "I2C%d", &n); err == nil {
		bus = fmt.Sprintf("/dev/i2c-%d", n)
	}
	if bus == "" {
		first := -1
		found, _ := filepath.Glob("/dev/i2c-*")
		for _, f := range found {
			if n, err := strconv.Atoi(strings.TrimPrefix(f, "/dev/i2c-")); err == nil && (first < 0 || n < first) {
				first = n
			}
		}
		if first < 0 {
			return nil
		}
		bus = fmt.Sprintf("/dev/i2c-%d", first)
	}
	if !strings.HasPrefix(bus, "/") {
		return nil
	}
	return map[string]reader.File{"reader.pn532.i2c_bus": {Path: bus, Write: true}}
}

// Prepare validates the section.
func (p *Config) Prepare() error {
	if p.Interface != "" && p.Interface != "i2c" && p.Interface != "hsu" {
		return fmt.Errorf("reader.pn532.interface: %q; want i2c or hsu", p.Interface)
	}
	if p.I2CAddr < 0 || p.I2CAddr > 0x7F {
		return fmt.Errorf("reader.pn532.i2c_addr: %d; want a 7-bit address (default 0x24)", p.I2CAddr)
	}
	if p.Baud != 0 && p.Baud != 9600 && p.Baud != 19200 && p.Baud != 38400 && p.Baud != 57600 && p.Baud != 115200 {
		return fmt.Errorf("reader.pn532.baud: %d; want 115200 (or 9600 to 57600)", p.Baud)
	}
	return p.PollInterval.CheckRange("reader.pn532.poll_interval", 5*time.Millisecond, time.Second)
}
