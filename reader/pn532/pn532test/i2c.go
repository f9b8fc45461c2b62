package pn532test

import (
	"bytes"
	"fmt"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
)

// Addr is the PN532's 7-bit I²C address.
const Addr = 0x24

// Bus puts the chip on a virtual I²C bus; it implements periph's i2c.Bus.
// A write transfers one host frame; every read returns the status byte
// (0x01 when a frame is ready) followed by that frame, padded with zeros.
type Bus struct {
	chip *Chip
	buf  []byte
}

// I2C returns the chip's bus. The chip on I²C needs no wake-up.
func (c *Chip) I2C() *Bus {
	c.mu.Lock()
	c.asleep = false
	c.mu.Unlock()
	return &Bus{chip: c}
}

var _ i2c.Bus = (*Bus)(nil)

// String names the bus.
func (b *Bus) String() string { return "pn532test" }

// SetSpeed accepts any speed.
func (b *Bus) SetSpeed(physic.Frequency) error { return nil }

// Tx is one I²C transaction with the device at addr.
func (b *Bus) Tx(addr uint16, w, r []byte) error {
	c := b.chip
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead {
		return ErrDead
	}
	if addr != Addr {
		return fmt.Errorf("pn532test: no device at %#x (NACK)", addr)
	}
	if len(w) > 0 {
		b.buf = append(b.buf, w...)
		for n := c.take(b.buf); n > 0; n = c.take(b.buf) {
			b.buf = b.buf[n:]
		}
		// A write is one frame: beyond the postamble, what is left is a
		// broken frame.
		if bytes.Count(b.buf, []byte{0}) != len(b.buf) {
			c.stats.BadFrames++
		}
		b.buf = b.buf[:0]
	}
	if len(r) > 0 {
		clear(r)
		if len(c.out) > 0 {
			r[0] = 0x01
			copy(r[1:], c.out[0])
			c.out = c.out[1:]
		}
	}
	return nil
}
