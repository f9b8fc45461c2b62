package keyboard

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"math/big"
	"strings"
	"testing"
)

func FuzzKeyboardDecoder(f *testing.F) {
	// Small real streams: minimizing large seeds takes the fuzzer longer
	// than fuzzing.
	seeds := []func(s *stream){
		func(s *stream) { s.typeLine(LayoutUS, "042") },
		func(s *stream) { s.typeLine(LayoutUS, "Be") },
		func(s *stream) { s.typeText(LayoutUS, "1"); s.stroke(59); s.stroke(keyKPEnter) },
	}
	for _, tv := range []int{8, 16} {
		for mode, build := range seeds {
			s := newStream(tv)
			build(s)
			f.Add(byte(tv)|byte(mode&1), s.bytes())
		}
	}
	f.Fuzz(func(t *testing.T, mode byte, data []byte) {
		opts := Options{TimevalSize: 16, Logger: quiet(), MaxLen: 40}
		if mode&8 != 0 {
			opts.TimevalSize = 8
		}
		if mode&1 != 0 {
			opts.Format = FormatHex
		}
		if mode&2 != 0 {
			opts.Layout = LayoutDE
		}
		d, err := NewDecoder(bytes.NewReader(data), opts)
		if err != nil {
			t.Fatal(err)
		}
		for {
			l, err := d.Next()
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if len(l.Text) == 0 || len(l.Text) > opts.MaxLen || len(l.UID) == 0 {
				t.Fatalf("line %+v", l)
			}
			// The UID must be exactly the text, re-derived independently.
			if opts.Format == FormatHex {
				want, err := hex.DecodeString(l.Text)
				if err != nil || !bytes.Equal(want, l.UID) {
					t.Fatalf("hex line %q gave UID %X", l.Text, l.UID)
				}
				continue
			}
			if strings.Trim(l.Text, "0123456789") != "" {
				t.Fatalf("decimal line %q", l.Text)
			}
			want, _ := new(big.Int).SetString(l.Text, 10)
			if new(big.Int).SetBytes(l.UID).Cmp(want) != 0 || len(l.UID) < 4 {
				t.Fatalf("decimal line %q gave UID %X", l.Text, l.UID)
			}
		}
	})
}
