package pn532

import (
	"bytes"
	"errors"
	"testing"
)

func TestEncodeFrame_ManualExample(t *testing.T) {
	// GetFirmwareVersion as printed in the PN532 user manual.
	want := []byte{0x00, 0x00, 0xFF, 0x02, 0xFE, 0xD4, 0x02, 0x2A, 0x00}
	if got := EncodeFrame(tfiHost, []byte{0x02}); !bytes.Equal(got, want) {
		t.Errorf("% X, want % X", got, want)
	}
}

func TestParseFrame(t *testing.T) {
	info := EncodeFrame(tfiChip, []byte{0x03, 0x32, 0x01, 0x06, 0x07})
	badDCS := bytes.Clone(info)
	badDCS[len(badDCS)-2] ^= 0x01
	badLCS := bytes.Clone(info)
	badLCS[4] ^= 0x01
	for _, tt := range []struct {
		name string
		in   []byte
		kind kind
		data []byte
		used int
		err  error
	}{
		{"info", info, kindInfo, []byte{0x03, 0x32, 0x01, 0x06, 0x07}, len(info) - 1, nil},
		{"garbage first", append([]byte{0x55, 0x12}, info...), kindInfo, []byte{0x03, 0x32, 0x01, 0x06, 0x07}, len(info) + 1, nil},
		{"ack", ackFrame, kindAck, nil, 5, nil},
		{"nack", nackFrame, kindNack, nil, 5, nil},
		{"error frame", []byte{0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00}, kindError, nil, 7, nil},
		{"short", info[:7], 0, nil, 1, errShort},
		{"no start", []byte{0x00, 0x00, 0x00}, 0, nil, 2, errShort},
		{"bad dcs", badDCS, 0, nil, len(info) - 1, ErrChecksum},
		{"bad lcs", badLCS, 0, nil, 3, ErrChecksum},
		{"empty frame", []byte{0x00, 0x00, 0xFF, 0x00, 0x00, 0x00}, 0, nil, 5, ErrFrame},
	} {
		k, _, data, used, err := parseFrame(tt.in)
		if !errors.Is(err, tt.err) || (err == nil && (k != tt.kind || !bytes.Equal(data, tt.data))) || used != tt.used {
			t.Errorf("%s: kind %d data % X used %d err %v; want kind %d data % X used %d err %v", tt.name, k, data, used, err, tt.kind, tt.data, tt.used, tt.err)
		}
	}
}

func FuzzParseFrame(f *testing.F) {
	f.Add(EncodeFrame(tfiChip, []byte{0x4B, 0x01, 0x01, 0x00, 0x04, 0x08, 0x04, 0xDE, 0xAD, 0xBE, 0xEF}))
	f.Add(ackFrame)
	f.Add([]byte{0x00, 0xFF, 0x05, 0xFB})
	f.Fuzz(func(t *testing.T, b []byte) {
		k, tfi, data, used, err := parseFrame(b)
		if used < 0 || used > len(b) {
			t.Fatalf("used %d of %d", used, len(b))
		}
		if err == nil && k == kindInfo {
			// A frame accepted must re-encode to the bytes it came from.
			enc := EncodeFrame(tfi, data)
			if !bytes.Equal(enc[2:len(enc)-1], b[used-len(enc)+3:used]) {
				t.Fatalf("% X parsed as %02X % X", b, tfi, data)
			}
		}
	})
}
