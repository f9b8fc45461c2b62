package keyboard

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"stampclock/reader"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// decodeLines runs a decoder over data to the end and returns the lines.
func decodeLines(t *testing.T, opts Options, data []byte) ([]Line, *Decoder) {
	t.Helper()
	opts.Logger = quiet()
	d, err := NewDecoder(bytes.NewReader(data), opts)
	if err != nil {
		t.Fatal(err)
	}
	var lines []Line
	for {
		l, err := d.Next()
		if errors.Is(err, io.EOF) {
			return lines, d
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		lines = append(lines, l)
	}
}

func uids(lines []Line) []string {
	var out []string
	for _, l := range lines {
		out = append(out, reader.FormatUID(l.UID))
	}
	return out
}

func TestDecoder_Lines(t *testing.T) {
	tests := []struct {
		name  string
		opts  Options
		build func(s *stream)
		want  []string
		stats Stats
	}{
		{
			name:  "decimal em4100",
			build: func(s *stream) { s.typeLine(LayoutUS, "0004567890") },
			want:  []string{"0045B352"},
			stats: Stats{Lines: 1},
		},
		{
			name:  "decimal longer than uid_bytes",
			build: func(s *stream) { s.typeLine(LayoutUS, "12345678901234567890") },
			want:  []string{"AB54A98CEB1F0AD2"},
			stats: Stats{Lines: 1},
		},
		{
			name:  "decimal zero",
			opts:  Options{UIDBytes: 5},
			build: func(s *stream) { s.typeLine(LayoutUS, "0000000000") },
			want:  []string{"0000000000"},
			stats: Stats{Lines: 1},
		},
		{
			name:  "hex lowercase",
			opts:  Options{Format: FormatHex},
			build: func(s *stream) { s.typeLine(LayoutUS, "04a3b2c1d0") },
			want:  []string{"04A3B2C1D0"},
			stats: Stats{Lines: 1},
		},
		{
			name:  "hex uppercase with shift",
			opts:  Options{Format: FormatHex},
			build: func(s *stream) { s.typeLine(LayoutUS, "DEADBEEF") },
			want:  []string{"DEADBEEF"},
			stats: Stats{Lines: 1},
		},
		{
			name: "hex uppercase with right shift held over several keys",
			opts: Options{Format: FormatHex},
			build: func(s *stream) {
				s.down(keyRightShift)
				s.typeText(LayoutUS, "abcdef")
				s.up(keyRightShift)
				s.stroke(keyEnter)
			},
			want:  []string{"ABCDEF"},
			stats: Stats{Lines: 1},
		},
		{
			name:  "hex on german layout",
			opts:  Options{Format: FormatHex, Layout: LayoutDE},
			build: func(s *stream) { s.typeLine(LayoutDE, "0A1B2C3D4E5F") },
			want:  []string{"0A1B2C3D4E5F"},
			stats: Stats{Lines: 1},
		},
		{
			name: "german z key is y: garbage for hex",
			opts: Options{Format: FormatHex, Layout: LayoutDE},
			build: func(s *stream) {
				s.typeLine(LayoutDE, "00y0")
				s.typeLine(LayoutDE, "0011")
			},
			want:  []string{"0011"},
			stats: Stats{Lines: 1, Garbage: 1},
		},
		{
			name: "repeats and key-ups ignored",
			build: func(s *stream) {
				s.down(usKeys['4'])
				s.ev(evKey, usKeys['4'], 2)
				s.ev(evKey, usKeys['4'], 2)
				s.up(usKeys['4'])
				s.up(usKeys['7']) // stray key-up
				s.typeLine(LayoutUS, "2")
			},
			want:  []string{"0000002A"},
			stats: Stats{Lines: 1},
		},
		{
			name: "keypad digits and keypad enter",
			build: func(s *stream) {
				for _, k := range []uint16{79, 80, 81} { // KP1 KP2 KP3
					s.stroke(k)
				}
				s.stroke(keyKPEnter)
			},
			want:  []string{"0000007B"},
			stats: Stats{Lines: 1},
		},
		{
			name: "modifiers and bare enter ignored",
			build: func(s *stream) {
				s.stroke(keyEnter)
				s.stroke(keyNumLock)
				s.typeLine(LayoutUS, "255")
			},
			want:  []string{"000000FF"},
			stats: Stats{Lines: 1},
		},
		{
			name: "overlong line discarded, next line kept",
			build: func(s *stream) {
				s.typeLine(LayoutUS, strings.Repeat("9", 70))
				s.typeLine(LayoutUS, "1")
			},
			want:  []string{"00000001"},
			stats: Stats{Lines: 1, Overlong: 1},
		},
		{
			name: "timeout mid-line drops the half line",
			build: func(s *stream) {
				s.typeText(LayoutUS, "12345")
				s.t += 600 * time.Millisecond
				s.typeLine(LayoutUS, "0004567890")
			},
			want:  []string{"0045B352"},
			stats: Stats{Lines: 1, TimedOut: 1},
		},
		{
			name: "unknown key spoils the line",
			build: func(s *stream) {
				s.typeText(LayoutUS, "12")
				s.stroke(59) // F1
				s.typeLine(LayoutUS, "3")
				s.typeLine(LayoutUS, "7")
			},
			want:  []string{"00000007"},
			stats: Stats{Lines: 1, Garbage: 1},
		},
		{
			name: "shifted digit is a symbol",
			build: func(s *stream) {
				s.typeText(LayoutUS, "1")
				s.down(keyLeftShift)
				s.stroke(usKeys['1'])
				s.up(keyLeftShift)
				s.stroke(keyEnter)
			},
			stats: Stats{Garbage: 1},
		},
		{
			name:  "hex letters in a decimal line",
			build: func(s *stream) { s.typeLine(LayoutUS, "12ab") },
			stats: Stats{Garbage: 1},
		},
		{
			name:  "non-hex letter in a hex line",
			opts:  Options{Format: FormatHex},
			build: func(s *stream) { s.typeLine(LayoutUS, "0g") },
			stats: Stats{Garbage: 1},
		},
		{
			name:  "odd hex length",
			opts:  Options{Format: FormatHex},
			build: func(s *stream) { s.typeLine(LayoutUS, "abc") },
			stats: Stats{BadLength: 1},
		},
		{
			name: "fixed length",
			opts: Options{Length: 10},
			build: func(s *stream) {
				s.typeLine(LayoutUS, "000456789")
				s.typeLine(LayoutUS, "0000000001")
			},
			want:  []string{"00000001"},
			stats: Stats{Lines: 1, BadLength: 1},
		},
		{
			name: "kernel dropped events",
			build: func(s *stream) {
				s.typeText(LayoutUS, "12")
				s.ev(evSyn, synDropped, 0)
				s.typeLine(LayoutUS, "34")
				s.typeLine(LayoutUS, "5")
			},
			want:  []string{"00000005"},
			stats: Stats{Lines: 1, Dropped: 1},
		},
		{
			name:  "hex longer than MaxUIDLen",
			opts:  Options{Format: FormatHex, MaxLen: 80},
			build: func(s *stream) { s.typeLine(LayoutUS, strings.Repeat("ab", 33)) },
			stats: Stats{Overlong: 1},
		},
	}
	for _, tt := range tests {
		for _, tv := range []int{8, 16} {
			t.Run(tt.name, func(t *testing.T) {
				s := newStream(tv)
				tt.build(s)
				opts := tt.opts
				opts.TimevalSize = tv
				lines, d := decodeLines(t, opts, s.bytes())
				if got := uids(lines); strings.Join(got, ",") != strings.Join(tt.want, ",") {
					t.Errorf("timeval %d: UIDs %v, want %v", tv, got, tt.want)
				}
				if got := d.Stats(); got != tt.stats {
					t.Errorf("timeval %d: stats %+v, want %+v", tv, got, tt.stats)
				}
			})
		}
	}
}

func TestDecoder_LineTextAndTime(t *testing.T) {
	s := newStream(PlatformTimevalSize)
	s.typeLine(LayoutUS, "0042")
	lines, _ := decodeLines(t, Options{}, s.bytes())
	if len(lines) != 1 || lines[0].Text != "0042" || lines[0].Time < 1000*time.Second {
		t.Errorf("lines %+v", lines)
	}
}

func TestDecoder_TruncatedEvent(t *testing.T) {
	s := newStream(16)
	s.typeLine(LayoutUS, "1")
	data := s.bytes()
	d, err := NewDecoder(bytes.NewReader(data[:len(data)-5]), Options{TimevalSize: 16, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if l, err := d.Next(); err != nil || l.Text != "1" {
		t.Fatalf("first Next = %+v, %v; want the line before the cut", l, err)
	}
	if _, err := d.Next(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("Next = %v, want ErrUnexpectedEOF", err)
	}
}

func TestKeymap_Layouts(t *testing.T) {
	us, _ := newKeymap(LayoutUS)
	de, _ := newKeymap(LayoutDE)
	tests := []struct {
		m     *keymap
		code  uint16
		shift bool
		want  byte
	}{
		{us, 21, false, 'y'}, {us, 44, false, 'z'}, {de, 21, false, 'z'}, {de, 44, true, 'Y'},
		{us, 12, false, '-'}, {de, 12, false, 0}, {de, 53, false, '-'}, {us, 53, false, 0},
		{de, 2, false, '1'}, {de, 2, true, 0}, {us, 30, true, 'A'}, {us, 82, true, '0'},
		{us, 300, false, 0},
	}
	for _, tt := range tests {
		if got := tt.m.char(tt.code, tt.shift); got != tt.want {
			t.Errorf("code %d shift %v: %q, want %q", tt.code, tt.shift, got, tt.want)
		}
	}
	if _, err := newKeymap("fr"); err == nil {
		t.Error("layout fr accepted")
	}
}

func TestNewDecoder_BadOptions(t *testing.T) {
	for name, opts := range map[string]Options{
		"format":  {Format: "octal"},
		"layout":  {Layout: "fr"},
		"timeval": {TimevalSize: 12},
		"length":  {Length: 100},
	} {
		if _, err := NewDecoder(bytes.NewReader(nil), opts); err == nil {
			t.Errorf("%s: accepted %+v", name, opts)
		}
	}
}
