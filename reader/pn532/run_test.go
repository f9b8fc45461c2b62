package pn532

import (
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"stampclock/reader"
	"stampclock/reader/pn532/pn532test"
	"stampclock/reader/readertest"
	"stampclock/reader/serial/serialtest"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

var fast = Options{PollInterval: 2 * time.Millisecond, ReinitMin: time.Millisecond, ReinitMax: 10 * time.Millisecond, Logger: quiet()}

// run runs r until the test ends.
func run(t *testing.T, r *Reader) chan reader.Tap {
	t.Helper()
	return readertest.Run(t, r, 8)
}

func recv(t *testing.T, out <-chan reader.Tap) reader.Tap {
	t.Helper()
	return readertest.Recv(t, out, 5*time.Second)
}

// transports runs f on a fresh chip behind I²C and behind HSU on a
// pseudo-terminal.
func transports(t *testing.T, f func(t *testing.T, chip *pn532test.Chip, r *Reader)) {
	t.Run("i2c", func(t *testing.T) {
		chip := pn532test.New()
		r, err := NewI2C(chip.I2C(), fast)
		if err != nil {
			t.Fatal(err)
		}
		f(t, chip, r)
	})
	t.Run("hsu", func(t *testing.T) {
		port, err := serialtest.New(t.TempDir(), "ttyPN532")
		if err != nil {
			if os.Getenv("CI") == "" {
				t.Skipf("no pseudo-terminals: %v", err)
			}
			t.Fatal(err)
		}
		chip := pn532test.New()
		served := make(chan struct{})
		go func() { chip.ServeHSU(port); close(served) }()
		t.Cleanup(func() { port.Close(); <-served })
		opts := fast
		opts.Device = port.Path
		r, err := NewHSU(opts)
		if err != nil {
			t.Fatal(err)
		}
		f(t, chip, r)
	})
}

func TestRun_UIDsOfEveryLength_HeldCardIsOneTap(t *testing.T) {
	transports(t, func(t *testing.T, chip *pn532test.Chip, r *Reader) {
		out := run(t, r)
		for _, uid := range []string{"DEADBEEF", "04521A923C5E80", "04010203040506070809"} {
			b, _ := reader.ParseUID(uid)
			chip.Present(pn532test.Card{UID: b})
			if tap := recv(t, out); tap.UIDString() != uid || tap.Source != "pn532" {
				t.Errorf("tap %s from %s, want %s", tap.UIDString(), tap.Source, uid)
			}
			// Held: many polls, no second tap.
			polls := r.Stats().Polls
			readertest.Eventually(t, "polls while held", func() bool { return r.Stats().Polls > polls+5 })
			chip.Remove()
			readertest.Eventually(t, "card gone", func() bool { return r.Stats().Polls > polls+10 })
		}
		if s := r.Stats(); s.Taps != 3 || !s.OK || s.Firmware != "50.1.6" || len(out) != 0 {
			t.Errorf("stats %+v, %d taps left", s, len(out))
		}
	})
}

func TestRun_DamagedAndLostFrames_Recovered(t *testing.T) {
	transports(t, func(t *testing.T, chip *pn532test.Chip, r *Reader) {
		out := run(t, r)
		readertest.Eventually(t, "chip ready", func() bool { return r.Stats().OK })
		// Two answers damaged on the wire: NACK, and the chip repeats them.
		chip.CorruptAnswers(2)
		readertest.Eventually(t, "NACKs", func() bool { return r.Stats().Nacks >= 2 })
		// Two command frames lost: the driver resends without an ACK.
		chip.DropAcks(2)
		chip.Present(pn532test.Card{UID: []byte{0x04, 0xA1, 0xB2, 0xC3}})
		if tap := recv(t, out); tap.UIDString() != "04A1B2C3" {
			t.Errorf("tap %s", tap.UIDString())
		}
		if s := r.Stats(); s.Errors != 0 || s.Reinits != 0 {
			t.Errorf("recoverable faults counted as failures: %+v", s)
		}
		if s := chip.Stats(); s.Nacks < 2 {
			t.Errorf("chip stats %+v", s)
		}
	})
}

func TestRun_SilentOrDeadChip_ReinitialisedWithBackoff(t *testing.T) {
	transports(t, func(t *testing.T, chip *pn532test.Chip, r *Reader) {
		out := run(t, r)
		readertest.Eventually(t, "chip ready", func() bool { return r.Stats().OK })
		// A command acknowledged but never answered: timeout, set-up again.
		chip.Silence(1)
		readertest.Eventually(t, "reinit after timeout", func() bool { return r.Stats().Reinits >= 1 })
		// The chip dies (power glitch) and comes back asleep with its
		// settings lost: the driver wakes and configures it again.
		chip.SetDead(true)
		readertest.Eventually(t, "failure seen", func() bool { s := r.Stats(); return !s.OK && s.LastErr != "" })
		errs := r.Stats().Errors
		readertest.Eventually(t, "retries", func() bool { return r.Stats().Errors >= errs+2 })
		chip.SetDead(false)
		readertest.Eventually(t, "chip ready again", func() bool { return r.Stats().OK })
		chip.Present(pn532test.Card{UID: []byte{0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66}})
		if tap := recv(t, out); tap.UIDString() != "04112233445566" {
			t.Errorf("tap %s", tap.UIDString())
		}
		if s := r.Stats(); s.LastErr != "" || s.Reinits < 2 {
			t.Errorf("stats after recovery %+v", s)
		}
	})
}

func TestOptions_Validate(t *testing.T) {
	for _, o := range []Options{{Interface: "spi"}, {I2CAddr: 0x80}, {Baud: 1234}, {ReinitMin: time.Second, ReinitMax: time.Millisecond}} {
		if err := o.withDefaults().validate(); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

func TestRun_HSUPortUnpluggedAndBack_Recovers(t *testing.T) {
	port, err := serialtest.New(t.TempDir(), "ttyPN532")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("no pseudo-terminals: %v", err)
		}
		t.Fatal(err)
	}
	chip := pn532test.New()
	serve := func() chan struct{} {
		done := make(chan struct{})
		go func() { chip.ServeHSU(port); close(done) }()
		return done
	}
	served := serve()
	opts := fast
	opts.Device = port.Path
	r, err := NewHSU(opts)
	if err != nil {
		t.Fatal(err)
	}
	out := run(t, r)
	t.Cleanup(func() { port.Close() })
	readertest.Eventually(t, "chip ready", func() bool { return r.Stats().OK })
	if err := port.Unplug(); err != nil {
		t.Fatal(err)
	}
	<-served
	readertest.Eventually(t, "failures while unplugged", func() bool { s := r.Stats(); return !s.OK && s.Errors >= 3 })
	if err := port.Plug(); err != nil {
		t.Fatal(err)
	}
	served = serve()
	t.Cleanup(func() { port.Close(); <-served })
	readertest.Eventually(t, "chip ready again", func() bool { return r.Stats().OK })
	chip.Present(pn532test.Card{UID: []byte{0xDE, 0xAD, 0xBE, 0xEF}})
	if tap := recv(t, out); tap.UIDString() != "DEADBEEF" {
		t.Errorf("tap %s", tap.UIDString())
	}
}
