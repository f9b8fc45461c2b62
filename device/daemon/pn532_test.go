package daemon

import (
	"os"
	"testing"
	"time"

	"stampclock/device/clock"
	"stampclock/reader/pn532"
	"stampclock/reader/pn532/pn532test"
	"stampclock/reader/serial/serialtest"
)

const maier7 = "[[badge]]\nuid = \"04112233445566\"\nemail = \"maier@example.com\"\n"

// pn532Shift presents a 7-byte card for the start and the stop of a shift;
// between them the card leaves the field for a few polls. Damaged answers
// and a lost command frame on the way must not cost the entry.
func pn532Shift(t *testing.T, h *harness, clk *clock.Fake, chip *pn532test.Chip, r *pn532.Reader) {
	t.Helper()
	driverShift(t, h, clk, func() {
		chip.CorruptAnswers(1)
		chip.DropAcks(1)
		taps := h.status().Taps.Taps
		if err := chip.Present(pn532test.Card{UID: []byte{0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66}}); err != nil {
			t.Fatal(err)
		}
		h.eventually("tap seen", func() bool { return h.status().Taps.Taps > taps })
		chip.Remove()
		polls := r.Stats().Polls
		h.eventually("card gone", func() bool { return r.Stats().Polls > polls+4 })
	})
	if s := chip.Stats(); s.Nacks < 2 {
		t.Errorf("chip stats %+v: the damaged answers were not asked for again", s)
	}
}

func TestDriver_PN532VirtualChipI2C_ToDeliveredEntry(t *testing.T) {
	h := newHarness(t)
	chip := pn532test.New()
	r, err := pn532.NewI2C(chip.I2C(), pn532.Options{PollInterval: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	clk := fakeClock()
	h.startWith(h.config(maier7), Options{Clock: clk, Source: r})
	pn532Shift(t, h, clk, chip, r)
}

func TestDriver_PN532VirtualChipHSU_ToDeliveredEntry(t *testing.T) {
	h := newHarness(t)
	port, err := serialtest.New(t.TempDir(), "ttyPN532")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("no pseudo-terminals here: %v", err)
		}
		t.Fatal(err)
	}
	chip := pn532test.New()
	served := make(chan struct{})
	go func() { chip.ServeHSU(port); close(served) }()
	t.Cleanup(func() { port.Close(); <-served })
	r, err := pn532.NewHSU(pn532.Options{Device: port.Path, PollInterval: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	clk := fakeClock()
	h.startWith(h.config(maier7), Options{Clock: clk, Source: r})
	pn532Shift(t, h, clk, chip, r)
}
