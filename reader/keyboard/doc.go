// Package keyboard reads badges from USB keyboard-wedge readers: readers
// that present themselves as a keyboard and type the badge number followed
// by Enter. It reads the Linux evdev device directly and grabs it
// exclusively (EVIOCGRAB), so a swipe never types into a console or a login
// prompt, and no X server or terminal is needed.
//
// # Wiring and configuration
//
// Plug the reader in and find its stable device link, which survives
// re-plugging and other keyboards:
//
//	ls /dev/input/by-id/   # usb-Sycreader_RFID_Technology_…-event-kbd
//
// stampd needs read access to it (the "input" group, or a udev rule in
// deploy/). Configuration:
//
//	[reader.keyboard]
//	path = "/dev/input/by-id/usb-…-event-kbd"
//	format = "decimal"   # or "hex"
//	layout = "us"        # or "de"
//	length = 10          # exact characters per badge; 0 = any up to max_len
//	key_timeout = "500ms"
//
// Open opens and grabs the device and fails at once on a bad path, or with
// ErrNotEvdev on a file that is not an input device. Run reads until its
// context ends; closing the file on cancel unblocks the read. If the reader
// is unplugged, Run reopens the path with capped exponential backoff and
// jitter (ReopenMin..ReopenMax), and Stats reports Connected, the open count
// and the last error for health checks.
//
// # Decoding
//
// The decoder reads input_event records (struct timeval, type, code, value
// in native byte order; the timeval is 8 bytes on 32-bit ARM and 16 on 64-bit
// platforms, see PlatformTimevalSize) from any io.Reader. Only EV_KEY
// key-down events (value 1) type characters; key-ups (0) and autorepeat (2)
// are ignored, as are EV_SYN, EV_MSC and lock or modifier keys other than
// Shift. Shift gives uppercase letters; shifted digits are symbols and spoil
// the line. Number-row and keypad digits both count. Enter and keypad Enter
// end a line.
//
// Layouts: with LayoutDE (QWERTZ) the keys labelled Y and Z on a US keyboard
// type z and y, and '-' is on the US '/' key. Digits are the same key codes
// in both layouts, and the hex letters A–F do not move, so hex and decimal
// badge numbers decode alike; the layout matters for the text of rejected
// lines in the logs. Layouts that need Shift for digits (French AZERTY) are
// not supported.
//
// # UIDs
//
//	format "hex":     the typed hex digits are the UID bytes ("04a3b2c1" → 04A3B2C1);
//	                  an odd number of digits is rejected, not padded.
//	format "decimal": the typed number, big-endian, left-padded with zero bytes
//	                  to UIDBytes (default 4): "0004567890" → 0045B352, the
//	                  8-hex-digit form of an EM4100 card's 32-bit number.
//	                  Numbers that need more bytes keep them all
//	                  ("12345678901234567890" → AB54A98CEB1F0AD2).
//
// A line is discarded and counted in Stats, never turned into a UID, if it
// holds a key or character the format does not allow (Garbage), is longer than
// MaxLen or reader.MaxUIDLen bytes (Overlong), is not Length characters or is
// odd-length hex (BadLength), was interrupted for more than KeyTimeout
// between keys (TimedOut; the half line is dropped when the next key comes),
// or the kernel reported SYN_DROPPED during it (Dropped). The first discard
// of each kind is logged at warn level, the rest at debug.
//
// If the configured format does not match the reader, a hex reader whose
// output happens to be all digits would be read as a decimal number: set
// format (and length) to match the reader.
package keyboard
