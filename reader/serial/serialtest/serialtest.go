// Package serialtest stands in for a serial device: a pseudo-terminal pair
// whose terminal side a driver opens by path, while a test (or a simulated
// device) reads and writes the other side. The path is a symbolic link, like
// /dev/serial/by-id/…, so the device can be unplugged (the link goes, reads
// fail) and plugged in again (a new terminal, the same path).
package serialtest

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"
)

// Port is a pseudo-terminal standing in for a serial port.
type Port struct {
	// Path is the link the reader opens.
	Path string

	mu     sync.Mutex
	master *os.File
}

// New creates a port whose link dir/name points at a new pseudo-terminal.
func New(dir, name string) (*Port, error) {
	p := &Port{Path: filepath.Join(dir, name)}
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
		return fmt.Errorf("serialtest: %s is plugged in", p.Path)
	}
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("serialtest: open /dev/ptmx: %w", err)
	}
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(fd)
		return fmt.Errorf("serialtest: unlock pty: %w", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		unix.Close(fd)
		return fmt.Errorf("serialtest: pty number: %w", err)
	}
	if err := os.Symlink(fmt.Sprintf("/dev/pts/%d", n), p.Path); err != nil {
		unix.Close(fd)
		return fmt.Errorf("serialtest: %w", err)
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
		return fmt.Errorf("serialtest: %s is unplugged", p.Path)
	}
	_, err := m.Write(b)
	return err
}

// Plugged reports whether the port is plugged in.
func (p *Port) Plugged() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.master != nil
}

// Read reads what the driver wrote to the port. While no driver holds the
// terminal side open, it fails (EIO) although the port is plugged in.
func (p *Port) Read(b []byte) (int, error) {
	p.mu.Lock()
	m := p.master
	p.mu.Unlock()
	if m == nil {
		return 0, fmt.Errorf("serialtest: %s is unplugged", p.Path)
	}
	return m.Read(b)
}

// Close unplugs the port for good.
func (p *Port) Close() error { return p.Unplug() }
