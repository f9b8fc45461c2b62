package keyboard

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"stampclock/reader"
)

// Reasons a line is discarded; they appear in the decoder's log messages.
var (
	ErrGarbage   = errors.New("keyboard: unexpected key or character")
	ErrOverlong  = errors.New("keyboard: line too long")
	ErrBadLength = errors.New("keyboard: wrong number of characters")
	ErrTimeout   = errors.New("keyboard: line timed out between keys")
	ErrDropped   = errors.New("keyboard: kernel dropped events")
)

// Format is how the reader writes the badge number.
type Format string

const (
	// FormatDecimal: digits 0–9, read as one unsigned decimal number
	// (for example EM4100 readers that type 10 digits). The default.
	FormatDecimal Format = "decimal"
	// FormatHex: hex digits in either case, an even number of them.
	FormatHex Format = "hex"
)

// PlatformTimevalSize is the size of struct timeval in an input_event on the
// platform this binary is built for: 8 bytes on 32-bit ARM, 16 on 64-bit.
const PlatformTimevalSize = int(unsafe.Sizeof(unix.Timeval{}))

// Line is one badge number typed by the reader.
type Line struct {
	// Text is what the reader typed, without the Enter.
	Text string
	// UID is Text converted as described in the package documentation.
	UID []byte
	// Time is the kernel timestamp of the Enter key event (since the epoch
	// of the device's clock).
	Time time.Duration
}

// Stats counts the lines decoded and discarded. Counters only grow.
type Stats struct {
	Lines     uint64 // lines turned into a UID
	Garbage   uint64 // lines with keys or characters the format does not allow
	Overlong  uint64 // lines longer than MaxLen, or UIDs longer than reader.MaxUIDLen
	BadLength uint64 // lines not Length characters long, or odd-length hex
	TimedOut  uint64 // half lines dropped after KeyTimeout without a key
	Dropped   uint64 // lines spoiled because the kernel dropped events
	// The following are kept by Reader only.
	Opens      uint64 // successful opens of the device
	OpenErrors uint64 // failed opens and reads that lost the device
	Connected  bool   // the device is open now
	LastErr    string // the last open or read error, "" if none
}

type counters struct {
	lines, garbage, overlong, badLength, timedOut, dropped atomic.Uint64
}

func (n *counters) stats() Stats {
	return Stats{
		Lines: n.lines.Load(), Garbage: n.garbage.Load(), Overlong: n.overlong.Load(),
		BadLength: n.badLength.Load(), TimedOut: n.timedOut.Load(), Dropped: n.dropped.Load(),
	}
}

// Decoder reads evdev input_event records from an io.Reader and returns the
// lines a keyboard-wedge reader types. It is not safe for concurrent use,
// except Stats.
type Decoder struct {
	r      *bufio.Reader
	opts   Options
	keys   *keymap
	tvSize int
	buf    []byte

	shiftL, shiftR bool
	line           []byte
	bad            error // first defect of the current line
	active         bool  // a key of the current line was seen
	lastKey        time.Duration

	n      *counters
	warned map[error]bool
}

// NewDecoder returns a decoder reading events from r, configured by opts
// (Path, NoGrab and the reopen fields are not used). Zero fields take their
// defaults.
func NewDecoder(r io.Reader, opts Options) (*Decoder, error) {
	return newDecoder(r, opts.withDefaults(), new(counters))
}

func newDecoder(r io.Reader, opts Options, n *counters) (*Decoder, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	keys, err := newKeymap(opts.Layout)
	if err != nil {
		return nil, err
	}
	size := opts.TimevalSize + 8
	return &Decoder{
		r:      bufio.NewReaderSize(r, 64*size),
		opts:   opts,
		keys:   keys,
		tvSize: opts.TimevalSize,
		buf:    make([]byte, size),
		line:   make([]byte, 0, opts.MaxLen),
		n:      n,
		warned: make(map[error]bool),
	}, nil
}

// Stats returns the decoder's counters. Safe from any goroutine.
func (d *Decoder) Stats() Stats { return d.n.stats() }

// Next reads events until the reader completes a valid line and returns it.
// Discarded lines are counted and logged, not returned. At the end of the
// input it returns io.EOF (io.ErrUnexpectedEOF inside an event), otherwise
// the read error, wrapped.
func (d *Decoder) Next() (Line, error) {
	for {
		if _, err := io.ReadFull(d.r, d.buf); err != nil {
			if errors.Is(err, io.EOF) {
				return Line{}, io.EOF
			}
			return Line{}, fmt.Errorf("keyboard: read event: %w", err)
		}
		ts, typ, code, value := d.parse(d.buf)
		if l, ok := d.event(ts, typ, code, value); ok {
			return l, nil
		}
	}
}

// parse splits one input_event in native byte order.
func (d *Decoder) parse(b []byte) (ts time.Duration, typ, code uint16, value int32) {
	ne := binary.NativeEndian
	var sec, usec int64
	if d.tvSize == 8 {
		sec, usec = int64(int32(ne.Uint32(b[0:]))), int64(int32(ne.Uint32(b[4:])))
	} else {
		sec, usec = int64(ne.Uint64(b[0:])), int64(ne.Uint64(b[8:]))
	}
	b = b[d.tvSize:]
	ts = time.Duration(sec)*time.Second + time.Duration(usec)*time.Microsecond
	return ts, ne.Uint16(b[0:]), ne.Uint16(b[2:]), int32(ne.Uint32(b[4:]))
}

