package rdm6300

import (
	"encoding/hex"
	"errors"
	"fmt"
	"sync/atomic"
)

const (
	stx = 0x02
	etx = 0x03
	// body is the number of characters between STX and ETX.
	body = 12
	// UIDLen is the length of an EM4100 UID in bytes.
	UIDLen = 5
)

// Reasons a frame is discarded; errors from Parser.Feed wrap one of them.
var (
	ErrChecksum = errors.New("rdm6300: bad checksum")
	ErrFrame    = errors.New("rdm6300: malformed frame")
)

// ParserStats counts what a Parser saw. All counters only grow.
type ParserStats struct {
	// Frames is the number of valid frames.
	Frames uint64
	// BadChecksum and BadFrame count discarded frames by reason.
	BadChecksum uint64
	BadFrame    uint64
	// Garbage counts bytes outside any frame.
	Garbage uint64
}

// Parser turns the module's byte stream into UIDs. It is not safe for
// concurrent use, except Stats.
type Parser struct {
	buf [body]byte
	n   int
	in  bool // after STX

	frames, badChecksum, badFrame, garbage atomic.Uint64
}

// Feed consumes one byte. It returns the UID when b completes a valid frame,
// an error wrapping ErrChecksum or ErrFrame when b ends a frame that is
// discarded, and neither otherwise.
func (p *Parser) Feed(b byte) ([]byte, error) {
	switch {
	case b == stx:
		cut, n := p.in, p.n
		p.in, p.n = true, 0
		if cut {
			p.badFrame.Add(1)
			return nil, fmt.Errorf("%w: new STX after %d characters", ErrFrame, n)
		}
		return nil, nil
	case !p.in:
		p.garbage.Add(1)
		return nil, nil
	case p.n < body:
		p.buf[p.n] = b
		p.n++
		return nil, nil
	}
	p.in = false
	if b != etx {
		p.badFrame.Add(1)
		return nil, fmt.Errorf("%w: %#02x where ETX belongs", ErrFrame, b)
	}
	var raw [UIDLen + 1]byte
	if _, err := hex.Decode(raw[:], p.buf[:]); err != nil {
		p.badFrame.Add(1)
		return nil, fmt.Errorf("%w: %q is not hex", ErrFrame, p.buf[:])
	}
	var sum byte
	for _, v := range raw[:UIDLen] {
		sum ^= v
	}
	if sum != raw[UIDLen] {
		p.badChecksum.Add(1)
		return nil, fmt.Errorf("%w: %X has checksum %02X, want %02X", ErrChecksum, raw[:UIDLen], raw[UIDLen], sum)
	}
	p.frames.Add(1)
	return append([]byte(nil), raw[:UIDLen]...), nil
}

// Reset drops a partly received frame, counting it as malformed: call it
// when the line reported an error (a framing error, a break) mid-frame.
func (p *Parser) Reset() {
	if p.in {
		p.badFrame.Add(1)
	}
	p.in, p.n = false, 0
}

// Stats returns the counters. Safe from any goroutine.
func (p *Parser) Stats() ParserStats {
	return ParserStats{
		Frames:      p.frames.Load(),
		BadChecksum: p.badChecksum.Load(),
		BadFrame:    p.badFrame.Load(),
		Garbage:     p.garbage.Load(),
	}
}

// Encode returns the frame the module sends for uid (5 bytes), for tests and
// simulations.
func Encode(uid []byte) ([]byte, error) {
	if len(uid) != UIDLen {
		return nil, fmt.Errorf("rdm6300: UID %X has %d bytes, want %d", uid, len(uid), UIDLen)
	}
	var sum byte
	for _, v := range uid {
		sum ^= v
	}
	f := []byte{stx}
	f = fmt.Appendf(f, "%X%02X", uid, sum)
	return append(f, etx), nil
}
