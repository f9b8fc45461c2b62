package pn532test

import (
	"bytes"
	"testing"
)

// tx writes a command frame (if any) and returns what one read gives.
func tx(t *testing.T, b *Bus, w []byte) []byte {
	t.Helper()
	if w != nil {
		if err := b.Tx(Addr, w, nil); err != nil {
			t.Fatal(err)
		}
	}
	r := make([]byte, 32)
	if err := b.Tx(Addr, nil, r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestChip_I2C_FrameProtocol(t *testing.T) {
	c := New()
	b := c.I2C()
	// Nothing pending: status 0.
	if r := tx(t, b, nil); r[0] != 0 {
		t.Fatalf("idle status % X", r)
	}
	// GetFirmwareVersion exactly as printed in the user manual.
	if r := tx(t, b, []byte{0x00, 0x00, 0xFF, 0x02, 0xFE, 0xD4, 0x02, 0x2A, 0x00}); !bytes.Equal(r[:7], append([]byte{0x01}, ack...)) {
		t.Fatalf("ack read % X", r[:7])
	}
	want := []byte{0x01, 0x00, 0x00, 0xFF, 0x06, 0xFA, 0xD5, 0x03, 0x32, 0x01, 0x06, 0x07, 0xE8, 0x00}
	if r := tx(t, b, nil); !bytes.Equal(r[:len(want)], want) {
		t.Fatalf("firmware answer % X, want % X", r[:len(want)], want)
	}
	// A NACK repeats it.
	if r := tx(t, b, []byte{0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00}); !bytes.Equal(r[:len(want)], want) {
		t.Fatalf("after NACK % X", r[:len(want)])
	}
	// A bad data checksum is not acknowledged.
	if r := tx(t, b, []byte{0x00, 0x00, 0xFF, 0x02, 0xFE, 0xD4, 0x02, 0x2B, 0x00}); r[0] != 0 {
		t.Fatalf("bad frame answered % X", r)
	}
	// An unknown command gets the error frame after the ACK.
	tx(t, b, []byte{0x00, 0x00, 0xFF, 0x02, 0xFE, 0xD4, 0x99, 0x93, 0x00})
	if r := tx(t, b, nil); !bytes.Equal(r[1:9], errFrame) {
		t.Fatalf("unknown command answered % X", r[:9])
	}
	// Without MaxRetries the chip searches forever for a card: no answer.
	tx(t, b, []byte{0x00, 0x00, 0xFF, 0x04, 0xFC, 0xD4, 0x4A, 0x01, 0x00, 0xE1, 0x00})
	if r := tx(t, b, nil); r[0] != 0 {
		t.Fatalf("poll without retries answered % X", r)
	}
	if s := c.Stats(); s.Commands != 3 || s.BadFrames != 1 || s.Nacks != 1 || s.Polls != 1 {
		t.Errorf("stats %+v", s)
	}
	if err := b.Tx(0x48, []byte{0}, nil); err == nil {
		t.Error("another address answered")
	}
	c.SetDead(true)
	if err := b.Tx(Addr, nil, make([]byte, 2)); err != ErrDead {
		t.Errorf("dead chip: %v", err)
	}
}

func TestChip_PresentRejectsOddUIDs(t *testing.T) {
	if err := New().Present(Card{UID: []byte{1, 2, 3, 4, 5}}); err == nil {
		t.Error("5-byte UID accepted")
	}
}
