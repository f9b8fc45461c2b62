package pn532

import (
	"errors"
	"fmt"
	"os"
	"time"

	"periph.io/x/conn/v3/i2c"

	"stampclock/reader/serial"
)

// ErrTimeout means the chip did not send the expected frame in time.
var ErrTimeout = errors.New("pn532: timeout")

// frameIn is a frame received from the chip.
type frameIn struct {
	kind kind
	tfi  byte
	data []byte
}

// link carries frames between host and chip.
type link interface {
	// open prepares the transport (and wakes the chip where needed).
	open() error
	// write sends the bytes of one frame.
	write(b []byte) error
	// read returns the next frame from the chip within timeout.
	read(timeout time.Duration) (frameIn, error)
	// drain drops whatever the chip sent that nobody read yet.
	drain()
	// close releases the transport.
	close() error
}

// i2cLink talks to the chip at addr on an I²C bus. Every read starts with a
// status byte; bit 0 set means a frame follows.
type i2cLink struct {
	bus  i2c.Bus
	addr uint16
	poll time.Duration // between status reads
	buf  []byte
}

func (l *i2cLink) open() error  { return nil }
func (l *i2cLink) close() error { return nil }

// drain reads frames the chip still holds (a few at most).
func (l *i2cLink) drain() {
	if l.buf == nil {
		l.buf = make([]byte, 1+64)
	}
	for range 4 {
		if l.bus.Tx(l.addr, nil, l.buf) != nil || l.buf[0]&0x01 == 0 {
			return
		}
	}
}

func (l *i2cLink) write(b []byte) error {
	if err := l.bus.Tx(l.addr, b, nil); err != nil {
		return fmt.Errorf("pn532: i2c write: %w", err)
	}
	return nil
}

func (l *i2cLink) read(timeout time.Duration) (frameIn, error) {
	if l.buf == nil {
		l.buf = make([]byte, 1+64)
	}
	deadline := time.Now().Add(timeout)
	for {
		if err := l.bus.Tx(l.addr, nil, l.buf); err != nil {
			return frameIn{}, fmt.Errorf("pn532: i2c read: %w", err)
		}
		if l.buf[0]&0x01 != 0 {
			k, tfi, data, _, err := parseFrame(l.buf[1:])
			if errors.Is(err, errShort) {
				err = fmt.Errorf("%w: frame longer than a read", ErrFrame)
			}
			if err != nil {
				return frameIn{}, err
			}
			return frameIn{k, tfi, append([]byte(nil), data...)}, nil
		}
		if time.Now().After(deadline) {
			return frameIn{}, ErrTimeout
		}
		time.Sleep(l.poll)
	}
}

// hsuLink talks to the chip over its UART.
type hsuLink struct {
	path   string
	baud   int
	f      *os.File
	buf    []byte
	broken bool // the port failed (not merely a timeout): reopen it
}

// wakeUp takes the chip out of power-down: 0x55 then zeros, long enough for
// its oscillator to start (user manual, HSU wake-up condition).
var wakeUp = append([]byte{0x55, 0x55}, make([]byte, 14)...)

// open opens the port if it is not open or failed, drops what is
// buffered and wakes the chip.
func (l *hsuLink) open() error {
	if l.f != nil && l.broken {
		l.f.Close()
		l.f = nil
	}
	if l.f == nil {
		f, err := serial.Open(l.path, l.baud)
		if err != nil {
			return err
		}
		l.f, l.broken = f, false
	}
	l.buf = l.buf[:0]
	if _, err := l.f.Write(wakeUp); err != nil {
		l.broken = true
		return fmt.Errorf("pn532: wake up on %s: %w", l.path, err)
	}
	return nil
}

func (l *hsuLink) close() error {
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// drain drops buffered bytes and those already waiting on the port.
func (l *hsuLink) drain() {
	l.buf = l.buf[:0]
	if l.f == nil {
		return
	}
	rb := make([]byte, 256)
	for {
		if l.f.SetReadDeadline(time.Now().Add(time.Millisecond)) != nil {
			return
		}
		n, err := l.f.Read(rb)
		if n == 0 || err != nil {
			return
		}
	}
}

func (l *hsuLink) write(b []byte) error {
	if l.f == nil {
		return fmt.Errorf("pn532: %s not open", l.path)
	}
	if _, err := l.f.Write(b); err != nil {
		l.broken = true
		return fmt.Errorf("pn532: write %s: %w", l.path, err)
	}
	return nil
}

func (l *hsuLink) read(timeout time.Duration) (frameIn, error) {
	if l.f == nil {
		return frameIn{}, fmt.Errorf("pn532: %s not open", l.path)
	}
	deadline := time.Now().Add(max(timeout, 0))
	rb := make([]byte, 64)
	for {
		k, tfi, data, used, err := parseFrame(l.buf)
		if !errors.Is(err, errShort) {
			data = append([]byte(nil), data...)
			l.buf = append(l.buf[:0], l.buf[used:]...)
			return frameIn{k, tfi, data}, err
		}
		if err := l.f.SetReadDeadline(deadline); err != nil {
			return frameIn{}, fmt.Errorf("pn532: %s: %w", l.path, err)
		}
		n, err := l.f.Read(rb)
		l.buf = append(l.buf, rb[:n]...)
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			return frameIn{}, ErrTimeout
		case err != nil:
			l.broken = true
			return frameIn{}, fmt.Errorf("pn532: read %s: %w", l.path, err)
		}
	}
}
