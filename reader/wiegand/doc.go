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
//	h10301    26 bits  even 0–12, FC 1–8 (8),   CN 9–24 (16),  odd 13–25  UID = FC(1) CN(2)
//	h10306    34 bits  even 0–16, FC 1–16 (16), CN 17–32 (16), odd 17–33  UID = FC(2) CN(2)
//	corp1000  35 bits  company 2–13 (12), CN 14–33 (20), three parity bits  UID = company(2) CN(3)
//	h10304    37 bits  even 0–18, FC 1–16 (16), CN 17–35 (19), odd 18–36  UID = FC(2) CN(3)
//	raw       any length listed in RawBits, no parity   UID = all bits, ceil(n/8) bytes
//	custom    a site layout from ParseLayout             UID = its data bits, optionally byte-reversed
//
// For the parity formats the UID is the facility code followed by the card
// number, each big-endian in the fewest whole bytes that hold its field, with
// the parity bits left out; so FC 18, CN 13398 in 26 bits is 12 3456 and reads
// "123456" (reader.FormatUID), and the printed FC and CN stay visible in the
// hex. A raw frame is read as one big-endian number, right-aligned (leading
// zero bits pad the first byte): 12 bits 1011 1111 1111 give "0BFF".
//
// # Worked example: a real capture
//
// testdata/captures/wiegand/wiegand-8a640910.sr is a logic-analyzer recording
// of a 13.56 MHz reader with Wiegand output presenting one tag, which sends
// the same 34-bit frame twice, 570ms apart (pulses about 400µs, bits 2.35ms
// apart):
//
//	0 0100010100110010 0000010010001000 0
//	P FC = 0x4532      CN = 0x0488      P
//
// The leading even and trailing odd parity bits both check, so it is a valid
// h10306 frame. What a site sees depends on the configuration:
//
//	formats = ["h10306"] (default)       UID 45320488   FC 17714, CN 1160
//	raw_bits = [34]                      UID 008A640910 (the file's name: the frame
//	                                                     read as a number, parity included)
//	custom "... data=1:32 ... reverse"   UID 88043245
//
// The reversed form explains the tag: 88 is the cascade tag of ISO 14443A,
// 04 the NXP manufacturer code. The reader sends the first cascade level of a
// 7-byte UID (04 32 45 …), least significant byte first, and drops the other
// four bytes; an MFRC522 reading the same tag reports all seven. Sites that
// mix such a reader with MFRC522 terminals cannot match the two for 7-byte
// tags; for 4-byte tags the "reverse" layout yields the MFRC522's UID.
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
// This package does not drive the reader's LED or beeper lines. Layouts
// beyond the built-in ones are described with ParseLayout.
package wiegand
