// Package rdm6300test stands in for an RDM6300 module on a serial port: a
// pseudo-terminal pair whose terminal side the reader opens by path, while a
// test writes what the module sends to the other side. The path is a
// symbolic link, like /dev/serial/by-id/…, so the port can be unplugged (the
// link goes, reads fail) and plugged in again (a new terminal, the same
// path). It also extracts the module's byte stream from the real
// logic-analyzer captures.
package rdm6300test

import (
	"path/filepath"
	"strings"

	"stampclock/reader/serial/serialtest"
	"stampclock/reader/sigrok"
)

// Port is a pseudo-terminal standing in for the module's serial port.
type Port = serialtest.Port

// New creates a port whose link lives in dir.
func New(dir string) (*Port, error) { return serialtest.New(dir, "ttyRDM6300") }

// CaptureStream decodes the module's serial output (probe "RX", 9600 8N1)
// from a sigrok capture. A character received with a framing error is
// returned as 0xFF, which no frame contains.
func CaptureStream(path string) ([]byte, error) {
	c, err := sigrok.Open(path)
	if err != nil {
		return nil, err
	}
	rx, err := c.Probe("RX")
	if err != nil {
		return nil, err
	}
	chars, err := c.UART(rx, 9600)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(chars))
	for _, ch := range chars {
		if ch.FramingError {
			out = append(out, 0xFF)
			continue
		}
		out = append(out, ch.Value)
	}
	return out, nil
}

// TagOf returns the tag named in a capture's file name
// (em4100_010784f221_card.sr → "010784F221").
func TagOf(path string) string {
	parts := strings.Split(filepath.Base(path), "_")
	if len(parts) < 2 {
		return ""
	}
	return strings.ToUpper(parts[1])
}
