package rdm6300test

import (
	"path/filepath"
	"testing"
)

func TestCaptureStream_AndTagOf(t *testing.T) {
	c := filepath.Join("..", "..", "..", "testdata", "captures", "rdm630", "em4100_3b0033aaf2_keyfob.sr")
	s, err := CaptureStream(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(s) != "\x023B0033AAF250\x03" || TagOf(c) != "3B0033AAF2" {
		t.Errorf("stream %q, tag %q", s, TagOf(c))
	}
}
