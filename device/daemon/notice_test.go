package daemon

import (
	"bytes"
	"image"
	"sync"
	"testing"
	"time"

	"periph.io/x/devices/v3/ssd1306/image1bit"

	"stampclock/device/feedback/display"
)

// frameLog records the frames drawn on a display.
type frameLog struct {
	mu     sync.Mutex
	frames [][]byte
}

func (f *frameLog) Draw(_ image.Rectangle, src image.Image, _ image.Point) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.frames = append(f.frames, append([]byte(nil), src.(*image1bit.VerticalLSB).Pix...))
	return nil
}

func (f *frameLog) has(pix []byte) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.frames {
		if bytes.Equal(p, pix) {
			return true
		}
	}
	return false
}

func TestShowFingerprint_OnTheDisplay(t *testing.T) {
	fl := &frameLog{}
	out := display.New(fl, display.Options{})
	t.Cleanup(func() { out.Close() })
	d := &Daemon{display: out}
	fp := "3F:A0:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:12:34:56:78:9A:BC:DE:F0:0F:1E:2D:3C:4B:5A"
	d.ShowFingerprint(fp)
	want := display.RenderNotice("HTTPS SHA-256", []string{"3FA0 1122 3344 5566", "7788 99AA BBCC DDEE", "FF00 1234 5678 9ABC", "DEF0 0F1E 2D3C 4B5A"}).Pix
	deadline := time.Now().Add(5 * time.Second)
	for !fl.has(want) {
		if time.Now().After(deadline) {
			t.Fatal("the fingerprint was not drawn")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Without a display, or on plain http (no fingerprint), nothing happens.
	(&Daemon{}).ShowFingerprint(fp)
	d.ShowFingerprint("")
}
