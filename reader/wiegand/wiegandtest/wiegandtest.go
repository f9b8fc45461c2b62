// Package wiegandtest generates the GPIO edge events a Wiegand reader
// produces, as gpiocdev.LineEvent values with kernel-style timestamps and
// sequence numbers, so that the wiegand decoder can be tested on the same
// event type the GPIO backend delivers. It also builds bit strings for the
// common card formats (independently of the decoder) and spoils them on
// purpose: flipped parity, lost events, glitches.
//
// It does not import package wiegand, so wiegand's own tests can use it.
package wiegandtest

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/warthog618/go-gpiocdev"
)

// Options shapes the generated pulse train. Zero values mean the default.
type Options struct {
	// D0 and D1 are the line offsets the events carry. D1 defaults to
	// D0+1 when both are zero (so the defaults are lines 0 and 1).
	D0, D1 int
	// Pulse is the width of a data pulse. Default 50µs.
	Pulse time.Duration
	// Interval is the time between the starts of two bits. Default 2ms.
	Interval time.Duration
	// Jitter is the largest random deviation added to each bit interval
	// (uniform in ±Jitter); pulse widths vary by ±Jitter/10, at most
	// ±Pulse/2. Default 0: exact timing.
	Jitter time.Duration
	// BothEdges also emits the rising edge that ends each pulse.
	BothEdges bool
	// Seed seeds the jitter source, so traces are reproducible.
	Seed uint64
	// Start is the kernel timestamp of the first event. Default 1s.
	Start time.Duration
}

// Generator produces consecutive events; the timestamps and sequence numbers
// carry on from one call to the next, like a real line request.
type Generator struct {
	opts    Options
	rng     *rand.Rand
	now     time.Duration
	seq     uint32
	lineSeq map[int]uint32
}

// New returns a generator.
func New(opts Options) *Generator {
	if opts.D0 == 0 && opts.D1 == 0 {
		opts.D1 = 1
	}
	if opts.Pulse == 0 {
		opts.Pulse = 50 * time.Microsecond
	}
	if opts.Interval == 0 {
		opts.Interval = 2 * time.Millisecond
	}
	if opts.Start == 0 {
		opts.Start = time.Second
	}
	return &Generator{
		opts:    opts,
		rng:     rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		now:     opts.Start,
		lineSeq: make(map[int]uint32),
	}
}

// Now is the timestamp the next event will carry (before jitter).
func (g *Generator) Now() time.Duration { return g.now }

// Idle lets d pass without events (for example the gap between frames).
func (g *Generator) Idle(d time.Duration) { g.now += d }

func (g *Generator) jitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	return time.Duration(g.rng.Int64N(int64(2*max+1))) - max
}

func (g *Generator) event(line int, typ gpiocdev.LineEventType, ts time.Duration) gpiocdev.LineEvent {
	g.seq++
	g.lineSeq[line]++
	return gpiocdev.LineEvent{Offset: line, Timestamp: ts, Type: typ, Seqno: g.seq, LineSeqno: g.lineSeq[line]}
}

// pulse emits one pulse on line starting now, of the given width.
func (g *Generator) pulse(line int, width time.Duration) []gpiocdev.LineEvent {
	evs := []gpiocdev.LineEvent{g.event(line, gpiocdev.LineEventFallingEdge, g.now)}
	if g.opts.BothEdges {
		evs = append(evs, g.event(line, gpiocdev.LineEventRisingEdge, g.now+width))
	}
	return evs
}

// Frame returns the events of one frame; bits is a string of '0' and '1'
// (other characters, such as spaces, are skipped). The clock advances by one
// interval per bit, so call Idle before the next frame.
func (g *Generator) Frame(bits string) []gpiocdev.LineEvent {
	var evs []gpiocdev.LineEvent
	for _, c := range bits {
		line := g.opts.D0
		switch c {
		case '0':
		case '1':
			line = g.opts.D1
		default:
			continue
		}
		width := g.opts.Pulse + g.jitter(min(g.opts.Jitter/10, g.opts.Pulse/2))
		evs = append(evs, g.pulse(line, max(width, time.Microsecond))...)
		g.now += max(g.opts.Interval+g.jitter(g.opts.Jitter), g.opts.Pulse+time.Microsecond)
	}
	return evs
}

