package pn532

import (
	"errors"
	"fmt"
)

// Frame identifiers (PN532 user manual, 6.2.1).
const (
	tfiHost = 0xD4 // host to PN532
	tfiChip = 0xD5 // PN532 to host
)

// The fixed frames.
var (
	ackFrame  = []byte{0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00}
	nackFrame = []byte{0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00}
)

// Kinds of frame.
type kind int

const (
	kindInfo  kind = iota // a normal information frame
	kindAck               // 00 00 FF 00 FF 00
	kindNack              // 00 00 FF FF 00 00
	kindError             // the syntax error frame: TFI 7F
)

// Reasons a frame is refused. Errors wrap one of them.
var (
	ErrChecksum = errors.New("pn532: bad frame checksum")
	ErrFrame    = errors.New("pn532: malformed frame")
	// errShort means more bytes are needed.
	errShort = errors.New("pn532: incomplete frame")
)

// EncodeFrame builds a normal information frame around tfi and data:
// preamble, start code 00 FF, LEN, LCS, TFI, data, DCS, postamble.
func EncodeFrame(tfi byte, data []byte) []byte {
	n := len(data) + 1
	f := make([]byte, 0, n+7)
	f = append(f, 0x00, 0x00, 0xFF, byte(n), byte(-n))
	sum := tfi
	f = append(f, tfi)
	for _, b := range data {
		sum += b
		f = append(f, b)
	}
	return append(f, -sum, 0x00)
}

// parseFrame finds the first frame in b. It returns the frame's kind, its
// TFI and data for an information frame, and how many bytes of b it used
// (leading garbage included). errShort means b ends inside the frame; other
// errors mean the frame at hand is bad and used bytes should be skipped.
func parseFrame(b []byte) (k kind, tfi byte, data []byte, used int, err error) {
	// Start code 00 FF; the preamble before it is optional.
	i := 0
	for ; i+1 < len(b); i++ {
		if b[i] == 0x00 && b[i+1] == 0xFF {
			break
		}
	}
	if i+1 >= len(b) {
		return 0, 0, nil, max(0, len(b)-1), errShort
	}
	p := b[i+2:]
	if len(p) < 2 {
		return 0, 0, nil, i, errShort
	}
	ln, lcs := p[0], p[1]
	switch {
	case ln == 0x00 && lcs == 0xFF:
		return kindAck, 0, nil, i + 4, nil
	case ln == 0xFF && lcs == 0x00:
		return kindNack, 0, nil, i + 4, nil
	case ln == 0xFF && lcs == 0xFF:
		return 0, 0, nil, i + 4, fmt.Errorf("%w: extended frames are not used", ErrFrame)
	case ln+lcs != 0:
		return 0, 0, nil, i + 2, fmt.Errorf("%w: LEN %#02x with LCS %#02x", ErrChecksum, ln, lcs)
	case ln == 0:
		return 0, 0, nil, i + 4, fmt.Errorf("%w: LEN 0 without TFI", ErrFrame)
	}
	if len(p) < 2+int(ln)+1 {
		return 0, 0, nil, i, errShort
	}
	body := p[2 : 2+int(ln)]
	var sum byte
	for _, v := range body {
		sum += v
	}
	used = i + 2 + 2 + int(ln) + 1
	if sum+p[2+int(ln)] != 0 {
		return 0, 0, nil, used, fmt.Errorf("%w: data checksum", ErrChecksum)
	}
	if body[0] == 0x7F && ln == 1 {
		return kindError, 0x7F, nil, used, nil
	}
	return kindInfo, body[0], body[1:], used, nil
}
