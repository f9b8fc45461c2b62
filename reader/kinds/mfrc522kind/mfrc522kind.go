// Package mfrc522kind declares the mfrc522 reader for the list in
// device/readers: its section [reader.mfrc522] and its validation. It links
// no driver, so that stampctl, which loads the config, does not link
// periph; the driver package mfrc522 opens the reader from it (OpenConfig).
package mfrc522kind

import (
	"fmt"
	"strings"
	"time"

	"stampclock/internal/confval"
	"stampclock/reader"
)

// Config is the [reader.mfrc522] section: an RC522 reader on SPI. Zero
// values are the driver's DefaultOptions.
type Config struct {
	// SPIPort is the periph SPI port. Default "SPI0.0" (/dev/spidev0.0).
	SPIPort string `toml:"spi_port"`
	// ResetPin is the GPIO on the chip's RST pin. Default "GPIO25".
	ResetPin string `toml:"reset_pin"`
	// IRQPin is the GPIO on the chip's IRQ pin; "" = not wired, poll.
	IRQPin string `toml:"irq_pin"`
	// SPISpeedHz caps the SPI clock. Default 4000000.
	SPISpeedHz int64 `toml:"spi_speed_hz"`
	// PollInterval between looks for a card. Default "50ms".
	PollInterval confval.Duration `toml:"poll_interval"`
}

// DefaultSPIPort is the SPI port of an empty spi_port (the driver's
// DefaultOptions).
const DefaultSPIPort = "SPI0.0"

// Name is its reader.type.
const Name = "mfrc522"

// Kind declares the reader for the list in device/readers.
func Kind() reader.Kind {
	return reader.Kind{Name: Name, Section: func() reader.Section { return &Config{} }, Driver: "stampclock/reader/mfrc522"}
}

// Files is the spidev node of spi_port, opened for reading and writing:
// periph's port names SPI<bus>.<cs> and /dev/spidev<bus>.<cs> are the
// same file. The reset and IRQ pins are left out: which GPIO chip holds
// them is the driver's to find.
func (m *Config) Files() map[string]reader.File {
	port := m.SPIPort
	reader.Default(&port, DefaultSPIPort)
	var bus, cs int
	if _, err := fmt.Sscanf(port, "SPI%d.%d", &bus, &cs); err == nil {
		port = fmt.Sprintf("/dev/spidev%d.%d", bus, cs)
	}
	if !strings.HasPrefix(port, "/") {
		return nil
	}
	return map[string]reader.File{"reader.mfrc522.spi_port": {Path: port, Write: true}}
}

// Prepare validates the section.
func (m *Config) Prepare() error {
	if m.SPISpeedHz < 0 || m.SPISpeedHz > 10_000_000 {
		return fmt.Errorf("reader.mfrc522.spi_speed_hz: %d; the chip allows up to 10000000", m.SPISpeedHz)
	}
	return m.PollInterval.CheckRange("reader.mfrc522.poll_interval", 5*time.Millisecond, time.Second)
}
