package wiegand

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/warthog618/go-gpiocdev"

	"stampclock/reader"
)

// MaxBits is the longest frame the decoder buffers; anything longer is
// discarded as a bad length. It matches reader.MaxUIDLen.
const MaxBits = reader.MaxUIDLen * 8

const (
	// noiseBits: frames shorter than this are counted as noise, not as a
	// bad length (a stray pulse, a reader powering up).
	noiseBits = 4
	// minRawBits is the shortest raw length that may be configured.
	minRawBits = 8
)

// Reasons a frame is discarded. Errors returned by Decoder.Feed and
// Decoder.Flush wrap exactly one of them.
var (
	ErrParity = errors.New("wiegand: bad parity")
	ErrLength = errors.New("wiegand: unexpected frame length")
	ErrLost   = errors.New("wiegand: lost edge events")
	ErrNoise  = errors.New("wiegand: noise")
)

// Frame is one decoded Wiegand frame.
type Frame struct {
	// Format is the layout the frame matched.
	Format Format
	// Bits is the frame as received, one element (0 or 1) per bit in wire
	// order, parity bits included.
	Bits []byte
	// Facility and Card are the decoded fields; zero for Raw frames.
	Facility uint32
	Card     uint64
	// UID is the badge identifier (see the package documentation for how it
	// is formed per format).
	UID []byte
	// Start and End are the kernel timestamps of the first and last bit.
	Start, End time.Duration
}

// Stats counts what the decoder did. All counters only grow.
type Stats struct {
	// Frames is the number of frames decoded into a UID.
	Frames uint64
	// BadParity, BadLength, Lost and Noise count discarded frames by reason.
	BadParity uint64
	BadLength uint64
	Lost      uint64
	Noise     uint64
	// Glitches counts pulses shorter than MinPulse that were ignored without
	// discarding their frame (both-edge mode only).
	Glitches uint64
	// Dropped counts edge events the Reader could not hand to the decoder
	// because it fell behind (always 0 for a bare Decoder).
	Dropped uint64
}

type counters struct {
	frames, badParity, badLength, lost, noise, glitches atomic.Uint64
}

// Decoder turns a stream of GPIO edge events from the D0 and D1 lines into
// frames. It uses only the events' kernel timestamps and sequence numbers, so
// it runs the same on recorded or generated events as on hardware. A Decoder
// is not safe for concurrent use, except Stats.
type Decoder struct {
	d0, d1      int
	gap         time.Duration
	minPulse    time.Duration
	minInterval time.Duration
	both        bool
	formats     formatSet

	bits   []byte
	start  time.Duration // first bit's falling edge
	last   time.Duration // latest bit's falling edge
	lastEv time.Duration // latest event on D0 or D1
	active bool          // an unfinished frame is buffered
	bad    error         // first defect seen in the current frame

	low   [2]bool // both-edge mode: the line is low (pulse in progress)
	lowAt [2]time.Duration

	seq      uint32
	seqKnown bool

	n counters
}

// NewDecoder returns a decoder for the lines, timing and formats in opts
// (Chip, PullUp, Source, Logger, Now and EventBuffer are not used). Zero
// fields take their defaults.
func NewDecoder(opts Options) (*Decoder, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	fs, err := newFormatSet(opts.Formats, opts.Custom, opts.RawBits)
	if err != nil {
		return nil, err
	}
	return &Decoder{
		d0:          opts.D0,
		d1:          opts.D1,
		gap:         opts.Gap,
		minPulse:    opts.MinPulse,
		minInterval: opts.MinInterval,
		both:        opts.Edges == EdgesBoth,
		formats:     fs,
		bits:        make([]byte, 0, MaxBits),
	}, nil
}

