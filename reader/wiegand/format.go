package wiegand

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Format names a frame layout the decoder accepts. The string values are the
// ones used in configuration files; a custom layout's format is its name.
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
	// Corp1000 is HID's 35-bit Corporate 1000 layout: company ID bits 2–13
	// (12 bits), card number bits 14–33 (20 bits); bit 1 is even parity over
	// bits 1–33 except 4, 7, 10, …, 31 (positions p with p%3 == 1, p ≥ 4);
	// bit 34 is odd parity over bits 1–32 except 3, 6, 9, …, 30 and over
	// itself; bit 0 is odd parity over the whole frame. UID: 5 bytes,
	// company ID (2) then CN (3), big-endian.
	Corp1000 Format = "corp1000"
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

// field is a run of bits: start is the first bit's position, n the count.
type field struct{ start, n int }

// parityRule demands an even (or odd) number of ones at the positions in
// bits, the parity bit itself included.
type parityRule struct {
	odd  bool
	bits []int
}

// Layout is a parity-checked frame layout: a built-in format or one
// configured with ParseLayout.
type Layout struct {
	format  Format
	bits    int
	fc, cn  field // facility (company) code and card number; n 0 if none
	data    field // custom layouts: the bits that form the UID
	parity  []parityRule
	reverse bool // custom layouts: UID bytes in reverse order
}

// Format is the layout's name as reported in Frame.Format.
func (l Layout) Format() Format { return l.format }

// Bits is the layout's frame length.
func (l Layout) Bits() int { return l.bits }

// span returns the positions lo..hi.
func span(lo, hi int) []int {
	var p []int
	for i := lo; i <= hi; i++ {
		p = append(p, i)
	}
	return p
}

// corp1000Parity builds the Corporate 1000 rules from their description.
func corp1000Parity() []parityRule {
	var even, odd []int
	even = append(even, 1, 2) // the parity bit, then bit 2
	for p := 3; p <= 33; p++ {
		if p%3 != 1 {
			even = append(even, p)
		}
	}
	for p := 1; p <= 32; p++ {
		if p%3 != 0 {
			odd = append(odd, p)
		}
	}
	odd = append(odd, 34)
	return []parityRule{{bits: even}, {odd: true, bits: odd}, {odd: true, bits: span(0, 34)}}
}

var layouts = [...]Layout{
	{format: H10301, bits: 26, fc: field{1, 8}, cn: field{9, 16},
		parity: []parityRule{{bits: span(0, 12)}, {odd: true, bits: span(13, 25)}}},
	{format: H10306, bits: 34, fc: field{1, 16}, cn: field{17, 16},
		parity: []parityRule{{bits: span(0, 16)}, {odd: true, bits: span(17, 33)}}},
	{format: Corp1000, bits: 35, fc: field{2, 12}, cn: field{14, 20}, parity: corp1000Parity()},
	{format: H10304, bits: 37, fc: field{1, 16}, cn: field{17, 19},
		parity: []parityRule{{bits: span(0, 18)}, {odd: true, bits: span(18, 36)}}},
}

func lookupLayout(f Format) (Layout, bool) {
	for _, l := range layouts {
		if l.format == f {
			return l, true
		}
	}
	return Layout{}, false
}

// ParseFormat checks a configured format name.
func ParseFormat(s string) (Format, error) {
	f := Format(s)
	if _, ok := lookupLayout(f); ok {
		return f, nil
	}
	return "", fmt.Errorf("wiegand: unknown format %q (want h10301, h10306, corp1000 or h10304; raw lengths go in raw_bits, other layouts in custom)", s)
}

// ParseLayout reads a custom layout from words separated by spaces:
//
//	name=NAME      how frames of this layout are reported (required)
//	bits=N         the frame length (required)
//	data=START:LEN the bits that form the UID (required)
//	even=RANGES    an even parity rule: the ones at RANGES, parity bit included
//	odd=RANGES     an odd parity rule (even= and odd= may repeat)
//	reverse        the UID's bytes in reverse order (readers that send a
//	               MIFARE UID least significant byte first)
//
// RANGES are positions and inclusive ranges separated by commas ("0-16" or
// "1,3,5-9"); positions count from 0 for the first bit on the wire. The UID is
// the data bits read as a big-endian number, right-aligned in ceil(LEN/8)
// bytes, then reversed if asked. A layout without parity rules checks nothing
// but the length: use one only for readers known to send that length.
func ParseLayout(spec string) (Layout, error) {
	var l Layout
	seen := map[string]bool{}
	for _, w := range strings.Fields(spec) {
		k, v, hasValue := strings.Cut(w, "=")
		if seen[k] && k != "even" && k != "odd" {
			return Layout{}, fmt.Errorf("wiegand: custom layout %q: %s given twice", spec, k)
		}
		seen[k] = true
		var err error
		switch {
		case k == "reverse" && !hasValue:
			l.reverse = true
		case k == "name" && v != "":
			l.format = Format(v)
		case k == "bits":
			l.bits, err = strconv.Atoi(v)
			if err == nil && (l.bits < minRawBits || l.bits > MaxBits) {
				err = fmt.Errorf("bits=%s: want %d to %d", v, minRawBits, MaxBits)
			}
		case k == "data":
			l.data, err = parseField(v)
		case k == "even" || k == "odd":
			var ps []int
			ps, err = parseRanges(v)
			l.parity = append(l.parity, parityRule{odd: k == "odd", bits: ps})
		default:
			err = fmt.Errorf("unknown word %q (want name=, bits=, data=, even=, odd= or reverse)", w)
		}
		if err != nil {
			return Layout{}, fmt.Errorf("wiegand: custom layout %q: %w", spec, err)
		}
	}
	switch {
	case l.format == "" || l.bits == 0 || l.data.n == 0:
		return Layout{}, fmt.Errorf("wiegand: custom layout %q: name=, bits= and data= are required", spec)
	case l.format == Raw:
		return Layout{}, fmt.Errorf("wiegand: custom layout %q: the name raw is taken", spec)
	case l.data.start+l.data.n > l.bits || l.data.n > 64:
		return Layout{}, fmt.Errorf("wiegand: custom layout %q: data %d:%d does not fit in %d bits (at most 64 data bits)", spec, l.data.start, l.data.n, l.bits)
	}
	if _, ok := lookupLayout(l.format); ok {
		return Layout{}, fmt.Errorf("wiegand: custom layout %q: %s is a built-in format", spec, l.format)
	}
	for _, r := range l.parity {
		if r.bits[len(r.bits)-1] >= l.bits {
			return Layout{}, fmt.Errorf("wiegand: custom layout %q: parity position %d beyond %d bits", spec, r.bits[len(r.bits)-1], l.bits)
		}
	}
	return l, nil
}

