package wiegand

import (
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/warthog618/go-gpiocdev"
	"stampclock/reader"
	"stampclock/reader/sigrok"
)

// realCapture is a logic-analyzer recording of a real 13.56 MHz reader with
// Wiegand output presenting one tag twice (probe "0" = DATA0, "1" = DATA1).
var realCapture = filepath.Join("..", "..", "testdata", "captures", "wiegand", "wiegand-8a640910.sr")

// captureEvents returns the capture's edges as the GPIO character device
// reports them for a request of lines 17 (D0) and 27 (D1).
func captureEvents(t *testing.T, both bool) []gpiocdev.LineEvent {
	t.Helper()
	c, err := sigrok.Open(realCapture)
	if err != nil {
		t.Fatal(err)
	}
	d0, err := c.Probe("0")
	if err != nil {
		t.Fatal(err)
	}
	d1, err := c.Probe("1")
	if err != nil {
		t.Fatal(err)
	}
	evs, err := c.LineEvents(map[int]int{d0: 17, d1: 27}, 5*time.Second, both)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestRealCapture_Decoder_EveryFormatChoice(t *testing.T) {
	mirror, err := ParseLayout("name=mifare34 bits=34 data=1:32 even=0-16 odd=17-33 reverse")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		opts    Options
		format  Format
		uid     string
		fc, cn  uint64
		wantErr error
	}{
		// The frames are valid 34-bit H10306 frames: both parity bits
		// check. FC 17714 and CN 1160 are what an access panel would show.
		{name: "default formats", opts: Options{}, format: H10306, uid: "45320488", fc: 17714, cn: 1160},
		{name: "both edges", opts: Options{Edges: EdgesBoth}, format: H10306, uid: "45320488", fc: 17714, cn: 1160},
		// The file's name, 8a640910, is the whole frame read as one
		// number, parity bits included: raw 34 yields it.
		{name: "raw 34", opts: Options{RawBits: []int{34}}, format: Raw, uid: "008A640910"},
		// The 32 data bits reversed byte by byte: 88 04 32 45, the first
		// cascade level of a 7-byte NXP UID (cascade tag 88, then 04 32 45).
		{name: "custom reversed", opts: Options{Custom: []Layout{mirror}}, format: "mifare34", uid: "88043245"},
		{name: "26-bit only", opts: Options{Formats: []Format{H10301}}, wantErr: ErrLength},
		{name: "corp1000 only", opts: Options{Formats: []Format{Corp1000}}, wantErr: ErrLength},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.D0, opts.D1 = 17, 27
			d := mustDecoder(t, opts)
			frames, errs := decodeAll(t, d, captureEvents(t, opts.Edges == EdgesBoth))
			if tt.wantErr != nil {
				if len(frames) != 0 || len(errs) != 2 || !errors.Is(errs[0], tt.wantErr) || !errors.Is(errs[1], tt.wantErr) {
					t.Fatalf("frames %v, errors %v; want two %v", frames, errs, tt.wantErr)
				}
				return
			}
			if len(errs) != 0 || len(frames) != 2 {
				t.Fatalf("frames %v, errors %v; want the two frames the reader sent", frames, errs)
			}
			for _, f := range frames {
				if f.Format != tt.format || reader.FormatUID(f.UID) != tt.uid || uint64(f.Facility) != tt.fc || f.Card != tt.cn {
					t.Errorf("frame %s uid %X fc %d cn %d, want %s %s fc %d cn %d", f.Format, f.UID, f.Facility, f.Card, tt.format, tt.uid, tt.fc, tt.cn)
				}
				// 34 bits about 2.35ms apart, as recorded.
				if dur := f.End - f.Start; dur < 70*time.Millisecond || dur > 90*time.Millisecond {
					t.Errorf("frame spans %v", dur)
				}
			}
			if gap := frames[1].Start - frames[0].Start; gap < 500*time.Millisecond || gap > 650*time.Millisecond {
				t.Errorf("frames %v apart, the capture has them ~570ms apart", gap)
			}
		})
	}
}

func TestRealCapture_DetachedReader_TapsLikeTheGPIOBackend(t *testing.T) {
	at := time.Date(2026, 5, 4, 7, 58, 0, 0, time.UTC)
	r, err := NewDetached(Options{D0: 17, D1: 27, Now: func() time.Time { return at },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range captureEvents(t, false) {
		r.Handle(ev)
	}
	_, out := runReader(t, r)
	for range 2 {
		tap := waitTap(t, out)
		if tap.UIDString() != "45320488" || tap.Source != "wiegand" || !tap.At.Equal(at) {
			t.Errorf("tap %s from %s at %v", tap.UIDString(), tap.Source, tap.At)
		}
	}
	if s := r.Stats(); s.Frames != 2 || s.BadParity+s.BadLength+s.Noise+s.Lost != 0 {
		t.Errorf("stats %+v", s)
	}
}
