package iso14443a

import (
	"bytes"
	"testing"
)

func TestCRCA_KnownVectors(t *testing.T) {
	tests := []struct {
		in   []byte
		want []byte
	}{
		{[]byte{0x00, 0x00}, []byte{0xA0, 0x1E}},
		{[]byte{0x12, 0x34}, []byte{0x26, 0xCF}},
		{[]byte{HLTA, 0x00}, []byte{0x57, 0xCD}},
	}
	for _, tt := range tests {
		lo, hi := CRCA(tt.in)
		if got := []byte{lo, hi}; !bytes.Equal(got, tt.want) {
			t.Errorf("CRCA(% X) = % X, want % X", tt.in, got, tt.want)
		}
		if !CheckCRCA(AppendCRCA(append([]byte(nil), tt.in...))) {
			t.Errorf("CheckCRCA(AppendCRCA(% X)) = false", tt.in)
		}
	}
	if CheckCRCA([]byte{0x50, 0x00, 0x57, 0xCE}) {
		t.Error("CheckCRCA accepted a corrupted CRC")
	}
}

func TestBCC(t *testing.T) {
	if got := BCC([]byte{0x88, 0x04, 0x36, 0x52}); got != 0x88^0x04^0x36^0x52 {
		t.Errorf("BCC = %02X", got)
	}
}
