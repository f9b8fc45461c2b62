package wiegand

import (
	"slices"
	"testing"
	"time"

	"github.com/warthog618/go-gpiocdev"

	"stampclock/reader/wiegand/wiegandtest"
)

// Fuzz input: one option byte, then 3 bytes per event:
//
//	b0 bit 0: line (D0/D1); bit 1: rising edge; bit 2: skip a seqno;
//	b1,b2: microseconds since the previous event, big-endian, times 2.
func fuzzEncode(both bool, evs []gpiocdev.LineEvent) []byte {
	opt := byte(0)
	if both {
		opt = 1
	}
	out := []byte{opt}
	prev, seq := evs[0].Timestamp, uint32(0)
	for _, ev := range evs {
		b0 := byte(ev.Offset & 1)
		if ev.Type == gpiocdev.LineEventRisingEdge {
			b0 |= 2
		}
		if ev.Seqno != seq+1 {
			b0 |= 4
		}
		seq = ev.Seqno
		dt := min((ev.Timestamp-prev)/time.Microsecond/2, 0xffff)
		prev = ev.Timestamp
		out = append(out, b0, byte(dt>>8), byte(dt))
	}
	return out
}

func fuzzDecode(data []byte) (both bool, evs []gpiocdev.LineEvent) {
	if len(data) == 0 {
		return false, nil
	}
	both, data = data[0]&1 == 1, data[1:]
	ts, seq := time.Second, uint32(0)
	for ; len(data) >= 3; data = data[3:] {
		seq++
		if data[0]&4 != 0 {
			seq++
		}
		ts += time.Duration(int(data[1])<<8|int(data[2])) * 2 * time.Microsecond
		typ := gpiocdev.LineEventFallingEdge
		if data[0]&2 != 0 {
			typ = gpiocdev.LineEventRisingEdge
		}
		evs = append(evs, gpiocdev.LineEvent{Offset: int(data[0] & 1), Timestamp: ts, Type: typ, Seqno: seq})
	}
	return both, evs
}

func FuzzDecoder(f *testing.F) {
	h37, _ := wiegandtest.H10304(0x0102, 0x12345)
	for _, both := range []bool{false, true} {
		g := wiegandtest.New(wiegandtest.Options{BothEdges: both, Jitter: 300 * time.Microsecond, Seed: 1})
		f.Add(fuzzEncode(both, g.Train(30*time.Millisecond,
			wiegandtest.H10301(0x12, 0x3456), wiegandtest.H10306(0xABCD, 0x1234), h37,
			"11011110101011011011111011101111")))
		f.Add(fuzzEncode(both, g.Frame(wiegandtest.Flip(wiegandtest.H10301(1, 1), 25))))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		both, evs := fuzzDecode(data)
		opts := Options{D0: 0, D1: 1, Formats: DefaultFormats(), RawBits: []int{32}}
		if both {
			opts.Edges = EdgesBoth
		}
		d, err := NewDecoder(opts)
		if err != nil {
			t.Fatal(err)
		}
		check := func(fr Frame, ended bool, err error) {
			if !ended || err != nil {
				return
			}
			bits := make([]byte, len(fr.Bits))
			for i, b := range fr.Bits {
				bits[i] = '0' + b
			}
			// Re-encode the decoded fields independently: a frame with
			// bad parity, or fields taken from the wrong bits, differs.
			var want string
			switch fr.Format {
			case H10301:
				want = wiegandtest.H10301(uint8(fr.Facility), uint16(fr.Card))
			case H10306:
				want = wiegandtest.H10306(uint16(fr.Facility), uint16(fr.Card))
			case H10304:
				want, _ = wiegandtest.H10304(uint16(fr.Facility), uint32(fr.Card))
			case Raw:
				want = string(bits)
				if len(bits) != 32 || !slices.Equal(fr.UID, packBits(fr.Bits)) {
					t.Fatalf("raw frame %s with UID %X", bits, fr.UID)
				}
			default:
				t.Fatalf("unknown format %q", fr.Format)
			}
			if string(bits) != want {
				t.Fatalf("%s frame %s decoded as fc=%d cn=%d (re-encodes to %s)", fr.Format, bits, fr.Facility, fr.Card, want)
			}
			if len(fr.UID) == 0 {
				t.Fatal("empty UID")
			}
		}
		for _, ev := range evs {
			check(d.Feed(ev))
		}
		check(d.Flush())
		s := d.Stats()
		if s.Frames > uint64(len(evs)) {
			t.Fatalf("%d frames from %d events", s.Frames, len(evs))
		}
	})
}

func TestFuzzEncoding_RoundTrip(t *testing.T) {
	g := wiegandtest.New(wiegandtest.Options{})
	evs := g.Frame(wiegandtest.H10301(7, 7))
	frames, errs := decodeAll(t, mustDecoder(t, testOptions()), func() []gpiocdev.LineEvent {
		_, e := fuzzDecode(fuzzEncode(false, evs))
		return e
	}())
	if len(frames) != 1 || len(errs) != 0 || frames[0].Card != 7 {
		t.Errorf("frames %v errors %v", frames, errs)
	}
}
