package rdm6300test

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestPort_WritesReachTheTerminalSide_UnplugRemovesPath(t *testing.T) {
	p, err := New(t.TempDir())
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	defer p.Close()
	f, err := os.OpenFile(p.Path, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	tio, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatalf("%s is not a terminal: %v", p.Path, err)
	}
	tio.Lflag &^= unix.ICANON | unix.ECHO | unix.ISIG
	tio.Iflag &^= unix.ICRNL
	if err := unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS, tio); err != nil {
		t.Fatal(err)
	}
	if err := p.Write([]byte("\x02AB\x03")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	n := 0
	for n < 4 {
		m, err := f.Read(buf[n:])
		if err != nil {
			t.Fatal(err)
		}
		n += m
	}
	if string(buf) != "\x02AB\x03" {
		t.Errorf("read %q", buf)
	}
	if err := p.Unplug(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Read(buf); err == nil {
		t.Error("read after unplug succeeded")
	}
	f.Close()
	if _, err := os.Lstat(p.Path); !os.IsNotExist(err) {
		t.Errorf("path after unplug: %v", err)
	}
	if err := p.Write([]byte{1}); err == nil {
		t.Error("write while unplugged succeeded")
	}
	if err := p.Plug(); err != nil {
		t.Fatal(err)
	}
	if err := p.Plug(); err == nil {
		t.Error("plugged twice")
	}
}

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
