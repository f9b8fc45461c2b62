package daemon

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"stampclock/reader/rdm6300"
	"stampclock/reader/rdm6300/rdm6300test"
)

// The RDM6300 driver on a pseudo-terminal, fed with the byte stream of a
// real module's capture, then damaged and unplugged, to a delivered entry.
func TestDriver_RDM6300Pty_RealCaptureStream_ToDeliveredEntry(t *testing.T) {
	h := newHarness(t)
	port, err := rdm6300test.New(t.TempDir())
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("no pseudo-terminals here: %v", err)
		}
		t.Fatal(err)
	}
	defer port.Close()
	capture := filepath.Join("..", "..", "testdata", "captures", "rdm630", "em4100_010784f221_card.sr")
	stream, err := rdm6300test.CaptureStream(capture)
	if err != nil {
		t.Fatal(err)
	}
	clk := fakeClock()
	r, err := rdm6300.Open(rdm6300.Options{Path: port.Path, Now: clk.Now, ReopenMin: time.Millisecond, ReopenMax: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	h.startWith(h.config("[[badge]]\nuid = \"010784F221\"\nemail = \"maier@example.com\"\n"), Options{Clock: clk, Source: r})
	first := true
	driverShift(t, h, clk, func() {
		if first {
			// Noise and a frame with a bad checksum come first.
			bad := append([]byte("\r\n\xff"), stream...)
			bad[len(bad)-3] ^= 0x01
			if err := port.Write(bad); err != nil {
				t.Fatal(err)
			}
			h.eventually("bad frame counted", func() bool { return r.Stats().BadChecksum == 1 })
		} else {
			// The adapter was unplugged during the shift.
			if err := port.Unplug(); err != nil {
				t.Fatal(err)
			}
			h.eventually("port lost", func() bool { return r.Stats().OpenErrors >= 2 })
			if err := port.Plug(); err != nil {
				t.Fatal(err)
			}
			h.eventually("port back", func() bool { s := r.Stats(); return s.Connected && s.Opens == 2 })
		}
		first = false
		if err := port.Write(stream); err != nil {
			t.Fatal(err)
		}
	})
	st := h.status()
	if st.ReaderHealth.Counters["taps"] != 2 || st.ReaderHealth.Counters["bad_checksum"] != 1 {
		t.Errorf("reader health %+v", st.ReaderHealth)
	}
}