// Feed consumes one edge event. If ev shows that the buffered frame ended
// (ev came more than Gap after the previous event), that frame is decoded and
// returned with ended true; err then says why it was discarded, and f is only
// meaningful when err is nil. Events on other lines are ignored.
func (d *Decoder) Feed(ev gpiocdev.LineEvent) (f Frame, ended bool, err error) {
	var line int
	switch ev.Offset {
	case d.d0:
		line = 0
	case d.d1:
		line = 1
	default:
		return Frame{}, false, nil
	}

	// A sequence gap means an event of this request was lost. It may have
	// belonged to the frame being closed or to the one starting, so both
	// are spoiled. Seqno 0 means the kernel's uAPI v1, which has none.
	lost := false
	if ev.Seqno != 0 {
		lost = d.seqKnown && ev.Seqno != d.seq+1
		d.seq, d.seqKnown = ev.Seqno, true
	}

	if d.active {
		switch dt := ev.Timestamp - d.lastEv; {
		case dt > d.gap:
			if lost {
				d.spoil(fmt.Errorf("%w: sequence gap after frame", ErrLost))
			}
			f, err = d.end()
			ended = true
		case dt < 0:
			d.spoil(fmt.Errorf("%w: timestamps went backwards", ErrNoise))
		}
	}
	if lost {
		d.MarkLost()
	}
	d.lastEv = ev.Timestamp

	switch {
	case ev.Type == gpiocdev.LineEventFallingEdge && !d.both:
		d.addBit(byte(line), ev.Timestamp)
	case ev.Type == gpiocdev.LineEventFallingEdge:
		d.active = true
		if d.low[line] || d.low[1-line] {
			d.spoil(fmt.Errorf("%w: overlapping pulses", ErrNoise))
		}
		d.low[line], d.lowAt[line] = true, ev.Timestamp
	case ev.Type == gpiocdev.LineEventRisingEdge && d.both && d.low[line]:
		d.low[line] = false
		if ev.Timestamp-d.lowAt[line] < d.minPulse {
			d.n.glitches.Add(1)
			if len(d.bits) == 0 && d.bad == nil && !d.low[1-line] {
				d.active = false // a lone glitch is not a frame
			}
			return f, ended, err
		}
		d.addBit(byte(line), d.lowAt[line])
	}
	return f, ended, err
}

// addBit appends a bit whose pulse started at ts.
func (d *Decoder) addBit(b byte, ts time.Duration) {
	d.active = true
	if len(d.bits) == 0 {
		d.start = ts
	} else if ts-d.last < d.minInterval {
		d.spoil(fmt.Errorf("%w: bits %v apart", ErrNoise, ts-d.last))
	}
	d.last = ts
	if len(d.bits) == MaxBits {
		d.spoil(fmt.Errorf("%w: more than %d bits", ErrLength, MaxBits))
		return
	}
	d.bits = append(d.bits, b)
}

// spoil records the first defect of the current frame.
func (d *Decoder) spoil(err error) {
	d.active = true
	if d.bad == nil {
		d.bad = err
	}
}

// MarkLost spoils the current frame, or the next one if none is buffered,
// because events were lost outside the decoder's view (a Reader uses it when
// its own event buffer overflowed).
func (d *Decoder) MarkLost() {
	d.spoil(fmt.Errorf("%w: sequence gap", ErrLost))
}

// Pending reports whether a frame is buffered and waits for Flush.
func (d *Decoder) Pending() bool { return d.active }

// Flush ends the buffered frame; call it once Gap has passed without events.
// It returns ended false if nothing was buffered.
func (d *Decoder) Flush() (f Frame, ended bool, err error) {
	if !d.active {
		return Frame{}, false, nil
	}
	f, err = d.end()
	return f, true, err
}

// end decodes and resets the buffered frame and counts the outcome.
func (d *Decoder) end() (Frame, error) {
	bits, start, last, bad := d.bits, d.start, d.last, d.bad
	d.bits, d.bad, d.active = d.bits[:0], nil, false
	d.low = [2]bool{}

	var f Frame
	err := bad
	if err == nil && len(bits) < noiseBits {
		err = fmt.Errorf("%w: %d stray bits", ErrNoise, len(bits))
	}
	if err == nil {
		f, err = d.formats.decode(bits)
	}
	switch {
	case err == nil:
		d.n.frames.Add(1)
		f.Bits = append([]byte(nil), bits...)
		f.Start, f.End = start, last
		return f, nil
	case errors.Is(err, ErrParity):
		d.n.badParity.Add(1)
	case errors.Is(err, ErrLength):
		d.n.badLength.Add(1)
	case errors.Is(err, ErrLost):
		d.n.lost.Add(1)
	default:
		d.n.noise.Add(1)
	}
	return Frame{}, err
}

// Stats returns the decoder's counters. It is safe to call from any
// goroutine.
func (d *Decoder) Stats() Stats {
	return Stats{
		Frames:    d.n.frames.Load(),
		BadParity: d.n.badParity.Load(),
		BadLength: d.n.badLength.Load(),
		Lost:      d.n.lost.Load(),
		Noise:     d.n.noise.Load(),
		Glitches:  d.n.glitches.Load(),
	}
}
