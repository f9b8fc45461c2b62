// Package pn532test is a virtual NXP PN532 at the level of its frame
// protocol, for tests and demos: it takes the host's frames, checks their
// checksums, acknowledges them, runs GetFirmwareVersion, SAMConfiguration,
// RFConfiguration (MaxRetries) and InListPassiveTarget (106 kbps type A, one
// target, 4-, 7- and 10-byte UIDs), answers a NACK by repeating its last
// answer and a malformed command with the syntax error frame. It sits behind
// periph's i2c.Bus (I2C, with the status byte of every read) or on a
// pseudo-terminal (HSU, which must be woken with 0x55 first).
//
// It was written from the PN532 user manual independently of package pn532
// (it does not import it). Faults can be injected: frames never
// acknowledged, answers corrupted on the wire, commands never answered, a
// dead chip.
//
// Not modelled: the extended frame format, more than one target, other
// modulations, card memory commands, power-down and timing.
package pn532test

import (
	"errors"
	"sync"
)

// Card is an ISO 14443A card in the field.
type Card struct {
	// UID is 4, 7 or 10 bytes.
	UID []byte
	// SelRes is the SAK; default 0x08 (MIFARE Classic 1K) for 4-byte UIDs,
	// 0x00 (Ultralight/NTAG) otherwise.
	SelRes byte
}

// Stats counts what the chip saw.
type Stats struct {
	// Commands is the number of frames acknowledged and run.
	Commands int
	// BadFrames counts host frames refused for a bad checksum or shape.
	BadFrames int
	// Nacks counts NACKs from the host; Polls InListPassiveTarget runs.
	Nacks, Polls int
	// Wakeups counts HSU wake-ups.
	Wakeups int
}

// ErrDead is returned by the I²C bus of a dead chip.
var ErrDead = errors.New("pn532test: chip does not answer")

// Chip is a virtual PN532.
type Chip struct {
	mu      sync.Mutex
	card    *Card
	retries byte // MxRtyPassiveActivation; 0xFF = forever (power-up value)
	sam     bool
	out     [][]byte // frames waiting for the host
	last    []byte   // the last answer, repeated on NACK
	asleep  bool     // HSU: a power-up chip ignores frames until woken
	dead    bool

	dropAcks, corrupt, silent int
	stats                     Stats
	notify                    chan struct{} // signalled when out grows (HSU)
}

// New returns a chip just powered up, with no card in its field.
func New() *Chip {
	return &Chip{retries: 0xFF, asleep: true, notify: make(chan struct{}, 1)}
}

// Present puts card in the field.
func (c *Chip) Present(card Card) error {
	if n := len(card.UID); n != 4 && n != 7 && n != 10 {
		return errors.New("pn532test: UID must be 4, 7 or 10 bytes")
	}
	if card.SelRes == 0 && len(card.UID) == 4 {
		card.SelRes = 0x08
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	card.UID = append([]byte(nil), card.UID...)
	c.card = &card
	return nil
}

// Remove takes the card out of the field.
func (c *Chip) Remove() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.card = nil
}

// DropAcks makes the chip ignore the next n command frames (no ACK, not
// run), as if they were lost on the wire.
func (c *Chip) DropAcks(n int) { c.mu.Lock(); c.dropAcks = n; c.mu.Unlock() }

// CorruptAnswers damages the data checksum of the next n answers as sent;
// the copy repeated after a NACK is intact.
func (c *Chip) CorruptAnswers(n int) { c.mu.Lock(); c.corrupt = n; c.mu.Unlock() }

// Silence makes the chip acknowledge the next n commands but never answer.
func (c *Chip) Silence(n int) { c.mu.Lock(); c.silent = n; c.mu.Unlock() }

// SetDead stops (or restarts) the chip: I²C transfers fail, HSU frames are
// ignored. Restarting powers it up afresh (settings lost, asleep).
func (c *Chip) SetDead(dead bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead && !dead {
		c.retries, c.sam, c.asleep, c.out, c.last = 0xFF, false, true, nil, nil
	}
	c.dead = dead
}

// Stats returns the counters.
func (c *Chip) Stats() Stats { c.mu.Lock(); defer c.mu.Unlock(); return c.stats }

