// Package serial opens a serial port (a UART, a USB adapter, a
// pseudo-terminal) in raw mode with termios through golang.org/x/sys/unix:
// 8 data bits, no parity, one stop bit, no flow control, modem lines
// ignored. The file is non-blocking, so reads go through Go's poller: Close
// interrupts a blocked read and read deadlines work.
package serial

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Bauds maps the supported rates to their termios speed constants.
var Bauds = map[int]uint32{
	2400: unix.B2400, 4800: unix.B4800, 9600: unix.B9600, 19200: unix.B19200,
	38400: unix.B38400, 57600: unix.B57600, 115200: unix.B115200,
}

// Open opens path non-blocking and sets it to raw 8N1 at baud. Errors name
// the path.
func Open(path string, baud int) (*os.File, error) {
	speed, ok := Bauds[baud]
	if !ok {
		return nil, fmt.Errorf("serial: %d baud not supported", baud)
	}
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("serial: open %s: %w", path, err)
	}
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("serial: %s is not a serial port: %w", path, err)
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB | unix.CSTOPB | unix.CRTSCTS | unix.CBAUD
	t.Cflag |= unix.CS8 | unix.CREAD | unix.CLOCAL | speed
	t.Ispeed, t.Ospeed = speed, speed
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("serial: set %s to %d 8N1: %w", path, baud, err)
	}
	// Drop whatever arrived before we were listening.
	_ = unix.IoctlSetInt(fd, unix.TCFLSH, unix.TCIFLUSH)
	return os.NewFile(uintptr(fd), path), nil
}
