package mfrc522

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/spi"

	"stampclock/reader"
	"stampclock/reader/mfrc522/mfrc522test"
	"stampclock/reader/readertest"
)

var (
	uid4  = []byte{0xDE, 0xAD, 0xBE, 0xEF}
	uid7  = []byte{0x04, 0x52, 0x1A, 0x92, 0x3C, 0x5E, 0x80}
	uid10 = []byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA}
)

func testOptions() Options {
	return Options{
		PollInterval: time.Millisecond,
		AbsentPolls:  3,
		BackoffMin:   time.Millisecond,
		BackoffMax:   4 * time.Millisecond,
		ResetDelay:   time.Millisecond,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// harness runs a Reader against a virtual chip until the test ends.
type harness struct {
	chip *mfrc522test.Chip
	r    *Reader
	taps chan reader.Tap
}

func start(t *testing.T, chip *mfrc522test.Chip, withIRQ bool) *harness {
	t.Helper()
	var irq gpio.PinIn
	if withIRQ {
		irq = chip.IRQ()
	}
	r, err := New(chip, chip.Reset(), irq, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{chip: chip, r: r, taps: make(chan reader.Tap, 16)}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := r.Run(ctx, h.taps); !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		if v := chip.Stats().Violations; v != 0 {
			t.Errorf("driver made %d SPI framing violations", v)
		}
	})
	return h
}

func (h *harness) tap(t *testing.T) reader.Tap {
	t.Helper()
	select {
	case tap := <-h.taps:
		return tap
	case <-time.After(5 * time.Second):
		t.Fatalf("no tap; status %+v", h.r.Status())
		return reader.Tap{}
	}
}

func (h *harness) noTap(t *testing.T) {
	t.Helper()
	select {
	case tap := <-h.taps:
		t.Fatalf("unexpected tap %s", tap.UIDString())
	default:
	}
}

// waitPolls waits until the reader has selected the card n more times.
func (h *harness) waitSelects(t *testing.T, n int) {
	t.Helper()
	base := h.chip.Stats().Selects
	readertest.Eventually(t, "card selects", func() bool { return h.chip.Stats().Selects >= base+n })
}

func (h *harness) waitTransceives(t *testing.T, n int) {
	t.Helper()
	base := h.chip.Stats().Transceives
	readertest.Eventually(t, "polls", func() bool { return h.chip.Stats().Transceives >= base+n })
}

func present(t *testing.T, chip *mfrc522test.Chip, uid []byte) {
	t.Helper()
	if err := chip.Present(mfrc522test.Card{UID: uid}); err != nil {
		t.Fatal(err)
	}
}

func TestRun_UIDSizes_OneExactTap(t *testing.T) {
	for _, mode := range []struct {
		name     string
		irq      bool
		realTime bool
	}{{"polling", false, false}, {"irq", true, false}, {"polling-realtime", false, true}, {"irq-realtime", true, true}} {
		for _, uid := range [][]byte{uid4, uid7, uid10} {
			t.Run(mode.name+"/"+reader.FormatUID(uid), func(t *testing.T) {
				chip := mfrc522test.New()
				chip.SetRealTime(mode.realTime)
				h := start(t, chip, mode.irq)
				present(t, chip, uid)
				tap := h.tap(t)
				if !bytes.Equal(tap.UID, uid) {
					t.Fatalf("tap UID = % X (%d bytes), want % X (%d bytes)", tap.UID, len(tap.UID), uid, len(uid))
				}
				if tap.Source != "mfrc522" || tap.At.IsZero() {
					t.Errorf("tap = %+v", tap)
				}
				h.waitSelects(t, 5)
				h.noTap(t)
				if s := h.r.Status(); !s.OK || s.Taps != 1 || s.Version != 0x92 {
					t.Errorf("status = %+v", s)
				}
			})
		}
	}
}

func TestRun_CardHeldManyPolls_OneTap(t *testing.T) {
	chip := mfrc522test.New()
	h := start(t, chip, false)
	present(t, chip, uid4)
	h.tap(t)
	h.waitSelects(t, 50)
	h.noTap(t)
	if s := chip.Stats(); s.Halts < 50 {
		t.Errorf("card halted %d times, want one HLTA per poll", s.Halts)
	}
}

func TestRun_CardRemovedAndPresentedAgain_SecondTap(t *testing.T) {
	chip := mfrc522test.New()
	h := start(t, chip, false)
	present(t, chip, uid7)
	h.tap(t)
	chip.Remove()
	h.waitTransceives(t, 10) // well over AbsentPolls empty polls
	h.noTap(t)
	present(t, chip, uid7)
	if tap := h.tap(t); !bytes.Equal(tap.UID, uid7) {
		t.Errorf("second tap UID = % X", tap.UID)
	}
}

func TestRun_CardSwappedWithinAbsentPolls_TapsNewCard(t *testing.T) {
	chip := mfrc522test.New()
	h := start(t, chip, false)
	present(t, chip, uid4)
	h.tap(t)
	present(t, chip, uid10) // replaced without a gap
	if tap := h.tap(t); !bytes.Equal(tap.UID, uid10) {
		t.Errorf("tap UID = % X, want % X", tap.UID, uid10)
	}
}

func TestRun_CRCErrorOnSAK_NoWrongUID_StatusShowsIt(t *testing.T) {
	chip := mfrc522test.New()
	h := start(t, chip, false)
	h.waitTransceives(t, 2)
	chip.InjectCRCError(3)
	present(t, chip, uid7)
	if tap := h.tap(t); !bytes.Equal(tap.UID, uid7) {
		t.Fatalf("tap UID = % X, want % X", tap.UID, uid7)
	}
	s := h.r.Status()
	if s.ReadErrors != 3 || !errors.Is(s.LastError, ErrCRC) || !s.OK || s.Reinits != 0 {
		t.Errorf("status = %+v, want 3 read errors, last ErrCRC, OK, no reinit", s)
	}
	h.waitSelects(t, 5)
	h.noTap(t)
}

func TestRun_Collision_NoTapUntilResolved(t *testing.T) {
	chip := mfrc522test.New()
	h := start(t, chip, false)
	chip.InjectCollision(5)
	present(t, chip, uid4)
	if tap := h.tap(t); !bytes.Equal(tap.UID, uid4) {
		t.Fatalf("tap UID = % X", tap.UID)
	}
	if s := h.r.Status(); s.ReadErrors != 5 || !errors.Is(s.LastError, ErrCollision) {
		t.Errorf("status = %+v", s)
	}
}

func TestRun_SPIErrorsWhileCardHeld_RecoverWithoutDuplicateOrWrongTap(t *testing.T) {
	for _, irq := range []bool{false, true} {
		t.Run(map[bool]string{false: "polling", true: "irq"}[irq], func(t *testing.T) {
			chip := mfrc522test.New()
			chip.SetRealTime(true)
			h := start(t, chip, irq)
			present(t, chip, uid10)
			h.tap(t)
			for i := 0; i < 10; i++ { // errors land at varying points of a read
				chip.FailTx(1, nil)
				h.waitTransceives(t, 3+i%4)
			}
			readertest.Eventually(t, "recovery", func() bool { return h.r.Status().OK })
			h.waitSelects(t, 3)
			h.noTap(t)
			s := h.r.Status()
			if s.Reinits == 0 || s.ChipErrors != s.Reinits || !errors.Is(s.LastError, mfrc522test.ErrInjected) {
				t.Errorf("status = %+v, want reinits = chip errors > 0 and last error injected", s)
			}
			if chip.Stats().HardResets == 0 {
				t.Error("re-init did not pulse the reset line")
			}
		})
	}
}

func TestRun_DeadChip_BacksOffThenRecovers(t *testing.T) {
	chip := mfrc522test.New()
	chip.SetDead(true)
	h := start(t, chip, false)
	readertest.Eventually(t, "failed inits", func() bool { return h.r.Status().ChipErrors >= 3 })
	if s := h.r.Status(); s.OK || !errors.Is(s.LastError, ErrNoChip) {
		t.Errorf("status = %+v, want not OK with ErrNoChip", s)
	}
	chip.SetDead(false)
	present(t, chip, uid4)
	if tap := h.tap(t); !bytes.Equal(tap.UID, uid4) {
		t.Errorf("tap UID = % X", tap.UID)
	}
	if s := h.r.Status(); !s.OK || s.Reinits != 1 {
		t.Errorf("status = %+v, want OK after one re-init", s)
	}
}

func TestRun_SecondRun_ErrRunning(t *testing.T) {
	chip := mfrc522test.New()
	h := start(t, chip, false)
	h.waitTransceives(t, 1)
	if err := h.r.Run(context.Background(), h.taps); !errors.Is(err, ErrRunning) {
		t.Errorf("second Run = %v, want ErrRunning", err)
	}
}

func TestNewConn_AlreadyConnected(t *testing.T) {
	chip := mfrc522test.New()
	c, err := chip.Connect(0, spi.Mode0, 8)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewConn(c, chip.Reset(), nil, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	present(t, chip, uid4)
	uid, ok, err := func() ([]byte, bool, error) {
		if _, err := r.initChip(context.Background(), false); err != nil {
			return nil, false, err
		}
		return r.readUID()
	}()
	if err != nil || !ok || !bytes.Equal(uid, uid4) {
		t.Errorf("readUID = % X, %v, %v", uid, ok, err)
	}
}

// fakeHost hands out a virtual chip as the board's hardware.
type fakeHost struct {
	chip *mfrc522test.Chip
	pins map[string]gpio.PinIO
}

func (h fakeHost) Init() error                                 { return nil }
func (h fakeHost) OpenSPI(name string) (spi.PortCloser, error) { return h.chip, nil }
func (h fakeHost) Pin(name string) gpio.PinIO                  { return h.pins[name] }

// resetIO adapts the chip's reset input to gpio.PinIO for fakeHost.
type resetIO struct {
	*mfrc522test.ResetPin
	*mfrc522test.IRQPin
}

func (p resetIO) String() string   { return p.ResetPin.String() }
func (p resetIO) Halt() error      { return nil }
func (p resetIO) Name() string     { return p.ResetPin.Name() }
func (p resetIO) Number() int      { return -1 }
func (p resetIO) Function() string { return "Out" }

func TestOpenHost_LimitsSpeedAndFindsPins(t *testing.T) {
	chip := mfrc522test.New()
	h := fakeHost{chip: chip, pins: map[string]gpio.PinIO{"GPIO25": resetIO{chip.Reset(), chip.IRQ()}}}
	r, err := OpenHost(h, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := chip.Speed(); got != DefaultOptions.SPISpeed {
		t.Errorf("SPI speed = %s, want %s", got, DefaultOptions.SPISpeed)
	}
	if err := r.Close(); err != nil {
		t.Error(err)
	}
	if _, err := OpenHost(h, Options{IRQPin: "GPIO24"}); err == nil {
		t.Error("OpenHost with a missing IRQ pin succeeded")
	}
}

func TestPresence_Observe(t *testing.T) {
	var p presence
	steps := []struct {
		uid     []byte
		present bool
		tap     bool
	}{
		{nil, false, false},
		{uid4, true, true},
		{uid4, true, false},
		{nil, false, false},
		{nil, false, false},
		{uid4, true, false}, // back before AbsentPolls: same presentation
		{nil, true, false},  // unreadable card keeps it
		{nil, false, false},
		{nil, false, false},
		{nil, false, false}, // third miss: gone
		{uid4, true, true},
		{uid7, true, true},
	}
	for i, s := range steps {
		if _, tap := p.observe(s.uid, s.present, 3); tap != s.tap {
			t.Errorf("step %d: tap = %v, want %v", i, tap, s.tap)
		}
	}
}
