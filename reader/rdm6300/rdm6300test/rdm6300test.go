// Package rdm6300test stands in for an RDM6300 module on a serial port: a
// pseudo-terminal pair whose terminal side the reader opens by path, while a
// test writes what the module sends to the other side. The path is a
// symbolic link, like /dev/serial/by-id/…, so the port can be unplugged (the
// link goes, reads fail) and plugged in again (a new terminal, the same
// path). It also extracts the module's byte stream from the real
// logic-analyzer captures.
package rdm6300test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"stampclock/reader/sigrok"
)

// Port is a pseudo-terminal standing in for a serial port.
type Port struct {
	// Path is the link the reader opens.
	Path string

	mu     sync.Mutex
	master *os.File
}

// New creates a port whose link lives in dir.
func New(dir string) (*Port, error) {
	p := &Port{Path: filepath.Join(dir, "ttyRDM6300")}
	if err := p.Plug(); err != nil {
		return nil, err
	}
	return p, nil
}

// Plug creates a new pseudo-terminal and points Path at it.
func (p *Port) Plug() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.master != nil {
		return fmt.Errorf("rdm6300test: %s is plugged in", p.Path)
	}
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("rdm6300test: open /dev/ptmx: %w", err)
	}
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(fd)
		return fmt.Errorf("rdm6300test: unlock pty: %w", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		unix.Close(fd)
		return fmt.Errorf("rdm6300test: pty number: %w", err)
	}
	if err := os.Symlink(fmt.Sprintf("/dev/pts/%d", n), p.Path); err != nil {
		unix.Close(fd)
		return fmt.Errorf("rdm6300test: %w", err)
	}
	p.master = os.NewFile(uintptr(fd), "/dev/ptmx")
	return nil
}

// Unplug removes the link and closes the pseudo-terminal: a reader's reads
// fail and reopening the path fails until Plug.
func (p *Port) Unplug() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.master == nil {
		return nil
	}
	err := os.Remove(p.Path)
	if cerr := p.master.Close(); err == nil {
		err = cerr
	}
	p.master = nil
	return err
}

// Write sends bytes as the module would.
func (p *Port) Write(b []byte) error {
	p.mu.Lock()
	m := p.master
	p.mu.Unlock()
	if m == nil {
		return fmt.Errorf("rdm6300test: %s is unplugged", p.Path)
	}
	_, err := m.Write(b)
	return err
}

// Close unplugs the port for good.
func (p *Port) Close() error { return p.Unplug() }

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
