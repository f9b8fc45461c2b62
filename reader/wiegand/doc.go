// Package wiegand reads badges from Wiegand readers wired to two GPIO lines,
// using the Linux GPIO character device through go-gpiocdev.
//
// # Wiring
//
// A Wiegand reader has two open-collector or 5V push-pull data outputs, DATA0
// (usually green) and DATA1 (usually white), both idle high. Each bit is a
// short low pulse (20–100µs) on DATA0 for a 0 or DATA1 for a 1, about 1–2ms
// apart. The Raspberry Pi's GPIOs are 3.3V: use a level shifter or a
// voltage divider, and common ground. Configure the BCM GPIO numbers:
//
//	[reader.wiegand]
//	chip = "gpiochip0"
//	d0 = 17
//	d1 = 27
//	gap = "25ms"
//	formats = ["h10301", "h10306", "h10304"]
//	raw_bits = []        # e.g. [32] for readers that send a plain serial
//	edges = "falling"    # or "both" to reject glitches by pulse width
//
// Open requests both lines in one request with edge detection and the
// consumer name "stampd", so the kernel numbers the events of both lines in
// one sequence (Seqno). The events are handed to Run, which decodes them with
// a Decoder and sends a reader.Tap per valid frame.
//
// # Framing
//
// The decoder uses only the kernel timestamps and sequence numbers of the
// events. A frame ends when the next event comes more than Gap after the
// previous one, or, for the last frame, when Run's timer sees Gap of silence
// and calls Flush. Tests feed events and call Flush directly.
//
// # Formats and UIDs
//
// Supported layouts (bit 0 is the first on the wire; parity ranges include
// the parity bit):
//
//	h10301  26 bits  even 0–12, FC 1–8 (8),   CN 9–24 (16),  odd 13–25  UID = FC(1) CN(2)
//	h10306  34 bits  even 0–16, FC 1–16 (16), CN 17–32 (16), odd 17–33  UID = FC(2) CN(2)
//	h10304  37 bits  even 0–18, FC 1–16 (16), CN 17–35 (19), odd 18–36  UID = FC(2) CN(3)
//	raw     any length listed in RawBits, no parity   UID = all bits, ceil(n/8) bytes
//
// For the parity formats the UID is the facility code followed by the card
// number, each big-endian in the fewest whole bytes that hold its field, with
// the parity bits left out; so FC 18, CN 13398 in 26 bits is 12 3456 and reads
// "123456" (reader.FormatUID), and the printed FC and CN stay visible in the
// hex. A raw frame is read as one big-endian number, right-aligned (leading
// zero bits pad the first byte): 12 bits 1011 1111 1111 give "0BFF".
//
// # What is thrown away
//
// A frame is discarded, counted in Stats and never turned into a UID when:
// a parity bit is wrong (ErrParity); its length matches no configured format
// (ErrLength, including frames of two badges that came closer than Gap);
// an event was lost, seen as a gap in the sequence numbers or as an overflow
// of Run's event buffer (ErrLost; both frames next to the gap are dropped,
// since the lost edge could have belonged to either); or it looks like noise
// (ErrNoise): fewer than 4 bits, bits closer than MinInterval, overlapping
// pulses, or timestamps going backwards. With EdgesBoth a pulse shorter than
// MinPulse is ignored as a glitch (Stats.Glitches) and the frame survives if
// it is otherwise valid.
//
// Raw formats have no parity, so a raw frame is only as trustworthy as its
// length: configure raw lengths only for readers that send them.
//
// This package does not drive the reader's LED or beeper lines, and it does
// not decode formats beyond the three above (Corporate 1000 and other
// proprietary layouts can be accepted as raw lengths).
package wiegand
