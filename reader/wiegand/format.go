package wiegand

import (
	"fmt"
	"slices"
)

// Format names a frame layout the decoder accepts. The string values are the
// ones used in configuration files.
type Format string

// The parity-checked layouts the decoder knows. Bit positions below count from
// 0 for the first bit on the wire; ranges are inclusive and include the parity
// bit itself.
const (
	// H10301 is the 26-bit HID layout: even parity over bits 0–12,
	// facility code bits 1–8 (8 bits), card number bits 9–24 (16 bits), odd
	// parity over bits 13–25. UID: 3 bytes, FC then CN big-endian.
	H10301 Format = "h10301"
	// H10306 is the 34-bit layout: even parity over bits 0–16, facility code
	// bits 1–16, card number bits 17–32, odd parity over bits 17–33.
	// UID: 4 bytes, FC (2) then CN (2), big-endian.
	H10306 Format = "h10306"
	// H10304 is the 37-bit HID layout: even parity over bits 0–18, facility
	// code bits 1–16 (16 bits), card number bits 17–35 (19 bits), odd parity
	// over bits 18–36 (bit 18 is covered by both). UID: 5 bytes, FC (2) then
	// CN (3), big-endian.
	H10304 Format = "h10304"
	// Raw is reported for frames accepted because their length is listed in
	// Options.RawBits. No parity is checked; the UID is every bit of the
	// frame, big-endian, right-aligned in ceil(n/8) bytes.
	Raw Format = "raw"
)

// layout describes a parity-checked format.
type layout struct {
	format         Format
	bits           int
	fcStart, fcLen int
	cnStart, cnLen int
	evenLo, evenHi int // inclusive, the parity bit included
	oddLo, oddHi   int // inclusive, the parity bit included
}

var layouts = [...]layout{
	{format: H10301, bits: 26, fcStart: 1, fcLen: 8, cnStart: 9, cnLen: 16, evenLo: 0, evenHi: 12, oddLo: 13, oddHi: 25},
	{format: H10306, bits: 34, fcStart: 1, fcLen: 16, cnStart: 17, cnLen: 16, evenLo: 0, evenHi: 16, oddLo: 17, oddHi: 33},
	{format: H10304, bits: 37, fcStart: 1, fcLen: 16, cnStart: 17, cnLen: 19, evenLo: 0, evenHi: 18, oddLo: 18, oddHi: 36},
}

func lookupLayout(f Format) (layout, bool) {
	for _, l := range layouts {
		if l.format == f {
			return l, true
		}
	}
	return layout{}, false
}

// ParseFormat checks a configured format name.
func ParseFormat(s string) (Format, error) {
	f := Format(s)
	if _, ok := lookupLayout(f); ok {
		return f, nil
	}
	return "", fmt.Errorf("wiegand: unknown format %q (want h10301, h10306 or h10304; raw lengths go in raw_bits)", s)
}

// ones counts set bits in bits[lo..hi].
func ones(bits []byte, lo, hi int) int {
	n := 0
	for _, b := range bits[lo : hi+1] {
		n += int(b)
	}
	return n
}

// field reads n bits starting at start as a big-endian unsigned number.
func field(bits []byte, start, n int) uint64 {
	var v uint64
	for _, b := range bits[start : start+n] {
		v = v<<1 | uint64(b)
	}
	return v
}

// putBE appends v as a big-endian number of n bytes.
func putBE(dst []byte, v uint64, n int) []byte {
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, byte(v>>(8*i)))
	}
	return dst
}

// packBits packs bits (0/1 per byte) MSB-first, right-aligned: the result is
// the frame read as one big-endian number in ceil(len/8) bytes.
func packBits(bits []byte) []byte {
	out := make([]byte, (len(bits)+7)/8)
	pad := len(out)*8 - len(bits)
	for i, b := range bits {
		if b != 0 {
			j := pad + i
			out[j/8] |= 0x80 >> (j % 8)
		}
	}
	return out
}

// decodeLayout checks parity and extracts the fields of a frame whose length
// matches l. It reports ErrParity wrapped with which bit failed.
func decodeLayout(l layout, bits []byte) (Frame, error) {
	if ones(bits, l.evenLo, l.evenHi)%2 != 0 {
		return Frame{}, fmt.Errorf("%w: %s leading even parity", ErrParity, l.format)
	}
	if ones(bits, l.oddLo, l.oddHi)%2 != 1 {
		return Frame{}, fmt.Errorf("%w: %s trailing odd parity", ErrParity, l.format)
	}
	fc := field(bits, l.fcStart, l.fcLen)
	cn := field(bits, l.cnStart, l.cnLen)
	fcBytes, cnBytes := (l.fcLen+7)/8, (l.cnLen+7)/8
	uid := make([]byte, 0, fcBytes+cnBytes)
	uid = putBE(uid, fc, fcBytes)
	uid = putBE(uid, cn, cnBytes)
	return Frame{Format: l.format, Facility: uint32(fc), Card: cn, UID: uid}, nil
}

// formatSet is the decoder's compiled view of Options.Formats and RawBits.
type formatSet struct {
	byLen map[int]layout
	raw   []int
}

func newFormatSet(formats []Format, raw []int) (formatSet, error) {
	fs := formatSet{byLen: make(map[int]layout)}
	for _, f := range formats {
		l, ok := lookupLayout(f)
		if !ok {
			return formatSet{}, fmt.Errorf("wiegand: unknown format %q", f)
		}
		fs.byLen[l.bits] = l
	}
	for _, n := range raw {
		if n < minRawBits || n > MaxBits {
			return formatSet{}, fmt.Errorf("wiegand: raw length %d out of range %d..%d", n, minRawBits, MaxBits)
		}
		if l, ok := fs.byLen[n]; ok {
			return formatSet{}, fmt.Errorf("wiegand: raw length %d clashes with format %s", n, l.format)
		}
		fs.raw = append(fs.raw, n)
	}
	slices.Sort(fs.raw)
	return fs, nil
}

func (fs formatSet) decode(bits []byte) (Frame, error) {
	if l, ok := fs.byLen[len(bits)]; ok {
		return decodeLayout(l, bits)
	}
	if _, ok := slices.BinarySearch(fs.raw, len(bits)); ok {
		return Frame{Format: Raw, UID: packBits(bits)}, nil
	}
	return Frame{}, fmt.Errorf("%w: %d bits", ErrLength, len(bits))
}
