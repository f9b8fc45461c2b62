package daemon

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"stampclock/device/clock"
	"stampclock/reader/keyboard"
	"stampclock/reader/mfrc522"
	"stampclock/reader/mfrc522/mfrc522test"
	"stampclock/reader/wiegand"
	"stampclock/reader/wiegand/wiegandtest"
)

// Each hardware driver, on its lowest-layer simulation, feeds a running
// daemon; the shift it stamps must arrive on the Zeiterfassung test server.

// driverShift waits for a start, advances the clock 8 hours, has present
// show the badge again, and checks the entry on the server.
func driverShift(t *testing.T, h *harness, clk *clock.Fake, present func()) {
	t.Helper()
	present()
	h.eventually("start punch", func() bool { return h.status().Taps.Starts == 1 })
	clk.Advance(8 * time.Hour)
	present()
	h.eventually("entry delivered", func() bool { return h.status().QueueDepth.Delivered == 1 })
	got := entryLines(h.zs.Entries())
	if want := maier + " 2026-03-02T08:00:00 2026-03-02T16:00:00"; len(got) != 1 || got[0] != want {
		t.Fatalf("entries %q, want %q", got, want)
	}
	// A poll that failed meanwhile (a command not answered in time on a
	// loaded machine) has the driver set the chip up again: it must end
	// healthy.
	h.eventually("reader healthy", func() bool {
		st := h.status()
		return st.ReaderHealth != nil && st.ReaderHealth.OK
	})
}

func fakeClock() *clock.Fake { return clock.NewFake(time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)) }

func TestDriver_MFRC522VirtualChip_ToDeliveredEntry(t *testing.T) {
	h := newHarness(t)
	chip := mfrc522test.New()
	r, err := mfrc522.New(chip, chip.Reset(), nil, mfrc522.Options{PollInterval: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	clk := fakeClock()
	h.startWith(h.config(""), Options{Clock: clk, Source: r})
	driverShift(t, h, clk, func() {
		taps := h.status().Taps.Taps
		if err := chip.Present(mfrc522test.Card{UID: []byte{0x04, 0xA1, 0xB2, 0xC3}}); err != nil {
			t.Fatal(err)
		}
		h.eventually("tap seen", func() bool { return h.status().Taps.Taps > taps })
		chip.Remove()
		// Several empty polls (each at least one REQA): the card left the field.
		n := chip.Stats().Transceives
		h.eventually("card gone", func() bool { return chip.Stats().Transceives > n+8 })
	})
}

func TestDriver_WiegandPulseTrain_ToDeliveredEntry(t *testing.T) {
	h := newHarness(t)
	r, err := wiegand.NewDetached(wiegand.Options{D0: 17, D1: 27, Gap: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	clk := fakeClock()
	// H10301 facility 18, card 13398 reads as UID 123456.
	h.startWith(h.config("[[badge]]\nuid = \"123456\"\nemail = \"maier@example.com\"\n"), Options{Clock: clk, Source: r})
	g := wiegandtest.New(wiegandtest.Options{D0: 17, D1: 27, Jitter: 200 * time.Microsecond, Seed: 3})
	driverShift(t, h, clk, func() {
		for _, ev := range g.Frame(wiegandtest.H10301(18, 13398)) {
			r.Handle(ev)
		}
		g.Idle(time.Second)
	})
}

// evdev builds the input_event stream a keyboard-wedge reader sends for
// digits and Enter (key down and up for each key).
func evdev(digits string) []byte {
	codes := map[rune]uint16{'1': 2, '2': 3, '3': 4, '4': 5, '5': 6, '6': 7, '7': 8, '8': 9, '9': 10, '0': 11, '\n': 28}
	var buf bytes.Buffer
	put := func(typ, code uint16, value int32) {
		binary.Write(&buf, binary.NativeEndian, syscall.Timeval{Sec: 1_700_000_000})
		binary.Write(&buf, binary.NativeEndian, typ)
		binary.Write(&buf, binary.NativeEndian, code)
		binary.Write(&buf, binary.NativeEndian, value)
	}
	for _, r := range digits + "\n" {
		put(1, codes[r], 1) // EV_KEY down
		put(0, 0, 0)        // SYN_REPORT
		put(1, codes[r], 0) // up
		put(0, 0, 0)
	}
	return buf.Bytes()
}

func TestDriver_KeyboardWedgeEvdevStream_ToDeliveredEntry(t *testing.T) {
	h := newHarness(t)
	fifo := filepath.Join(t.TempDir(), "event-kbd")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// Keep a writer open so the reader never sees the device vanish.
	w, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r, err := keyboard.Open(keyboard.Options{Path: fifo, NoGrab: true, Format: keyboard.FormatDecimal, UIDBytes: 4})
	if err != nil {
		t.Fatal(err)
	}
	clk := fakeClock()
	// Decimal 0004567890 is 0x0045B352.
	h.startWith(h.config("[[badge]]\nuid = \"0045B352\"\nemail = \"maier@example.com\"\n"), Options{Clock: clk, Source: r})
	driverShift(t, h, clk, func() {
		if _, err := w.Write(evdev("0004567890")); err != nil {
			t.Fatal(err)
		}
	})
}
