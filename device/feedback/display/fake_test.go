package display

import (
	"image"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/i2c/i2ctest"
	"periph.io/x/devices/v3/ssd1306/image1bit"
)

// wait is one call to fakeClock.After; the test fires it.
type wait struct {
	d  time.Duration
	ch chan time.Time
}

func (w wait) fire() { w.ch <- time.Time{} }

// fakeClock reports a time the test sets and hands every After call to the
// test instead of waiting.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits chan wait
}

func newFakeClock(now time.Time) *fakeClock {
	return &fakeClock{now: now, waits: make(chan wait, 128)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) set(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	w := wait{d: d, ch: make(chan time.Time, 1)}
	c.waits <- w
	return w.ch
}

func (c *fakeClock) next(t *testing.T) wait {
	t.Helper()
	select {
	case w := <-c.waits:
		return w
	case <-time.After(5 * time.Second):
		t.Fatal("no wait started within 5s")
		return wait{}
	}
}

// recDrawer records every frame drawn. While gate is set, Draw waits for
// it to close first (a slow bus).
type recDrawer struct {
	mu     sync.Mutex
	frames [][]byte
	gate   chan struct{}
	err    error
	halted bool
}

func (d *recDrawer) Draw(r image.Rectangle, src image.Image, sp image.Point) error {
	d.mu.Lock()
	gate := d.gate
	d.mu.Unlock()
	if gate != nil {
		<-gate
	}
	img, ok := src.(*image1bit.VerticalLSB)
	if !ok || r != image.Rect(0, 0, Width, Height) || sp != (image.Point{}) {
		panic("recDrawer: not a full 128x64 image1bit frame")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return d.err
	}
	d.frames = append(d.frames, append([]byte(nil), img.Pix...))
	return nil
}

func (d *recDrawer) Halt() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.halted = true
	return nil
}

func (d *recDrawer) setGate(g chan struct{}) { d.mu.Lock(); d.gate = g; d.mu.Unlock() }
func (d *recDrawer) setErr(err error)        { d.mu.Lock(); d.err = err; d.mu.Unlock() }

func (d *recDrawer) all() [][]byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([][]byte(nil), d.frames...)
}

// waitFrames waits until at least n frames were drawn and returns them.
func (d *recDrawer) waitFrames(t *testing.T, n int) [][]byte {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if f := d.all(); len(f) >= n {
			return f
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d frames drawn, want %d", len(d.all()), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// gddram replays the I²C writes an SSD1306 at 0x3C received and returns its
// display RAM: 8 pages of 128 columns, the layout of image1bit.VerticalLSB.
// It understands what the periph driver sends: command transactions
// (control byte 0x00) that set page and column, and data transactions
// (control byte 0x40) that fill the RAM from there.
func gddram(ops []i2ctest.IO) (ram []byte, on bool) {
	ram = make([]byte, Width*Height/8)
	page, col := 0, 0
	for _, op := range ops {
		if op.Addr != 0x3C || len(op.W) == 0 {
			continue
		}
		body := op.W[1:]
		switch op.W[0] {
		case 0x00:
			for _, c := range body {
				switch c {
				case 0xAE:
					on = false
				case 0xAF:
					on = true
				}
			}
			if len(body) > 0 && body[0] == 0xAF {
				body = body[1:] // the driver wakes a halted panel this way
			}
			if len(body) == 3 && body[0]&0xF8 == 0xB0 && body[1]&0xF0 == 0x00 && body[2]&0xF0 == 0x10 {
				page = int(body[0] & 0x07)
				col = int(body[1]&0x0F | (body[2]&0x0F)<<4)
			}
		case 0x40:
			for _, b := range body {
				if col < Width {
					ram[page*Width+col] = b
				}
				col++
			}
		}
	}
	return ram, on
}

func newTextLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
