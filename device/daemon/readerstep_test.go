package daemon

import "testing"

func TestStatus_ReaderStep(t *testing.T) {
	for _, tc := range []struct {
		h      *ReaderHealth
		ok     bool
		detail string
	}{
		{nil, true, "simulated reader"},
		{&ReaderHealth{OK: true}, true, "answering"},
		{&ReaderHealth{LastError: "spi: no answer"}, false, "not answering: spi: no answer"},
	} {
		ok, detail := Status{ReaderHealth: tc.h}.ReaderStep()
		if ok != tc.ok || detail != tc.detail {
			t.Errorf("%+v: %v %q; want %v %q", tc.h, ok, detail, tc.ok, tc.detail)
		}
	}
}
