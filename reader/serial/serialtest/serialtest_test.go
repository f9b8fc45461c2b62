package serialtest

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

func TestPort_WritesReachTheTerminalSide_UnplugRemovesPath(t *testing.T) {
	p, err := New(t.TempDir(), "ttyTEST")
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
	// And the other way: what the driver writes, the device reads.
	if _, err := f.Write([]byte("\x00\x00\xff")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 3)
	for n := 0; n < 3; {
		m, err := p.Read(got[n:])
		if err != nil {
			t.Fatal(err)
		}
		n += m
	}
	if string(got) != "\x00\x00\xff" {
		t.Errorf("device read %q", got)
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
	if _, err := p.Read(got); err == nil {
		t.Error("read while unplugged succeeded")
	}
	if err := p.Plug(); err != nil {
		t.Fatal(err)
	}
	if err := p.Plug(); err == nil {
		t.Error("plugged twice")
	}
}
