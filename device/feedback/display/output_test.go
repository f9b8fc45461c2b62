package display

import (
	"bytes"
	"errors"
	"image"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/i2c/i2ctest"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/devices/v3/ssd1306"

	"stampclock/device/feedback"
	"stampclock/internal/syncbuf"
)

var idleNow = time.Date(2025, 7, 1, 7, 4, 30, 0, time.UTC) // 09:04:30 CEST

func newTestOutput(t *testing.T, d Drawer, opts Options) (*Output, *fakeClock) {
	t.Helper()
	clock := newFakeClock(idleNow)
	opts.Clock = clock
	if opts.Location == nil {
		opts.Location = cest
	}
	o := New(d, opts)
	t.Cleanup(func() { _ = o.Close() })
	return o, clock
}

func TestOutput_ShowsEventThenReturnsToIdle(t *testing.T) {
	d := &recDrawer{}
	o, clock := newTestOutput(t, d, Options{Hold: 3 * time.Second})

	if w := clock.next(t); w.d != 30*time.Second {
		t.Errorf("idle waits %v for the next minute, want 30s", w.d)
	}
	frames := d.waitFrames(t, 1)
	if !bytes.Equal(frames[0], RenderIdle(idleNow, cest, German).Pix) {
		t.Error("first frame is not the idle clock")
	}

	ev := feedback.Event{Kind: feedback.StartOK, Name: "Anna", At: tapAt}
	o.Show(ev)
	hold := clock.next(t)
	if hold.d != 3*time.Second {
		t.Errorf("event held %v, want 3s", hold.d)
	}
	frames = d.waitFrames(t, 2)
	if !bytes.Equal(frames[1], Render(ev, cest, German).Pix) {
		t.Error("second frame is not the event")
	}

	later := idleNow.Add(45 * time.Second) // 09:05:15
	clock.set(later)
	hold.fire()
	if w := clock.next(t); w.d != 45*time.Second {
		t.Errorf("idle waits %v for the next minute, want 45s", w.d)
	}
	frames = d.waitFrames(t, 3)
	if !bytes.Equal(frames[2], RenderIdle(later, cest, German).Pix) {
		t.Error("third frame is not the idle clock at 09:05")
	}
}

func TestOutput_IdleClockFollowsTheMinute(t *testing.T) {
	d := &recDrawer{}
	_, clock := newTestOutput(t, d, Options{Lang: English})
	tick := clock.next(t)
	next := idleNow.Truncate(time.Minute).Add(time.Minute)
	clock.set(next)
	tick.fire()
	if w := clock.next(t); w.d != time.Minute {
		t.Errorf("next tick in %v, want 1m", w.d)
	}
	frames := d.waitFrames(t, 2)
	if !bytes.Equal(frames[1], RenderIdle(next, cest, English).Pix) {
		t.Error("idle clock not redrawn for the new minute")
	}
}

func TestOutput_ZeroAtUsesClock(t *testing.T) {
	d := &recDrawer{}
	o, clock := newTestOutput(t, d, Options{})
	clock.next(t)
	o.Show(feedback.Event{Kind: feedback.StopOK, Name: "Anna"})
	clock.next(t)
	frames := d.waitFrames(t, 2)
	want := Render(feedback.Event{Kind: feedback.StopOK, Name: "Anna", At: idleNow}, cest, German)
	if !bytes.Equal(frames[1], want.Pix) {
		t.Error("event without At not shown with the clock's time")
	}
}

func TestShow_DoesNotBlockOnSlowDrawer(t *testing.T) {
	d := &recDrawer{}
	gate := make(chan struct{})
	d.setGate(gate) // every Draw hangs until the gate opens
	o, _ := newTestOutput(t, d, Options{})

	start := time.Now()
	for i := range 1000 {
		o.Show(feedback.Event{Kind: allKinds[i%len(allKinds)], Name: "stale", At: tapAt})
	}
	latest := feedback.Event{Kind: feedback.UnknownBadge, UID: "DEADBEEF", At: tapAt}
	o.Show(latest)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("1001 Show calls took %v with a hung display", d)
	}

	d.setGate(nil)
	close(gate)
	d.waitFrames(t, 2)
	time.Sleep(20 * time.Millisecond) // let any stale frame show up
	frames := d.all()
	if len(frames) != 2 {
		t.Fatalf("%d frames drawn, want 2 (idle, latest event): stale events were drawn", len(frames))
	}
	if !bytes.Equal(frames[1], Render(latest, cest, German).Pix) {
		t.Error("the frame after the slow draw is not the latest event")
	}
}

func TestShow_RealTimeSlowDrawerDoesNotDelayCaller(t *testing.T) {
	// No fake clock here: a drawer that takes 200 ms per frame, like a
	// sluggish I²C bus, and Show timed with the real clock.
	d := slowDrawer{delay: 200 * time.Millisecond}
	o := New(d, Options{Location: time.UTC})
	defer o.Close()
	for range 5 {
		start := time.Now()
		o.Show(feedback.Event{Kind: feedback.StartOK, Name: "Anna"})
		if took := time.Since(start); took > 50*time.Millisecond {
			t.Fatalf("Show took %v", took)
		}
	}
}