// frame builds a normal information frame (manual, 6.2.1.1).
func frame(tfi byte, data []byte) []byte {
	f := []byte{0x00, 0x00, 0xFF, byte(len(data) + 1), byte(0x100 - (len(data)+1)&0xFF)}
	sum := int(tfi)
	f = append(f, tfi)
	for _, b := range data {
		sum += int(b)
		f = append(f, b)
	}
	return append(f, byte(0x100-sum&0xFF), 0x00)
}

var (
	ack      = []byte{0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00}
	errFrame = []byte{0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00}
)

// queue hands a frame to the host; the caller holds mu.
func (c *Chip) queue(f []byte) {
	c.out = append(c.out, f)
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

// answer queues the answer to a command; the caller holds mu.
func (c *Chip) answer(data []byte) {
	f := frame(0xD5, data)
	c.last = f
	if c.corrupt > 0 {
		c.corrupt--
		bad := append([]byte(nil), f...)
		bad[len(bad)-2] ^= 0x5A
		c.queue(bad)
		return
	}
	c.queue(f)
}

// take consumes one host frame from b (leading bytes before the start code
// are skipped) and returns how many bytes it used; 0 means b holds no whole
// frame yet. The caller holds mu.
func (c *Chip) take(b []byte) int {
	i := 0
	for ; i+1 < len(b) && !(b[i] == 0x00 && b[i+1] == 0xFF); i++ {
	}
	if i+3 >= len(b) {
		return 0
	}
	ln, lcs := b[i+2], b[i+3]
	switch {
	case ln == 0x00 && lcs == 0xFF: // ACK from the host: abort, nothing to do
		return i + 4
	case ln == 0xFF && lcs == 0x00: // NACK: repeat the last answer
		c.stats.Nacks++
		if c.last != nil {
			c.queue(c.last)
		}
		return i + 4
	case (int(ln)+int(lcs))&0xFF != 0 || ln == 0:
		c.stats.BadFrames++
		return i + 2
	}
	end := i + 4 + int(ln) + 1 // through DCS
	if end > len(b) {
		return 0
	}
	body := b[i+4 : i+4+int(ln)]
	sum := int(b[end-1])
	for _, v := range body {
		sum += int(v)
	}
	if sum&0xFF != 0 || body[0] != 0xD4 || len(body) < 2 {
		c.stats.BadFrames++ // the chip does not acknowledge a bad frame
		return end
	}
	if c.dropAcks > 0 {
		c.dropAcks--
		return end
	}
	c.queue(ack)
	c.stats.Commands++
	if c.silent > 0 {
		c.silent--
		return end
	}
	c.run(body[1], body[2:])
	return end
}

// run executes a command; the caller holds mu.
func (c *Chip) run(cmd byte, p []byte) {
	switch {
	case cmd == 0x02: // GetFirmwareVersion: IC, Ver, Rev, Support
		c.answer([]byte{0x03, 0x32, 0x01, 0x06, 0x07})
	case cmd == 0x14 && len(p) >= 1 && p[0] >= 1 && p[0] <= 4: // SAMConfiguration
		c.sam = true
		c.answer([]byte{0x15})
	case cmd == 0x32 && len(p) == 4 && p[0] == 0x05: // RFConfiguration MaxRetries
		c.retries = p[3]
		c.answer([]byte{0x33})
	case cmd == 0x32 && len(p) >= 1: // other RF settings: accepted
		c.answer([]byte{0x33})
	case cmd == 0x4A && len(p) >= 2 && p[0] >= 1 && p[0] <= 2 && p[1] == 0x00: // InListPassiveTarget, type A
		c.stats.Polls++
		if c.card == nil {
			if c.retries == 0xFF {
				return // searches forever: the host sees no answer
			}
			c.answer([]byte{0x4B, 0x00})
			return
		}
		sens := []byte{0x00, 0x04}
		switch len(c.card.UID) {
		case 7:
			sens = []byte{0x00, 0x44}
		case 10:
			sens = []byte{0x00, 0x84}
		}
		d := []byte{0x4B, 0x01, 0x01}
		d = append(d, sens...)
		d = append(d, c.card.SelRes, byte(len(c.card.UID)))
		c.answer(append(d, c.card.UID...))
	default:
		c.queue(errFrame)
	}
}
