package rdm6300

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	"stampclock/reader"
	"stampclock/reader/rdm6300/rdm6300test"
)

var captures, _ = filepath.Glob(filepath.Join("..", "..", "testdata", "captures", "rdm630", "*.sr"))

// parseAll feeds stream and returns the UIDs and discard errors in order.
func parseAll(p *Parser, stream []byte) (uids []string, errs []error) {
	for _, b := range stream {
		uid, err := p.Feed(b)
		if err != nil {
			errs = append(errs, err)
		}
		if uid != nil {
			uids = append(uids, reader.FormatUID(uid))
		}
	}
	return uids, errs
}

func TestParser_RealCaptures_UIDIsTheTagInTheName(t *testing.T) {
	if len(captures) != 5 {
		t.Fatalf("%d rdm630 captures, want 5", len(captures))
	}
	for _, c := range captures {
		stream, err := rdm6300test.CaptureStream(c)
		if err != nil {
			t.Fatal(err)
		}
		var p Parser
		uids, errs := parseAll(&p, stream)
		if want := rdm6300test.TagOf(c); len(uids) != 1 || uids[0] != want || len(errs) != 0 {
			t.Errorf("%s: UIDs %v errors %v, want %s", filepath.Base(c), uids, errs, want)
		}
		if s := p.Stats(); s.Frames != 1 || s.Garbage != 0 {
			t.Errorf("%s: stats %+v", filepath.Base(c), s)
		}
		// Our encoder writes what the module wrote.
		uid, _ := reader.ParseUID(rdm6300test.TagOf(c))
		if enc, _ := Encode(uid); !bytes.Equal(enc, stream) {
			t.Errorf("%s: Encode gives %q, the module sent %q", filepath.Base(c), enc, stream)
		}
	}
}

func TestParser_DamagedStreams_DiscardAndResync(t *testing.T) {
	good, _ := Encode([]byte{0x01, 0x07, 0x84, 0xF2, 0x21})
	other, _ := Encode([]byte{0x3B, 0x00, 0x33, 0xAA, 0xF2})
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	badSum := bytes.Clone(good)
	badSum[11] = '0' // checksum 51 -> 01
	flipped := bytes.Clone(good)
	flipped[4] = '8' // data digit changed, checksum now wrong
	nonHex := bytes.Clone(good)
	nonHex[3] = 'G'
	noETX := bytes.Clone(good)
	noETX[13] = 0x0D
	for _, tt := range []struct {
		name    string
		stream  []byte
		uids    []string
		errs    []error
		garbage uint64
	}{
		{"noise then frame", cat([]byte("\xff\x00zz\r\n"), good), []string{"010784F221"}, nil, 6},
		{"crlf between frames", cat(good, []byte("\r\n"), other, []byte("\r\n")), []string{"010784F221", "3B0033AAF2"}, nil, 4},
		{"bad checksum", cat(badSum, other), []string{"3B0033AAF2"}, []error{ErrChecksum}, 0},
		{"flipped data digit", cat(flipped, good), []string{"010784F221"}, []error{ErrChecksum}, 0},
		{"not hex", cat(nonHex, good), []string{"010784F221"}, []error{ErrFrame}, 0},
		{"cut short by STX", cat(good[:7], other), []string{"3B0033AAF2"}, []error{ErrFrame}, 0},
		{"no ETX", cat(noETX, []byte("\x03"), good), []string{"010784F221"}, []error{ErrFrame}, 1},
		{"lowercase hex", []byte("\x020107" + "84f22151\x03"), []string{"010784F221"}, nil, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var p Parser
			uids, errs := parseAll(&p, tt.stream)
			if len(uids) != len(tt.uids) || len(errs) != len(tt.errs) {
				t.Fatalf("UIDs %v errors %v, want %v and %v", uids, errs, tt.uids, tt.errs)
			}
			for i := range uids {
				if uids[i] != tt.uids[i] {
					t.Errorf("UID %d = %s, want %s", i, uids[i], tt.uids[i])
				}
			}
			for i := range errs {
				if !errors.Is(errs[i], tt.errs[i]) {
					t.Errorf("error %d = %v, want %v", i, errs[i], tt.errs[i])
				}
			}
			if s := p.Stats(); s.Garbage != tt.garbage || s.Frames != uint64(len(tt.uids)) {
				t.Errorf("stats %+v, want garbage %d", s, tt.garbage)
			}
		})
	}
}

func TestEncode_WrongLength(t *testing.T) {
	if _, err := Encode([]byte{1, 2, 3, 4}); err == nil {
		t.Error("4-byte UID encoded")
	}
}

func FuzzParser(f *testing.F) {
	good, _ := Encode([]byte{0x01, 0x07, 0x84, 0xF2, 0x21})
	f.Add(good)
	f.Add(append([]byte("\x02012\x02"), good...))
	f.Add([]byte("\x02zzzzzzzzzzzz\x03"))
	f.Fuzz(func(t *testing.T, stream []byte) {
		var p Parser
		for i, b := range stream {
			uid, err := p.Feed(b)
			if uid == nil {
				continue
			}
			// A UID comes only from the 14 bytes just consumed, and
			// they must be its exact frame (up to hex case).
			enc, eerr := Encode(uid)
			if err != nil || eerr != nil || i < 13 || !bytes.EqualFold(stream[i-13:i+1], enc) {
				t.Fatalf("UID %X from %q (err %v)", uid, stream[max(0, i-13):i+1], err)
			}
		}
	})
}
