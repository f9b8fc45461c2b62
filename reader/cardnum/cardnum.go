// Package cardnum converts between badge UIDs as readers report them and
// the numbers printed on cards and key fobs, so that badges can be enrolled
// by what people read off them.
//
// EM4100 tags (125 kHz) carry five bytes: a version or customer byte and a
// 32-bit serial. They are printed as ten hex digits (all five bytes), as the
// 10-digit decimal of the serial ("0126153249"), or as the "facility,card"
// pair a 26-bit Wiegand reader reports for the tag ("132,61985": the third
// byte, then the last two). Each printed form carries only the trailing bytes
// it shows: 5, 4 or 3. MIFARE UIDs are printed as hex, by some vendors with
// the bytes reversed.
//
// A reader stores a fixed number of an EM tag's trailing bytes: RDM6300
// five (or four with uid_bytes = 4), keyboard-wedge readers typing decimals
// four, 26-bit Wiegand readers three. Parse takes that width and fails when
// the printed form does not carry enough bytes.
package cardnum

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"stampclock/reader"
)

// Form names a way numbers are printed.
type Form string

// The printed forms.
const (
	// Hex is the UID in hex as the reader reports it (separators ':', '-'
	// and spaces allowed).
	Hex Form = "hex"
	// HexReversed is a UID printed least significant byte first, as some
	// MIFARE vendors and Wiegand readers do.
	HexReversed Form = "hex-reversed"
	// EMHex is an EM4100 tag's ten hex digits (five bytes).
	EMHex Form = "em-hex"
	// EMDecimal is the 10-digit decimal of an EM4100 tag's 32-bit serial
	// (its last four bytes).
	EMDecimal Form = "em-decimal"
	// Wiegand26 is "facility,card" (or "facility/card"): the last three
	// bytes as a 26-bit Wiegand reader reports them.
	Wiegand26 Form = "wiegand26"
)

// Forms lists the printed forms in the order help texts show them.
var Forms = []Form{Hex, HexReversed, EMHex, EMDecimal, Wiegand26}

// ErrNumber is wrapped by every error about a printed number.
var ErrNumber = errors.New("cardnum: bad printed number")

// ParseForm checks a form name.
func ParseForm(s string) (Form, error) {
	if slices.Contains(Forms, Form(s)) {
		return Form(s), nil
	}
	names := make([]string, len(Forms))
	for i, f := range Forms {
		names[i] = string(f)
	}
	return "", fmt.Errorf("cardnum: unknown form %q (want %s)", s, strings.Join(names, ", "))
}

// Parse reads a number printed in form and returns the UID a reader storing
// width trailing bytes of an EM4100 tag reports. width 0 keeps every byte
// the form carries; it is ignored for Hex and HexReversed.
func Parse(printed string, form Form, width int) ([]byte, error) {
	s := strings.TrimSpace(printed)
	var b []byte
	switch form {
	case Hex, HexReversed:
		uid, err := reader.ParseUID(s)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNumber, err)
		}
		if form == HexReversed {
			slices.Reverse(uid)
		}
		return uid, nil
	case EMHex:
		uid, err := reader.ParseUID(s)
		if err != nil || len(uid) != 5 {
			return nil, fmt.Errorf("%w: %q is not ten hex digits", ErrNumber, printed)
		}
		b = uid
	case EMDecimal:
		v, err := strconv.ParseUint(s, 10, 32)
		if err != nil || len(s) > 10 {
			return nil, fmt.Errorf("%w: %q is not a decimal number of up to 10 digits below 4294967296", ErrNumber, printed)
		}
		b = []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
	case Wiegand26:
		fc, cn, ok := strings.Cut(s, ",")
		if !ok {
			fc, cn, ok = strings.Cut(s, "/")
		}
		f, err1 := strconv.ParseUint(strings.TrimSpace(fc), 10, 8)
		c, err2 := strconv.ParseUint(strings.TrimSpace(cn), 10, 16)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%w: %q is not facility,card (0-255, 0-65535)", ErrNumber, printed)
		}
		b = []byte{byte(f), byte(c >> 8), byte(c)}
	default:
		return nil, fmt.Errorf("cardnum: unknown form %q", form)
	}
	switch {
	case width == 0:
		return b, nil
	case width > len(b):
		return nil, fmt.Errorf("%w: %s %q carries only the tag's last %d bytes, the reader stores %d", ErrNumber, form, printed, len(b), width)
	case width < 1:
		return nil, fmt.Errorf("cardnum: width %d", width)
	}
	return b[len(b)-width:], nil
}

// Printed is how an EM4100 UID may appear on a card.
type Printed struct {
	// Decimal is the 10-digit decimal of the last four bytes.
	Decimal string
	// Wiegand26 is "facility,card" of the last three bytes.
	Wiegand26 string
}

// EM returns the printed forms of an EM4100 UID of four or five bytes; ok is
// false for other lengths.
func EM(uid []byte) (p Printed, ok bool) {
	if len(uid) != 4 && len(uid) != 5 {
		return Printed{}, false
	}
	t := uid[len(uid)-4:]
	v := uint32(t[0])<<24 | uint32(t[1])<<16 | uint32(t[2])<<8 | uint32(t[3])
	return Printed{
		Decimal:   fmt.Sprintf("%010d", v),
		Wiegand26: fmt.Sprintf("%d,%d", t[1], uint16(t[2])<<8|uint16(t[3])),
	}, true
}

// WiegandPair returns "facility,card" for a UID the wiegand reader formed
// from a parity format (facility bytes, then card bytes: 1+2 for 26 bits,
// 2+2 for 34, 2+3 for 35 and 37); ok is false for other lengths.
func WiegandPair(uid []byte) (string, bool) {
	var fcLen int
	switch len(uid) {
	case 3:
		fcLen = 1
	case 4, 5:
		fcLen = 2
	default:
		return "", false
	}
	var fc, cn uint64
	for _, b := range uid[:fcLen] {
		fc = fc<<8 | uint64(b)
	}
	for _, b := range uid[fcLen:] {
		cn = cn<<8 | uint64(b)
	}
	return fmt.Sprintf("%d,%d", fc, cn), true
}