// event handles one input event and reports a finished, valid line.
func (d *Decoder) event(ts time.Duration, typ, code uint16, value int32) (Line, bool) {
	switch {
	case typ == evSyn && code == synDropped:
		// Events were lost, key-ups too: forget the shift state.
		d.shiftL, d.shiftR = false, false
		d.spoil(ErrDropped)
		return Line{}, false
	case typ != evKey || value == 2: // not a key, or autorepeat
		return Line{}, false
	}
	down := value == 1
	switch code {
	case keyLeftShift:
		d.shiftL = down
		return Line{}, false
	case keyRightShift:
		d.shiftR = down
		return Line{}, false
	}
	if !down || ignoredKey(code) {
		return Line{}, false
	}

	if d.active && (ts-d.lastKey > d.opts.KeyTimeout || ts < d.lastKey) {
		d.discard(fmt.Errorf("%w: %q then nothing for %v", ErrTimeout, d.line, ts-d.lastKey))
	}
	d.lastKey = ts

	if code == keyEnter || code == keyKPEnter {
		if !d.active {
			return Line{}, false // a bare Enter is no line
		}
		return d.finish(ts)
	}
	d.active = true
	c := d.keys.char(code, d.shiftL || d.shiftR)
	switch {
	case c == 0:
		d.spoil(fmt.Errorf("%w: key code %d", ErrGarbage, code))
	case len(d.line) >= d.opts.MaxLen:
		d.spoil(fmt.Errorf("%w: more than %d characters", ErrOverlong, d.opts.MaxLen))
	default:
		d.line = append(d.line, c)
	}
	return Line{}, false
}

func (d *Decoder) spoil(err error) {
	d.active = true
	if d.bad == nil {
		d.bad = err
	}
}

// finish converts the current line and resets it.
func (d *Decoder) finish(ts time.Duration) (Line, bool) {
	text := string(d.line)
	err := d.bad
	var uid []byte
	if err == nil {
		uid, err = d.convert(text)
	}
	if err != nil {
		d.discard(err)
		return Line{}, false
	}
	d.reset()
	d.n.lines.Add(1)
	return Line{Text: text, UID: uid, Time: ts}, true
}

// discard counts, logs and forgets the current line.
func (d *Decoder) discard(err error) {
	switch {
	case errors.Is(err, ErrOverlong):
		d.n.overlong.Add(1)
	case errors.Is(err, ErrBadLength):
		d.n.badLength.Add(1)
	case errors.Is(err, ErrTimeout):
		d.n.timedOut.Add(1)
	case errors.Is(err, ErrDropped):
		d.n.dropped.Add(1)
	default:
		d.n.garbage.Add(1)
	}
	reason := err
	for _, e := range []error{ErrGarbage, ErrOverlong, ErrBadLength, ErrTimeout, ErrDropped} {
		if errors.Is(err, e) {
			reason = e
		}
	}
	level := slog.LevelDebug
	if !d.warned[reason] {
		d.warned[reason] = true
		level = slog.LevelWarn
	}
	d.opts.Logger.Log(context.Background(), level, "keyboard: line discarded", "source", d.opts.Source, "err", err)
	d.reset()
}

func (d *Decoder) reset() {
	d.line, d.bad, d.active = d.line[:0], nil, false
}

// convert turns a line into a UID according to the format.
func (d *Decoder) convert(text string) ([]byte, error) {
	if d.opts.Length != 0 && len(text) != d.opts.Length {
		return nil, fmt.Errorf("%w: %d, want %d", ErrBadLength, len(text), d.opts.Length)
	}
	switch d.opts.Format {
	case FormatHex:
		if len(text)%2 == 1 {
			return nil, fmt.Errorf("%w: odd number of hex digits in %q", ErrBadLength, text)
		}
		uid, err := hex.DecodeString(text)
		if err != nil {
			return nil, fmt.Errorf("%w: %q is not hex", ErrGarbage, text)
		}
		if len(uid) > reader.MaxUIDLen {
			return nil, fmt.Errorf("%w: %d bytes", ErrOverlong, len(uid))
		}
		return uid, nil
	default: // FormatDecimal
		for i := range len(text) {
			if text[i] < '0' || text[i] > '9' {
				return nil, fmt.Errorf("%w: %q is not decimal", ErrGarbage, text)
			}
		}
		v, ok := new(big.Int).SetString(text, 10)
		if !ok {
			return nil, fmt.Errorf("%w: %q is not decimal", ErrGarbage, text)
		}
		b := v.Bytes()
		if len(b) > reader.MaxUIDLen {
			return nil, fmt.Errorf("%w: %d bytes", ErrOverlong, len(b))
		}
		width := max(len(b), d.opts.UIDBytes)
		uid := make([]byte, width)
		copy(uid[width-len(b):], b)
		return uid, nil
	}
}