func parseField(s string) (field, error) {
	a, b, ok := strings.Cut(s, ":")
	start, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || start < 0 || n < 1 {
		return field{}, fmt.Errorf("data=%s: want START:LEN, e.g. 1:32", s)
	}
	return field{start, n}, nil
}

// parseRanges reads "0-12" or "1,3,5-9" into sorted distinct positions.
func parseRanges(s string) ([]int, error) {
	var ps []int
	for part := range strings.SplitSeq(s, ",") {
		a, b, isRange := strings.Cut(part, "-")
		lo, err1 := strconv.Atoi(a)
		hi, err2 := lo, error(nil)
		if isRange {
			hi, err2 = strconv.Atoi(b)
		}
		if err1 != nil || err2 != nil || lo < 0 || hi < lo || hi >= MaxBits {
			return nil, fmt.Errorf("parity positions %q: want positions and ranges like 0-12 or 1,3,5-9", s)
		}
		ps = append(ps, span(lo, hi)...)
	}
	slices.Sort(ps)
	return slices.Compact(ps), nil
}

// ones counts set bits at the positions ps.
func ones(bits []byte, ps []int) int {
	n := 0
	for _, p := range ps {
		n += int(bits[p])
	}
	return n
}

// value reads f as a big-endian unsigned number.
func (f field) value(bits []byte) uint64 {
	var v uint64
	for _, b := range bits[f.start : f.start+f.n] {
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

// decode checks parity and extracts the fields of a frame whose length
// matches l. It reports ErrParity wrapped with which rule failed.
func (l Layout) decode(bits []byte) (Frame, error) {
	for i, r := range l.parity {
		if (ones(bits, r.bits)%2 == 1) != r.odd {
			kind := "even"
			if r.odd {
				kind = "odd"
			}
			return Frame{}, fmt.Errorf("%w: %s %s parity rule %d (over bits %d–%d)", ErrParity, l.format, kind, i+1, r.bits[0], r.bits[len(r.bits)-1])
		}
	}
	f := Frame{Format: l.format}
	if l.data.n > 0 {
		f.UID = packBits(bits[l.data.start : l.data.start+l.data.n])
		if l.reverse {
			slices.Reverse(f.UID)
		}
		return f, nil
	}
	fc, cn := l.fc.value(bits), l.cn.value(bits)
	fcBytes, cnBytes := (l.fc.n+7)/8, (l.cn.n+7)/8
	f.Facility, f.Card = uint32(fc), cn
	f.UID = putBE(make([]byte, 0, fcBytes+cnBytes), fc, fcBytes)
	f.UID = putBE(f.UID, cn, cnBytes)
	return f, nil
}

// formatSet is the decoder's compiled view of Options.Formats, Custom and
// RawBits.
type formatSet struct {
	byLen map[int]Layout
	raw   []int
}

func newFormatSet(formats []Format, custom []Layout, raw []int) (formatSet, error) {
	fs := formatSet{byLen: make(map[int]Layout)}
	add := func(l Layout) error {
		if o, ok := fs.byLen[l.bits]; ok && o.format != l.format {
			return fmt.Errorf("wiegand: formats %s and %s both have %d bits", o.format, l.format, l.bits)
		}
		fs.byLen[l.bits] = l
		return nil
	}
	for _, f := range formats {
		l, ok := lookupLayout(f)
		if !ok {
			return formatSet{}, fmt.Errorf("wiegand: unknown format %q", f)
		}
		if err := add(l); err != nil {
			return formatSet{}, err
		}
	}
	for _, l := range custom {
		if err := add(l); err != nil {
			return formatSet{}, err
		}
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
		return l.decode(bits)
	}
	if _, ok := slices.BinarySearch(fs.raw, len(bits)); ok {
		return Frame{Format: Raw, UID: packBits(bits)}, nil
	}
	return Frame{}, fmt.Errorf("%w: %d bits", ErrLength, len(bits))
}

// ParseFormats checks configured format names, custom layouts (see
// ParseLayout) and raw lengths together, including clashes of lengths, and
// returns what Options.Formats and Options.Custom take.
func ParseFormats(names, custom []string, raw []int) ([]Format, []Layout, error) {
	var fs []Format
	for _, n := range names {
		f, err := ParseFormat(n)
		if err != nil {
			return nil, nil, err
		}
		fs = append(fs, f)
	}
	var ls []Layout
	for _, spec := range custom {
		l, err := ParseLayout(spec)
		if err != nil {
			return nil, nil, err
		}
		ls = append(ls, l)
	}
	if len(fs) == 0 && len(raw) == 0 && len(ls) == 0 {
		fs = DefaultFormats()
	}
	if _, err := newFormatSet(fs, ls, raw); err != nil {
		return nil, nil, err
	}
	return fs, ls, nil
}
