package sigrok

import (
	"fmt"
	"time"
)

// Byte is one character received on an asynchronous serial line.
type Byte struct {
	// At is the start of the start bit, from the first sample.
	At time.Duration
	// Value is the data bits, least significant first on the wire.
	Value byte
	// FramingError is set when the stop bit was low: the byte is suspect
	// (noise, a wrong baud rate, or a break).
	FramingError bool
}

// UART decodes probe p as a serial line idling high, 8 data bits, no parity,
// one stop bit (8N1), at baud bits per second. Each bit is read at its
// middle, timed from the falling edge of its start bit. A start bit that is
// high again at its middle is a glitch and skipped. The sample rate must be
// at least four times the baud rate.
func (c *Capture) UART(p, baud int) ([]Byte, error) {
	if p < 0 || p >= len(c.Probes) {
		return nil, fmt.Errorf("sigrok: probe index %d out of range (the capture has %d probes)", p, len(c.Probes))
	}
	if baud <= 0 || uint64(baud)*4 > c.SampleRate {
		return nil, fmt.Errorf("sigrok: %d baud needs a sample rate of at least %d Hz, the capture has %d", baud, 4*baud, c.SampleRate)
	}
	// bit returns the sample index of the middle of bit k (0 = start bit)
	// of a character whose start bit begins at sample s.
	rate := float64(c.SampleRate) / float64(baud)
	bit := func(s, k int) int { return s + int((float64(k)+0.5)*rate) }
	var out []Byte
	n := c.Samples()
	prevHigh := c.Level(p, 0)
	for i := 1; i < n; i++ {
		high := c.Level(p, i)
		falling := prevHigh && !high
		prevHigh = high
		if !falling {
			continue
		}
		stop := bit(i, 9)
		if stop >= n {
			break // the capture ends inside this character
		}
		if c.Level(p, bit(i, 0)) {
			continue // glitch: not low for half a bit
		}
		var v byte
		for k := range 8 {
			if c.Level(p, bit(i, k+1)) {
				v |= 1 << k
			}
		}
		out = append(out, Byte{At: c.at(i), Value: v, FramingError: !c.Level(p, stop)})
		// Resume looking for a start bit at the middle of the stop bit.
		i = stop
		prevHigh = c.Level(p, i)
	}
	return out, nil
}
