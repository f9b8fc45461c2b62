package provision

import (
	"testing"

	"stampclock/device/daemon"
)

func TestReaderFromStatus(t *testing.T) {
	for _, tc := range []struct {
		h      *daemon.ReaderHealth
		ok     bool
		detail string
	}{
		{nil, true, "simulated reader"},
		{&daemon.ReaderHealth{OK: true}, true, "answering"},
		{&daemon.ReaderHealth{LastError: "spi: no answer"}, false, "not answering: spi: no answer"},
	} {
		ok, detail := ReaderFromStatus(daemon.Status{ReaderHealth: tc.h})
		if ok != tc.ok || detail != tc.detail {
			t.Errorf("%+v: %v %q; want %v %q", tc.h, ok, detail, tc.ok, tc.detail)
		}
	}
}
