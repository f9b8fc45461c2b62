package keyboard

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"
)

// stream builds evdev input_event byte streams as the kernel writes them:
// native byte order, timeval of the chosen size, EV_MSC scan codes and
// SYN_REPORTs around each key like a real USB keyboard.
type stream struct {
	buf    bytes.Buffer
	tvSize int
	t      time.Duration
	keyGap time.Duration // time between key strokes
}

func newStream(tvSize int) *stream {
	return &stream{tvSize: tvSize, t: 1000 * time.Second, keyGap: 8 * time.Millisecond}
}

func (s *stream) ev(typ, code uint16, value int32) {
	ne := binary.NativeEndian
	sec, usec := int64(s.t/time.Second), int64(s.t%time.Second/time.Microsecond)
	if s.tvSize == 8 {
		s.buf.Write(ne.AppendUint32(nil, uint32(sec)))
		s.buf.Write(ne.AppendUint32(nil, uint32(usec)))
	} else {
		s.buf.Write(ne.AppendUint64(nil, uint64(sec)))
		s.buf.Write(ne.AppendUint64(nil, uint64(usec)))
	}
	s.buf.Write(ne.AppendUint16(nil, typ))
	s.buf.Write(ne.AppendUint16(nil, code))
	s.buf.Write(ne.AppendUint32(nil, uint32(value)))
}

const evMsc, mscScan = 0x04, 0x04

func (s *stream) syn() { s.ev(evSyn, 0, 0) }

func (s *stream) down(code uint16) {
	s.ev(evMsc, mscScan, int32(0x70000+int(code)))
	s.ev(evKey, code, 1)
	s.syn()
}

func (s *stream) up(code uint16) {
	s.ev(evMsc, mscScan, int32(0x70000+int(code)))
	s.ev(evKey, code, 0)
	s.syn()
}

// stroke presses and releases a key, then lets keyGap pass.
func (s *stream) stroke(code uint16) {
	s.down(code)
	s.t += time.Millisecond
	s.up(code)
	s.t += s.keyGap
}

// Test-side key tables, written out independently of the decoder's keymap.
var (
	usKeys = map[rune]uint16{
		'1': 2, '2': 3, '3': 4, '4': 5, '5': 6, '6': 7, '7': 8, '8': 9, '9': 10, '0': 11,
		'a': 30, 'b': 48, 'c': 46, 'd': 32, 'e': 18, 'f': 33, 'g': 34, 'x': 45,
		'y': 21, 'z': 44, '-': 12,
	}
	deKeys = map[rune]uint16{'y': 44, 'z': 21, '-': 53}
)

func keyFor(layout Layout, c rune) (code uint16, shift bool) {
	lower := c
	if c >= 'A' && c <= 'Z' {
		lower, shift = c-'A'+'a', true
	}
	if layout == LayoutDE {
		if k, ok := deKeys[lower]; ok {
			return k, shift
		}
	}
	k, ok := usKeys[lower]
	if !ok {
		panic("no key for " + string(c))
	}
	return k, shift
}

// typeLine types text (uppercase letters with left shift) and Enter.
func (s *stream) typeLine(layout Layout, text string) {
	s.typeText(layout, text)
	s.stroke(keyEnter)
}

func (s *stream) typeText(layout Layout, text string) {
	for _, c := range text {
		code, shift := keyFor(layout, c)
		if shift {
			s.down(keyLeftShift)
		}
		s.stroke(code)
		if shift {
			s.up(keyLeftShift)
		}
	}
}

func (s *stream) bytes() []byte { return bytes.Clone(s.buf.Bytes()) }

func TestStream_EventSize(t *testing.T) {
	for _, tv := range []int{8, 16} {
		s := newStream(tv)
		s.syn()
		if got := s.buf.Len(); got != tv+8 {
			t.Errorf("timeval %d: event is %d bytes, want %d", tv, got, tv+8)
		}
	}
}
