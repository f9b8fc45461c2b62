package cardnum

import (
	"fmt"
	"strings"
	"testing"
)

func TestForReader_CaptureTagsShownAsPrinted(t *testing.T) {
	for _, typ := range []string{"rdm6300", "keyboard"} {
		show := ForReader(typ)
		for _, tag := range tags {
			want := tag.decimal + "  " + tag.w26
			// RDM6300 stores five bytes, keyboard-wedge readers four.
			for _, uid := range []string{tag.hex, tag.hex[2:]} {
				if got := show(uid); got != want {
					t.Errorf("%s %s shown as %q, want %q", typ, uid, got, want)
				}
			}
			// What is shown reads back to the UID the reader stores.
			dec, w26, _ := strings.Cut(show(tag.hex), "  ")
			if b, err := Parse(dec, EMDecimal, 4); err != nil || fmt.Sprintf("%X", b) != tag.hex[2:] {
				t.Errorf("%s: decimal %q reads back as %X (%v)", tag.hex, dec, b, err)
			}
			if b, err := Parse(w26, Wiegand26, 3); err != nil || fmt.Sprintf("%X", b) != tag.hex[4:] {
				t.Errorf("%s: %q reads back as %X (%v)", tag.hex, w26, b, err)
			}
		}
		if got := show("04A1B2C3D4E5F6"); got != "" {
			t.Errorf("%s: a 7-byte UID shown as %q", typ, got)
		}
	}
	// A 34-bit frame's UID: two bytes facility, two bytes card.
	if got := ForReader("wiegand")("45320488"); got != "17714,1160" {
		t.Errorf("wiegand 45320488 shown as %q", got)
	}
	if got := ForReader("wiegand")("not hex"); got != "" {
		t.Errorf("a bad UID shown as %q", got)
	}
	for _, typ := range []string{"mfrc522", "pn532", "sim", ""} {
		if ForReader(typ) != nil {
			t.Errorf("%q: cards print the UID itself, want no conversion", typ)
		}
	}
}
