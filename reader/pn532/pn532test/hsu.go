package pn532test

import (
	"bytes"
	"io"
	"time"
)

// Port is the device side of a serial line (serialtest.Port).
type Port interface {
	io.Reader
	Write([]byte) error
	Plugged() bool
}

// ServeHSU runs the chip on the HSU line p until p is unplugged. Like a real
// chip it stays on the line while the host closes and reopens its side. A
// chip just powered up ignores frames until the host sends the wake-up byte
// 0x55.
func (c *Chip) ServeHSU(p Port) error {
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-c.notify:
				c.mu.Lock()
				out := c.out
				c.out = nil
				c.mu.Unlock()
				for _, f := range out {
					if p.Write(f) != nil {
						return
					}
				}
			case <-done:
				return
			}
		}
	}()
	var buf []byte
	rb := make([]byte, 256)
	for {
		n, err := p.Read(rb)
		if err != nil {
			if !p.Plugged() {
				return err
			}
			time.Sleep(time.Millisecond) // the host has the port closed
			continue
		}
		c.mu.Lock()
		if c.dead {
			c.mu.Unlock()
			continue
		}
		buf = append(buf, rb[:n]...)
		if c.asleep {
			i := bytes.IndexByte(buf, 0x55)
			if i < 0 {
				buf = buf[:0] // frames to a sleeping chip are lost
				c.mu.Unlock()
				continue
			}
			c.asleep = false
			c.stats.Wakeups++
			buf = buf[i+1:]
		}
		for m := c.take(buf); m > 0; m = c.take(buf) {
			buf = buf[m:]
		}
		c.mu.Unlock()
	}
}
