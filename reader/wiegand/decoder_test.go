package wiegand

import (
	"errors"
	"testing"
	"time"

	"github.com/warthog618/go-gpiocdev"

	"stampclock/reader"
	"stampclock/reader/wiegand/wiegandtest"
)

const gap = 25 * time.Millisecond

func testOptions() Options { return Options{D0: 0, D1: 1} }

// decodeAll feeds evs, flushes, and returns the frames and discard errors in
// order.
func decodeAll(t *testing.T, d *Decoder, evs []gpiocdev.LineEvent) ([]Frame, []error) {
	t.Helper()
	var frames []Frame
	var errs []error
	collect := func(f Frame, ended bool, err error) {
		switch {
		case !ended:
		case err != nil:
			errs = append(errs, err)
		default:
			frames = append(frames, f)
		}
	}
	for _, ev := range evs {
		collect(d.Feed(ev))
	}
	collect(d.Flush())
	if d.Pending() {
		t.Error("decoder still pending after Flush")
	}
	return frames, errs
}

func mustDecoder(t *testing.T, opts Options) *Decoder {
	t.Helper()
	d, err := NewDecoder(opts)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func must37(t *testing.T, fc uint16, cn uint32) string {
	t.Helper()
	s, err := wiegandtest.H10304(fc, cn)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDecoder_ValidFrames_RightUID(t *testing.T) {
	tests := []struct {
		name     string
		bits     string
		format   Format
		fc       uint32
		cn       uint64
		wantUID  string
		rawBits  []int
		formats  []Format
		genOpts  wiegandtest.Options
		decEdges Edges
	}{
		{name: "h10301", bits: wiegandtest.H10301(0x12, 0x3456), format: H10301, fc: 0x12, cn: 0x3456, wantUID: "123456"},
		{name: "h10301 zero", bits: wiegandtest.H10301(0, 0), format: H10301, wantUID: "000000"},
		{name: "h10306", bits: wiegandtest.H10306(0xABCD, 0x1234), format: H10306, fc: 0xABCD, cn: 0x1234, wantUID: "ABCD1234"},
		{name: "h10304", bits: must37(t, 0x0102, 0x7FFFF), format: H10304, fc: 0x0102, cn: 0x7FFFF, wantUID: "010207FFFF"},
		{name: "h10301 jitter", bits: wiegandtest.H10301(200, 54321), format: H10301, fc: 200, cn: 54321, wantUID: "C8D431",
			genOpts: wiegandtest.Options{Jitter: 1500 * time.Microsecond, Seed: 7}},
		{name: "h10301 both edges", bits: wiegandtest.H10301(1, 2), format: H10301, fc: 1, cn: 2, wantUID: "010002",
			genOpts: wiegandtest.Options{BothEdges: true, Jitter: 500 * time.Microsecond, Seed: 3}, decEdges: EdgesBoth},
		{name: "raw 32", bits: "11011110101011011011111011101111", format: Raw, wantUID: "DEADBEEF", rawBits: []int{32}},
		{name: "raw 12 right-aligned", bits: "101111111111", format: Raw, wantUID: "0BFF", rawBits: []int{12}},
		{name: "raw wins over unlisted format", bits: wiegandtest.H10306(1, 1), format: Raw, wantUID: "0200020002",
			rawBits: []int{34}, formats: []Format{H10301}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := testOptions()
			opts.RawBits, opts.Formats, opts.Edges = tt.rawBits, tt.formats, tt.decEdges
			if tt.rawBits != nil && tt.formats == nil {
				opts.Formats = DefaultFormats()
			}
			d := mustDecoder(t, opts)
			g := wiegandtest.New(tt.genOpts)
			frames, errs := decodeAll(t, d, g.Frame(tt.bits))
			if len(errs) != 0 || len(frames) != 1 {
				t.Fatalf("got frames %v, errors %v; want one frame", frames, errs)
			}
			f := frames[0]
			if got := reader.FormatUID(f.UID); got != tt.wantUID {
				t.Errorf("UID %s, want %s", got, tt.wantUID)
			}
			if f.Format != tt.format || f.Facility != tt.fc || f.Card != tt.cn {
				t.Errorf("got %s fc=%d cn=%d, want %s fc=%d cn=%d", f.Format, f.Facility, f.Card, tt.format, tt.fc, tt.cn)
			}
			if len(f.Bits) != len(tt.bits) || f.End <= f.Start {
				t.Errorf("frame has %d bits from %v to %v", len(f.Bits), f.Start, f.End)
			}
			if s := d.Stats(); s.Frames != 1 {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

func TestDecoder_BadParity_DiscardedAndCounted(t *testing.T) {
	frames := map[string]string{
		"h10301": wiegandtest.H10301(0x12, 0x3456),
		"h10306": wiegandtest.H10306(0xABCD, 0x1234),
		"h10304": must37(t, 0x0102, 0x12345),
	}
	for name, bits := range frames {
		for _, i := range []int{0, len(bits) - 1, 3, len(bits) - 4} {
			d := mustDecoder(t, testOptions())
			got, errs := decodeAll(t, d, wiegandtest.New(wiegandtest.Options{}).Frame(wiegandtest.Flip(bits, i)))
			if len(got) != 0 || len(errs) != 1 || !errors.Is(errs[0], ErrParity) {
				t.Errorf("%s bit %d flipped: frames %v, errors %v; want one ErrParity", name, i, got, errs)
			}
			if s := d.Stats(); s.BadParity != 1 || s.Frames != 0 {
				t.Errorf("%s bit %d flipped: stats %+v", name, i, s)
			}
		}
	}
}

func TestDecoder_SeqnoGap_Discarded(t *testing.T) {
	for _, edges := range []Edges{EdgesFalling, EdgesBoth} {
		g := wiegandtest.New(wiegandtest.Options{BothEdges: edges == EdgesBoth})
		first := g.Train(gap*2, wiegandtest.H10301(1, 1))
		second := g.Train(gap*2, wiegandtest.H10301(2, 2))
		third := g.Frame(wiegandtest.H10301(3, 3))
		second = wiegandtest.Drop(second, 10)
		evs := append(append(first, second...), third...)

		opts := testOptions()
		opts.Edges = edges
		d := mustDecoder(t, opts)
		frames, errs := decodeAll(t, d, evs)
		if len(frames) != 2 || frames[0].Card != 1 || frames[1].Card != 3 {
			t.Errorf("%s: frames %v, want cards 1 and 3", edges, frames)
		}
		if len(errs) != 1 || !errors.Is(errs[0], ErrLost) {
			t.Errorf("%s: errors %v, want one ErrLost", edges, errs)
		}
		if s := d.Stats(); s.Lost != 1 {
			t.Errorf("%s: stats %+v", edges, s)
		}
	}
}

func TestDecoder_SeqnoGapBetweenFrames_SpoilsBoth(t *testing.T) {
	// The lost event could have been the last bit of the first frame or
	// the first bit of the second: neither may become a UID.
	g := wiegandtest.New(wiegandtest.Options{})
	evs := g.Train(gap*2, wiegandtest.H10301(1, 1), wiegandtest.H10301(2, 2))
	evs[26].Seqno++ // one event vanished before the second frame
	for i := 27; i < len(evs); i++ {
		evs[i].Seqno++
	}
	frames, errs := decodeAll(t, mustDecoder(t, testOptions()), evs)
	if len(frames) != 0 || len(errs) != 2 {
		t.Errorf("frames %v errors %v; want two discarded frames", frames, errs)
	}
}

func TestDecoder_UAPIv1WithoutSeqno_Decodes(t *testing.T) {
	evs := wiegandtest.New(wiegandtest.Options{}).Frame(wiegandtest.H10301(9, 9))
	for i := range evs {
		evs[i].Seqno, evs[i].LineSeqno = 0, 0
	}
	frames, errs := decodeAll(t, mustDecoder(t, testOptions()), evs)
	if len(frames) != 1 || len(errs) != 0 {
		t.Errorf("frames %v errors %v", frames, errs)
	}
}

func TestDecoder_WrongLength_Discarded(t *testing.T) {
	for _, n := range []int{5, 25, 27, 30, 33, 35, 36, 38, 64, MaxBits + 3} {
		bits := wiegandtest.Bits(0x5555555555555555, min(n, 64))
		for len(bits) < n {
			bits += "1"
		}
		d := mustDecoder(t, testOptions())
		frames, errs := decodeAll(t, d, wiegandtest.New(wiegandtest.Options{}).Frame(bits))
		if len(frames) != 0 || len(errs) != 1 || !errors.Is(errs[0], ErrLength) {
			t.Errorf("%d bits: frames %v errors %v; want one ErrLength", n, frames, errs)
		}
		if s := d.Stats(); s.BadLength != 1 {
			t.Errorf("%d bits: stats %+v", n, s)
		}
	}
}

func TestDecoder_BackToBackFrames_TwoTaps(t *testing.T) {
	g := wiegandtest.New(wiegandtest.Options{Jitter: 300 * time.Microsecond, Seed: 42})
	evs := g.Train(gap+5*time.Millisecond, wiegandtest.H10301(1, 100), wiegandtest.H10306(2, 200))
	frames, errs := decodeAll(t, mustDecoder(t, testOptions()), evs)
	if len(errs) != 0 || len(frames) != 2 || frames[0].Card != 100 || frames[1].Card != 200 {
		t.Errorf("frames %v errors %v; want cards 100 and 200", frames, errs)
	}
}

func TestDecoder_FramesCloserThanGap_MergedAndDiscarded(t *testing.T) {
	g := wiegandtest.New(wiegandtest.Options{})
	evs := g.Train(5*time.Millisecond, wiegandtest.H10301(1, 100), wiegandtest.H10301(1, 101))
	frames, errs := decodeAll(t, mustDecoder(t, testOptions()), evs)
	if len(frames) != 0 || len(errs) != 1 || !errors.Is(errs[0], ErrLength) {
		t.Errorf("frames %v errors %v; want one 52-bit ErrLength", frames, errs)
	}
}

func TestDecoder_Noise(t *testing.T) {
	bits := wiegandtest.H10301(0x12, 0x3456)
	tests := []struct {
		name       string
		edges      Edges
		build      func(g *wiegandtest.Generator) []gpiocdev.LineEvent
		wantFrames int
		wantErr    error
		wantStats  Stats
	}{
		{
			name: "single stray bit",
			build: func(g *wiegandtest.Generator) []gpiocdev.LineEvent {
				return g.Frame("1")
			},
			wantErr:   ErrNoise,
			wantStats: Stats{Noise: 1},
		},
		{
			name: "glitch next to a bit, falling edges",
			build: func(g *wiegandtest.Generator) []gpiocdev.LineEvent {
				evs := g.Glitch(0, 10*time.Millisecond+20*time.Microsecond, 2*time.Microsecond)
				return mergeByTime(g.Frame(bits), evs)
			},
			wantErr:   ErrNoise,
			wantStats: Stats{Noise: 1},
		},
		{
			name: "glitch mid-interval, falling edges",
			build: func(g *wiegandtest.Generator) []gpiocdev.LineEvent {
				evs := g.Glitch(1, 11*time.Millisecond, 2*time.Microsecond)
				return mergeByTime(g.Frame(bits), evs)
			},
			wantErr:   ErrLength,
			wantStats: Stats{BadLength: 1},
		},
		{
			name:  "short glitch, both edges, ignored",
			edges: EdgesBoth,
			build: func(g *wiegandtest.Generator) []gpiocdev.LineEvent {
				evs := g.Glitch(1, 11*time.Millisecond, 2*time.Microsecond)
				return mergeByTime(g.Frame(bits), evs)
			},
			wantFrames: 1,
			wantStats:  Stats{Frames: 1, Glitches: 1},
		},
		{
			name:  "lone glitch, both edges",
			edges: EdgesBoth,
			build: func(g *wiegandtest.Generator) []gpiocdev.LineEvent {
				return g.Glitch(0, 0, 3*time.Microsecond)
			},
			wantStats: Stats{Glitches: 1},
		},
		{
			name:  "overlapping pulses, both edges",
			edges: EdgesBoth,
			build: func(g *wiegandtest.Generator) []gpiocdev.LineEvent {
				evs := g.Glitch(1, 10*time.Millisecond+10*time.Microsecond, 30*time.Microsecond)
				return mergeByTime(g.Frame(bits), evs)
			},
			wantErr:   ErrNoise,
			wantStats: Stats{Noise: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := testOptions()
			opts.Edges = tt.edges
			d := mustDecoder(t, opts)
			g := wiegandtest.New(wiegandtest.Options{BothEdges: tt.edges == EdgesBoth})
			frames, errs := decodeAll(t, d, tt.build(g))
			if len(frames) != tt.wantFrames {
				t.Errorf("frames %v, want %d", frames, tt.wantFrames)
			}
			if tt.wantErr != nil && (len(errs) != 1 || !errors.Is(errs[0], tt.wantErr)) {
				t.Errorf("errors %v, want one %v", errs, tt.wantErr)
			}
			if tt.wantErr == nil && len(errs) != 0 {
				t.Errorf("errors %v, want none", errs)
			}
			if s := d.Stats(); s != tt.wantStats {
				t.Errorf("stats %+v, want %+v", s, tt.wantStats)
			}
		})
	}
}

// mergeByTime interleaves two event lists by timestamp and renumbers the
// sequence as the kernel would have.
func mergeByTime(a, b []gpiocdev.LineEvent) []gpiocdev.LineEvent {
	out := make([]gpiocdev.LineEvent, 0, len(a)+len(b))
	for len(a) > 0 || len(b) > 0 {
		if len(b) == 0 || (len(a) > 0 && a[0].Timestamp <= b[0].Timestamp) {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	for i := range out {
		out[i].Seqno = uint32(i + 1)
	}
	return out
}

func TestDecoder_OtherLinesIgnored(t *testing.T) {
	g := wiegandtest.New(wiegandtest.Options{D0: 5, D1: 6})
	evs := g.Frame(wiegandtest.H10301(1, 1))
	frames, errs := decodeAll(t, mustDecoder(t, testOptions()), evs)
	if len(frames)+len(errs) != 0 {
		t.Errorf("frames %v errors %v from foreign lines", frames, errs)
	}
}

func TestNewDecoder_BadOptions(t *testing.T) {
	tests := map[string]Options{
		"lines unset":        {},
		"negative line":      {D0: -1, D1: 2},
		"unknown format":     {D0: 1, D1: 2, Formats: []Format{"h99999"}},
		"raw clashes":        {D0: 1, D1: 2, Formats: []Format{H10301}, RawBits: []int{26}},
		"raw too long":       {D0: 1, D1: 2, RawBits: []int{MaxBits + 1}},
		"bad edges":          {D0: 1, D1: 2, Edges: "rising"},
		"interval above gap": {D0: 1, D1: 2, Gap: time.Millisecond, MinInterval: 2 * time.Millisecond},
	}
	for name, opts := range tests {
		if _, err := NewDecoder(opts); err == nil {
			t.Errorf("%s: NewDecoder accepted %+v", name, opts)
		}
	}
}

func TestParseFormat(t *testing.T) {
	if f, err := ParseFormat("h10304"); err != nil || f != H10304 {
		t.Errorf("ParseFormat(h10304) = %q, %v", f, err)
	}
	if _, err := ParseFormat("raw"); err == nil {
		t.Error("ParseFormat(raw) accepted")
	}
}
