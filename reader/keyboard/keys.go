package keyboard

import "fmt"

// Linux input event types and key codes used here (from
// linux/input-event-codes.h).
const (
	evSyn = 0x00
	evKey = 0x01

	synDropped = 3

	keyMinus      = 12
	keyEnter      = 28
	keyLeftCtrl   = 29
	keyLeftShift  = 42
	keySlash      = 53
	keyRightShift = 54
	keyLeftAlt    = 56
	keyCapsLock   = 58
	keyNumLock    = 69
	keyScrollLock = 70
	keyKPMinus    = 74
	keyKPEnter    = 96
	keyRightCtrl  = 97
	keyRightAlt   = 100
	keyLeftMeta   = 125
	keyRightMeta  = 126
)

// Layout is the keyboard layout the reader types for, as set in the reader's
// configuration (often with a configuration card).
type Layout string

const (
	// LayoutUS is the US QWERTY layout (the default).
	LayoutUS Layout = "us"
	// LayoutDE is the German QWERTZ layout: Y and Z swapped, '-' on the
	// US '/' key. Digits on the number row use the same key codes as US.
	LayoutDE Layout = "de"
)

// keymap maps key codes to unshifted ASCII for one layout.
type keymap [128]byte

func newKeymap(l Layout) (*keymap, error) {
	var m keymap
	// Number row: KEY_1..KEY_9 are 2..10, KEY_0 is 11.
	for i, c := range "1234567890" {
		m[2+i] = byte(c)
	}
	// Keypad digits, independent of layout.
	for code, c := range map[int]byte{71: '7', 72: '8', 73: '9', 75: '4', 76: '5', 77: '6', 79: '1', 80: '2', 81: '3', 82: '0'} {
		m[code] = c
	}
	m[keyKPMinus] = '-'
	rows := []struct {
		first   int
		letters string
	}{{16, "qwertyuiop"}, {30, "asdfghjkl"}, {44, "zxcvbnm"}}
	for _, r := range rows {
		for i := range len(r.letters) {
			m[r.first+i] = r.letters[i]
		}
	}
	switch l {
	case LayoutUS:
		m[keyMinus] = '-'
	case LayoutDE:
		m[21], m[44] = 'z', 'y' // KEY_Y types z, KEY_Z types y
		m[keySlash] = '-'       // KEY_MINUS is ß: not ASCII, left unmapped
	default:
		return nil, fmt.Errorf("keyboard: layout %q: want %q or %q", l, LayoutUS, LayoutDE)
	}
	return &m, nil
}

// char returns the character key code types, or 0 if the key types nothing
// a badge number can contain (including shifted digits, which are symbols).
func (m *keymap) char(code uint16, shift bool) byte {
	if int(code) >= len(m) {
		return 0
	}
	c := m[code]
	switch {
	case !shift || c == 0:
		return c
	case c >= 'a' && c <= 'z':
		return c - 'a' + 'A'
	case code >= 71 && code <= 83: // keypad: shift does not change digits here
		return c
	}
	return 0
}

// ignoredKey reports modifier and lock keys that type nothing themselves.
func ignoredKey(code uint16) bool {
	switch code {
	case keyLeftCtrl, keyRightCtrl, keyLeftAlt, keyRightAlt, keyLeftMeta, keyRightMeta,
		keyCapsLock, keyNumLock, keyScrollLock:
		return true
	}
	return false
}
