// Package mfrc522 reads badges from an NXP MFRC522 (the common "RC522"
// module) over SPI and yields them as reader.Taps.
//
// It uses periph's driver (periph.io/x/devices/v3/mfrc522/commands) for the
// SPI connection, register access and chip init, and runs its own ISO
// 14443-3 sequence on top: WUPA, anticollision and SELECT on cascade levels
// 1 to 3 (4-, 7- and 10-byte UIDs) with BCC and CRC_A checks, then HLTA.
// periph's high-level Dev.ReadUID is not used: it needs the IRQ line, stops
// at cascade level 2 and busy-waits on the chip.
//
// A card held on the reader is one tap; it taps again only after
// Options.AbsentPolls polls without a card, or when another card replaces
// it. SPI and chip failures re-initialise the chip (hard reset through the
// reset pin) with capped exponential backoff; Run never gives up on them.
// Reader.Status reports health.
//
// The package does not read card memory, authenticate (MIFARE Crypto1),
// resolve collisions between several cards in the field (it waits until one
// is left) or talk to the chip over I²C or UART.
//
// # Wiring (Raspberry Pi, SPI0 CE0)
//
//	RC522   Pi header             Options
//	SDA     pin 24 GPIO8  CE0     SPIPort "SPI0.0" (/dev/spidev0.0)
//	SCK     pin 23 GPIO11 SCLK
//	MOSI    pin 19 GPIO10 MOSI
//	MISO    pin 21 GPIO9  MISO
//	IRQ     pin 18 GPIO24         IRQPin "GPIO24", or leave unwired and ""
//	GND     pin 20
//	RST     pin 22 GPIO25         ResetPin "GPIO25"
//	3.3V    pin 17                (never 5 V)
//
// Enable SPI (dtparam=spi=on). Without IRQ the driver reads the chip's
// interrupt register after each command; with it, it sleeps on the edge
// (configured active low, falling edge). Either way it sends WUPA every
// PollInterval, because a card only answers when asked.
//
// Package mfrc522test holds a virtual chip for tests and demos.
package mfrc522
