// Package mfrc522test provides a virtual MFRC522 (RC522) reader chip with an
// ISO 14443-3 type A card in its field, for tests and demos.
//
// Chip implements periph's spi.PortCloser and spi.Conn and answers at
// register level as the real chip does: the SPI address byte (bit 7 read,
// bits 6..1 register), the FIFO, CommandReg (Idle, CalcCRC, Transmit,
// Transceive, SoftReset), BitFramingReg (TxLastBits, StartSend), ComIrqReg
// and DivIrqReg with their Set1 semantics, ErrorReg, ControlReg RxLastBits,
// the CRC coprocessor, the timer's TAuto timeout and the IRQ output with
// IRqInv. The card answers REQA/WUPA with ATQA, runs anticollision and
// SELECT on cascade levels 1 to 3 (4-, 7- and 10-byte UIDs, cascade tag
// 0x88, BCC, CRC_A) and obeys HLTA, with the IDLE/READY/ACTIVE/HALT state
// machine of the standard.
//
// Faults can be injected: SPI transfer errors, corrupted CRC_A on the SAK,
// collisions during anticollision, and a dead chip (MISO stuck low).
//
// Not modelled: MIFARE authentication and memory commands, bit-oriented
// anticollision with a partial NVB, more than one card in the field, the
// hardware CRC check on receive (RxCRCEn), analogue settings and timing
// (answers are immediate).
package mfrc522test
