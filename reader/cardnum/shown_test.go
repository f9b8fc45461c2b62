package cardnum

import (
	"fmt"
	"strings"
	"testing"
)

func TestShownEM_CaptureTagsShownAsPrinted(t *testing.T) {
	for _, tag := range tags {
		want := tag.decimal + "  " + tag.w26
		// RDM6300 stores five bytes, keyboard-wedge readers four.
		for _, uid := range []string{tag.hex, tag.hex[2:]} {
			if got := ShownEM(uid); got != want {
				t.Errorf("%s shown as %q, want %q", uid, got, want)
			}
		}
		// What is shown reads back to the UID the reader stores.
		dec, w26, _ := strings.Cut(ShownEM(tag.hex), "  ")
		if b, err := Parse(dec, EMDecimal, 4); err != nil || fmt.Sprintf("%X", b) != tag.hex[2:] {
			t.Errorf("%s: decimal %q reads back as %X (%v)", tag.hex, dec, b, err)
		}
		if b, err := Parse(w26, Wiegand26, 3); err != nil || fmt.Sprintf("%X", b) != tag.hex[4:] {
			t.Errorf("%s: %q reads back as %X (%v)", tag.hex, w26, b, err)
		}
	}
	if got := ShownEM("04A1B2C3D4E5F6"); got != "" {
		t.Errorf("a 7-byte UID shown as %q", got)
	}
	if got := ShownEM("not hex"); got != "" {
		t.Errorf("a bad UID shown as %q", got)
	}
}

func TestShownWiegand_FacilityAndCard(t *testing.T) {
	// A 34-bit frame's UID: two bytes facility, two bytes card.
	if got := ShownWiegand("45320488"); got != "17714,1160" {
		t.Errorf("wiegand 45320488 shown as %q", got)
	}
	if got := ShownWiegand("not hex"); got != "" {
		t.Errorf("a bad UID shown as %q", got)
	}
}