// Glitch returns a spurious pulse of the given width on line (an offset),
// starting at the current time plus at; the clock does not move.
func (g *Generator) Glitch(line int, at, width time.Duration) []gpiocdev.LineEvent {
	save := g.now
	g.now += at
	evs := g.pulse(line, width)
	g.now = save
	return evs
}

// Train returns the events of several frames, each followed by gap.
func (g *Generator) Train(gap time.Duration, frames ...string) []gpiocdev.LineEvent {
	var evs []gpiocdev.LineEvent
	for _, f := range frames {
		evs = append(evs, g.Frame(f)...)
		g.Idle(gap)
	}
	return evs
}

// Drop returns evs without the event at index i; the following events keep
// their sequence numbers, so the loss is visible as a gap, as when the
// kernel's event buffer overflows.
func Drop(evs []gpiocdev.LineEvent, i int) []gpiocdev.LineEvent {
	out := make([]gpiocdev.LineEvent, 0, len(evs))
	out = append(out, evs[:i]...)
	return append(out, evs[i+1:]...)
}

// Bits renders v as an n-bit binary string, most significant bit first.
func Bits(v uint64, n int) string {
	var b strings.Builder
	for i := n - 1; i >= 0; i-- {
		b.WriteByte('0' + byte(v>>i&1))
	}
	return b.String()
}

// parity returns the parity bit that makes the number of ones in s even
// (odd=false) or odd (odd=true).
func parity(s string, odd bool) string {
	n := strings.Count(s, "1")
	if (n%2 == 1) != odd {
		return "1"
	}
	return "0"
}

// withParity frames data with a leading even parity bit over data[:evenN] and
// a trailing odd parity bit over data[oddFrom:].
func withParity(data string, evenN, oddFrom int) string {
	return parity(data[:evenN], false) + data + parity(data[oddFrom:], true)
}

// H10301 returns the 26-bit frame for facility code fc and card number cn.
func H10301(fc uint8, cn uint16) string {
	data := Bits(uint64(fc), 8) + Bits(uint64(cn), 16)
	return withParity(data, 12, 12)
}

// H10306 returns the 34-bit frame for facility code fc and card number cn.
func H10306(fc, cn uint16) string {
	data := Bits(uint64(fc), 16) + Bits(uint64(cn), 16)
	return withParity(data, 16, 16)
}

// H10304 returns the 37-bit frame for facility code fc and card number cn
// (19 bits; higher bits are an error).
func H10304(fc uint16, cn uint32) (string, error) {
	if cn >= 1<<19 {
		return "", fmt.Errorf("wiegandtest: card number %d does not fit in 19 bits", cn)
	}
	data := Bits(uint64(fc), 16) + Bits(uint64(cn), 19)
	// Even parity covers wire bits 1–18 (data 0–17), odd covers wire bits
	// 18–35 (data 17–34).
	return withParity(data, 18, 17), nil
}

// Flip returns bits with the bit at index i inverted.
func Flip(bits string, i int) string {
	b := []byte(bits)
	b[i] ^= 1 // '0' <-> '1'
	return string(b)
}

// Corporate 1000 parity masks over the 35-bit frame read as a number (bit 34
// is the first on the wire), written as HID's masks rather than as the
// decoder's position rules so that the two check each other.
const (
	c1kEvenMask = 1<<32 | 0xB6DB6DB6 // covered by the even parity bit (bit 33)
	c1kOddMask  = 3<<32 | 0x6DB6DB6C // covered by the odd parity bit (bit 0)
)

// Corp1000 returns the 35-bit Corporate 1000 frame for company ID company
// (12 bits) and card number cn (20 bits).
func Corp1000(company uint16, cn uint32) (string, error) {
	if company >= 1<<12 || cn >= 1<<20 {
		return "", fmt.Errorf("wiegandtest: company %d or card %d does not fit in 12 and 20 bits", company, cn)
	}
	v := uint64(company)<<21 | uint64(cn)<<1
	v |= uint64(bits.OnesCount64(v&c1kEvenMask)%2) << 33
	v |= uint64(1 - bits.OnesCount64(v&c1kOddMask)%2)
	v |= uint64(1-bits.OnesCount64(v)%2) << 34
	return Bits(v, 35), nil
}
