// Package pn532 reads ISO 14443A badges (MIFARE, NTAG; 4-, 7- and 10-byte
// UIDs) with an NXP PN532 module over I²C (periph) or over its high-speed
// UART (HSU).
//
// The host speaks the PN532 frame protocol: preamble, start code 00 FF, LEN
// and its checksum LCS, TFI (D4 to the chip, D5 back), data, the data
// checksum DCS, postamble. The chip acknowledges every command with an ACK
// frame before it answers; a host that receives a damaged answer sends a
// NACK and the chip repeats it. Over I²C (address 0x24) every read starts
// with a status byte whose bit 0 says whether a frame is ready; over HSU
// (115200 8N1) the chip is woken from its power-down state with 0x55 and
// zero bytes before the first command.
//
// Set-up: GetFirmwareVersion (to find the chip), SAMConfiguration (normal
// mode, no secure module), RFConfiguration MaxRetries (one passive activation
// attempt, so that a poll without a card returns at once). Then
// InListPassiveTarget for one target at 106 kbps type A is polled every
// PollInterval: the IRQ line is not needed. A card held in the field is one
// tap; it must miss Absent polls in a row to count as gone. Failed commands
// (timeouts, NACK loops, checksum errors) re-initialise the chip with capped
// backoff; Stats and the reader health show them.
//
// Not supported: the extended frame format (answers here are short), more
// than one target, ISO 14443B, FeliCa, card memory access.
package pn532
