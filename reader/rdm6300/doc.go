// Package rdm6300 reads EM4100 125 kHz badges from an RDM6300 or RDM630
// module on a serial port (on a Raspberry Pi: /dev/serial0, 9600 baud 8N1).
//
// # Wiring
//
// The module's TX pin goes to the Pi's RX (GPIO15, pin 10), ground to
// ground. The module runs on 5V and its TX idles at 5V on some boards: use a
// voltage divider or level shifter. The module never listens, so its RX pin
// stays unconnected. USB serial adapters work too (/dev/ttyUSB0, or better a
// stable /dev/serial/by-id/… link).
//
// # Frames and UIDs
//
// For each tag the module sends 14 bytes: STX (0x02), ten ASCII hex digits
// of the tag's five bytes (a version or customer byte, then the 32-bit
// serial), two hex digits of checksum (the XOR of the five bytes), ETX
// (0x03). The UID is the five bytes, so the tag 01 07 84 F2 21 is stored as
// "010784F221", the number logic-analyzer captures of real modules show
// (testdata/captures/rdm630). With Options.UIDBytes 4 the version byte is
// left out ("0784F221"), which matches keyboard-wedge EM readers. Cards print the same tag as the decimal of the
// last four bytes ("0126153249") or as a 26-bit Wiegand view "132,61985";
// see package cardnum for those forms.
//
// A Parser checks each frame: a wrong checksum, a character that is not a
// hex digit, a missing ETX or a frame cut short by a new STX is discarded and
// counted, and the parser waits for the next STX (resynchronises). Bytes
// between frames (line noise, CR/LF of some clones) are counted as garbage.
//
// # Taps
//
// Depending on the module, a tag held in the field is reported once or its
// frame repeats every few hundred milliseconds. Repeats of the same tag less
// than Options.Silence apart are one tap; a tag is reported again after
// Silence without frames (it left the field) or when another tag is read.
//
// # The port
//
// The port is opened non-blocking and set to raw 8N1 at Options.Baud with
// termios (golang.org/x/sys/unix), so reads go through Go's poller and a
// cancelled Run returns at once. When the port fails or vanishes (a USB
// adapter unplugged), Run closes it and reopens it with capped exponential
// backoff; Stats reports the failures, the last error and whether the port
// is open.
package rdm6300
