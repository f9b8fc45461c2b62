package wiegand

import (
	"errors"
	"strings"
	"testing"

	"stampclock/reader"
	"stampclock/reader/wiegand/wiegandtest"
)

func bitsOf(s string) []byte {
	b := make([]byte, len(s))
	for i := range s {
		b[i] = s[i] - '0'
	}
	return b
}

func TestCorp1000_MatchesHIDMasks_EveryBitFlipCaught(t *testing.T) {
	l, _ := lookupLayout(Corp1000)
	for _, c := range []struct {
		company uint16
		cn      uint32
		uid     string
	}{{0, 0, "0000000000"}, {1, 1, "0001000001"}, {0xFFF, 0xFFFFF, "0FFF0FFFFF"}, {1234, 567890, "04D208AA52"}, {0xAAA, 0x55555, "0AAA055555"}} {
		s, err := wiegandtest.Corp1000(c.company, c.cn)
		if err != nil {
			t.Fatal(err)
		}
		f, err := l.decode(bitsOf(s))
		if err != nil || f.Facility != uint32(c.company) || f.Card != uint64(c.cn) || reader.FormatUID(f.UID) != c.uid {
			t.Errorf("%d/%d (%s): %s fc=%d cn=%d uid=%X, %v; want uid %s", c.company, c.cn, s, f.Format, f.Facility, f.Card, f.UID, err, c.uid)
		}
		// Bit 0 covers the whole frame, so every single flipped bit
		// must fail some rule.
		for i := range 35 {
			if _, err := l.decode(bitsOf(wiegandtest.Flip(s, i))); !errors.Is(err, ErrParity) {
				t.Errorf("%d/%d bit %d flipped: %v, want ErrParity", c.company, c.cn, i, err)
			}
		}
	}
	if _, err := wiegandtest.Corp1000(1<<12, 0); err == nil {
		t.Error("13-bit company accepted")
	}
}

func TestParseLayout_Custom(t *testing.T) {
	frame := wiegandtest.H10306(0x4532, 0x0488)
	for _, tt := range []struct {
		spec, uid string
	}{
		{"name=site34 bits=34 data=1:32 even=0-16 odd=17-33", "45320488"},
		{"name=site34r bits=34 data=1:32 even=0-16 odd=17-33 reverse", "88043245"},
		{"name=noparity bits=34 data=0:34", "008A640910"},
		{"name=cardonly bits=34 data=17:16 odd=17-33", "0488"},
		{"  name=lists   bits=34 data=1:32 even=0,1-16 odd=17-32,33 ", "45320488"},
	} {
		l, err := ParseLayout(tt.spec)
		if err != nil {
			t.Errorf("%q: %v", tt.spec, err)
			continue
		}
		f, err := l.decode(bitsOf(frame))
		if err != nil || reader.FormatUID(f.UID) != tt.uid || f.Format != l.Format() {
			t.Errorf("%q: %s %X, %v; want %s", tt.spec, f.Format, f.UID, err, tt.uid)
		}
	}
	l, _ := ParseLayout("name=site34 bits=34 data=1:32 even=0-16 odd=17-33")
	if _, err := l.decode(bitsOf(wiegandtest.Flip(frame, 20))); !errors.Is(err, ErrParity) || !strings.Contains(err.Error(), "odd parity rule 2") {
		t.Errorf("flipped bit 20: %v, want the odd rule to fail", err)
	}
	for spec, want := range map[string]string{
		"bits=34 data=1:32":                  "required",
		"name=x bits=34":                     "required",
		"name=x bits=4 data=0:4":             "bits=4",
		"name=x bits=34 data=1:34":           "does not fit",
		"name=x bits=34 data=1:32 even=0-40": "beyond 34 bits",
		"name=x bits=34 data=1:32 even=5-2":  "parity positions",
		"name=x bits=34 data=1-32":           "START:LEN",
		"name=x bits=34 data=1:32 crc=1":     "unknown word",
		"name=h10306 bits=34 data=1:32":      "built-in",
		"name=raw bits=34 data=1:32":         "taken",
		"name=x name=y bits=34 data=1:32":    "twice",
	} {
		if _, err := ParseLayout(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseLayout(%q) = %v, want an error containing %q", spec, err, want)
		}
	}
}

func TestFormatSet_LengthClash(t *testing.T) {
	l, err := ParseLayout("name=site34 bits=34 data=1:32")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewDecoder(Options{D0: 0, D1: 1, Formats: []Format{H10306}, Custom: []Layout{l}}); err == nil || !strings.Contains(err.Error(), "both have 34 bits") {
		t.Errorf("h10306 and a 34-bit custom layout: %v", err)
	}
	if _, err := NewDecoder(Options{D0: 0, D1: 1, Custom: []Layout{l}, RawBits: []int{34}}); err == nil {
		t.Error("custom layout and raw length 34 accepted together")
	}
	if _, err := ParseFormat("corp1000"); err != nil {
		t.Error(err)
	}
}
