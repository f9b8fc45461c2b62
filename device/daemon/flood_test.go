package daemon

import (
	"context"
	"net"
	"testing"
	"time"

	"stampclock/device/control"
	"stampclock/device/feedback"
	"stampclock/device/feedback/feedbacktest"
	"stampclock/reader/mfrc522"
	"stampclock/reader/mfrc522/mfrc522test"
)

// Issue 11, defect 2: while the control socket is flooded with idle
// connections, taps through the reader are still punched, the daemon keeps
// running, and the socket answers again once the flood ends.
func TestDaemon_ControlSocketFlood_ReaderTapsStillPunched(t *testing.T) {
	h := newHarness(t)
	chip := mfrc522test.New()
	r, err := mfrc522.New(chip, chip.Reset(), nil, mfrc522.Options{PollInterval: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	fb := feedbacktest.NewRecorder()
	h.startWith(h.config(""), Options{Clock: fakeClock(), Source: r, Feedback: fb})
	var flood []net.Conn
	defer func() {
		for _, c := range flood {
			c.Close()
		}
	}()
	for i := 0; i < 1100; i++ {
		c, err := net.Dial("unix", h.socket)
		if err != nil {
			t.Fatalf("flood connection %d: %v", i, err)
		}
		flood = append(flood, c)
	}
	if err := chip.Present(mfrc522test.Card{UID: []byte{0x04, 0xA1, 0xB2, 0xC3}}); err != nil {
		t.Fatal(err)
	}
	h.eventually("start punched during the flood", func() bool {
		for _, k := range fb.Kinds() {
			if k == feedback.StartOK {
				return true
			}
		}
		return false
	})
	select {
	case err := <-h.done:
		t.Fatalf("daemon stopped during the flood: %v", err)
	default:
	}
	for _, c := range flood {
		c.Close()
	}
	flood = nil
	h.eventually("socket answers after the flood", func() bool {
		return control.Call(context.Background(), h.socket, "status", nil, nil) == nil
	})
	if st := h.status(); st.Taps.Starts != 1 {
		t.Fatalf("starts = %d, want 1", st.Taps.Starts)
	}
}