type slowDrawer struct{ delay time.Duration }

func (s slowDrawer) Draw(image.Rectangle, image.Image, image.Point) error {
	time.Sleep(s.delay)
	return nil
}

func TestClose_BlanksAndHalts(t *testing.T) {
	d := &recDrawer{}
	o, clock := newTestOutput(t, d, Options{})
	clock.next(t)
	o.Show(feedback.Event{Kind: feedback.StartOK, At: tapAt})
	clock.next(t)
	d.waitFrames(t, 2)
	if err := o.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	frames := d.all()
	if last := frames[len(frames)-1]; !bytes.Equal(last, make([]byte, len(last))) {
		t.Error("last frame after Close is not blank")
	}
	if !d.halted {
		t.Error("display not halted")
	}
	n := len(frames)
	o.Show(feedback.Event{Kind: feedback.Error}) // must not block or draw
	if err := o.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	time.Sleep(10 * time.Millisecond)
	if len(d.all()) != n {
		t.Error("frame drawn after Close")
	}
}

func TestDraw_FailureLoggedOnceThenCounted(t *testing.T) {
	var logs syncbuf.Buffer
	d := &recDrawer{err: errors.New("i2c: nack")}
	o, clock := newTestOutput(t, d, Options{Logger: newTextLogger(&logs)})
	clock.next(t)
	for range 3 {
		o.Show(feedback.Event{Kind: feedback.StartOK, At: tapAt})
		clock.next(t)
	}
	d.setErr(nil)
	o.Show(feedback.Event{Kind: feedback.StopOK, At: tapAt})
	clock.next(t)
	d.waitFrames(t, 1)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "works again") && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	got := logs.String()
	if n := strings.Count(got, "level=WARN"); n != 1 {
		t.Errorf("%d warnings, want 1:\n%s", n, got)
	}
	if !strings.Contains(got, "failures=4") {
		t.Errorf("recovery line lacks the count of 4 failures:\n%s", got)
	}
}

// The real periph SSD1306 driver on a recording I²C bus: init and draws
// run for real, and the bytes it sends are replayed into a model of the
// panel's RAM, which must then hold exactly the rendered frames.
func TestNewI2C_RealDriverDrawsFramesOnBus(t *testing.T) {
	bus := &i2ctest.Record{}
	clock := newFakeClock(idleNow)
	o, err := NewI2C(bus, Options{Clock: clock, Location: cest})
	if err != nil {
		t.Fatalf("NewI2C: %v", err)
	}
	defer o.Close()

	ops := func() []i2ctest.IO {
		bus.Lock()
		defer bus.Unlock()
		return append([]i2ctest.IO(nil), bus.Ops...)
	}
	waitRAM := func(want []byte, what string) []i2ctest.IO {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			got := ops()
			if ram, on := gddram(got); on && bytes.Equal(ram, want) {
				return got
			}
			if time.Now().After(deadline) {
				t.Fatalf("panel RAM never showed the %s (%d transactions)", what, len(got))
			}
			time.Sleep(time.Millisecond)
		}
	}

	first := ops()[0]
	if first.Addr != 0x3C || len(first.W) < 2 || first.W[0] != 0x00 || first.W[1] != 0xAE {
		t.Fatalf("first transaction %+v, want the init commands to 0x3C", first)
	}

	clock.next(t)
	waitRAM(RenderIdle(idleNow, cest, German).Pix, "idle clock")

	ev := feedback.Event{Kind: feedback.UnknownBadge, UID: "04A1B2C3", At: tapAt}
	o.Show(ev)
	clock.next(t)
	all := waitRAM(Render(ev, cest, German).Pix, "unknown badge frame")
	data := 0
	for _, op := range all {
		if len(op.W) > 0 && op.W[0] == 0x40 {
			data++
		}
	}
	if data == 0 {
		t.Fatal("no data transactions")
	}

	if err := o.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ram, on := gddram(ops())
	if on || !bytes.Equal(ram, make([]byte, len(ram))) {
		t.Errorf("after Close: panel on=%t, RAM blank=%t; want off and blank", on, bytes.Equal(ram, make([]byte, len(ram))))
	}
}

func TestNewI2C_RefusesOtherPanelSizes(t *testing.T) {
	_, err := NewI2C(&i2ctest.Record{}, Options{Panel: ssd1306.Opts{W: 128, H: 32}})
	if !errors.Is(err, ErrPanelSize) {
		t.Fatalf("NewI2C 128x32: %v, want ErrPanelSize", err)
	}
}

type failBus struct{ err error }

func (failBus) String() string                    { return "failbus" }
func (b failBus) Tx(uint16, []byte, []byte) error { return b.err }
func (failBus) SetSpeed(physic.Frequency) error   { return nil }

func TestNewI2C_BusErrorIsWrapped(t *testing.T) {
	boom := errors.New("remote I/O error")
	_, err := NewI2C(failBus{err: boom}, Options{})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "display: init ssd1306 on failbus") {
		t.Fatalf("NewI2C on a failing bus: %v", err)
	}
}
