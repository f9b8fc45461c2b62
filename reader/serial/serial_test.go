package serial

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"stampclock/reader/serial/serialtest"
)

func TestOpen_PseudoTerminal_RawAndPollable(t *testing.T) {
	p, err := serialtest.New(t.TempDir(), "ttyTEST")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("no pseudo-terminals: %v", err)
		}
		t.Fatal(err)
	}
	defer p.Close()
	f, err := Open(p.Path, 115200)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tio, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if tio.Lflag&(unix.ICANON|unix.ISIG|unix.ECHO) != 0 || tio.Cflag&unix.CSIZE != unix.CS8 || tio.Cflag&unix.PARENB != 0 || tio.Iflag&unix.ICRNL != 0 {
		t.Errorf("termios not raw 8N1: %+v", tio)
	}
	// Control characters (ETX is ^C) arrive as data, not as signals.
	if err := p.Write([]byte{0x03, '\r', 0x11}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 3)
	n := 0
	for n < 3 {
		m, err := f.Read(buf[n:])
		if err != nil {
			t.Fatal(err)
		}
		n += m
	}
	if string(buf) != "\x03\r\x11" {
		t.Errorf("read %q", buf)
	}
	// The file is on the poller: a read deadline ends a read.
	f.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := f.Read(buf); !os.IsTimeout(err) {
		t.Errorf("read past deadline: %v", err)
	}
}

func TestOpen_Errors(t *testing.T) {
	plain := filepath.Join(t.TempDir(), "plain")
	os.WriteFile(plain, nil, 0o600)
	if _, err := Open(plain, 9600); err == nil || !strings.Contains(err.Error(), "not a serial port") {
		t.Errorf("plain file: %v", err)
	}
	if _, err := Open(plain, 1234); err == nil || !strings.Contains(err.Error(), "1234 baud") {
		t.Errorf("1234 baud: %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "none"), 9600); err == nil || !strings.Contains(err.Error(), "none") {
		t.Errorf("missing: %v", err)
	}
}
