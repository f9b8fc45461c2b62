package mfrc522test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/devices/v3/mfrc522"
	"periph.io/x/devices/v3/mfrc522/commands"
)

func readReg(t *testing.T, c spi.Conn, addr byte) byte {
	t.Helper()
	r := make([]byte, 2)
	if err := c.Tx([]byte{0x80 | addr<<1, 0}, r); err != nil {
		t.Fatalf("read %#02x: %v", addr, err)
	}
	return r[1]
}

func writeReg(t *testing.T, c spi.Conn, addr byte, v ...byte) {
	t.Helper()
	if err := c.Tx(append([]byte{addr << 1}, v...), nil); err != nil {
		t.Fatalf("write %#02x: %v", addr, err)
	}
}

func connect(t *testing.T, chip *Chip) spi.Conn {
	t.Helper()
	c, err := chip.Connect(10*physic.MegaHertz, spi.Mode0, 8)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestChip_RegisterFraming(t *testing.T) {
	chip := New()
	c := connect(t, chip)
	if v := readReg(t, c, regVersion); v != 0x92 {
		t.Errorf("VersionReg = %#02x, want 0x92", v)
	}
	// Burst read: each MOSI byte addresses the next MISO byte.
	r := make([]byte, 3)
	if err := c.Tx([]byte{0x80 | regVersion<<1, 0x80 | regTxControl<<1, 0}, r); err != nil {
		t.Fatal(err)
	}
	if r[1] != 0x92 || r[2] != 0x80 {
		t.Errorf("burst read = % X, want xx 92 80", r)
	}
	// Multi-byte write to the FIFO, then read the level and data back.
	writeReg(t, c, regFIFOData, 1, 2, 3)
	if n := readReg(t, c, regFIFOLevel); n != 3 {
		t.Errorf("FIFOLevelReg = %d, want 3", n)
	}
	if b := readReg(t, c, regFIFOData); b != 1 {
		t.Errorf("FIFO first byte = %d, want 1", b)
	}
	writeReg(t, c, regFIFOLevel, 0x80) // FlushBuffer
	if n := readReg(t, c, regFIFOLevel); n != 0 {
		t.Errorf("FIFOLevelReg after flush = %d, want 0", n)
	}
	// ComIrqReg Set1 semantics.
	writeReg(t, c, regComIrq, 0x7F)
	writeReg(t, c, regComIrq, 0x80|irqRx)
	if v := readReg(t, c, regComIrq); v != irqRx {
		t.Errorf("ComIrqReg = %#02x, want %#02x", v, irqRx)
	}
	// Soft reset restores defaults.
	writeReg(t, c, regTMode, 0x8D)
	writeReg(t, c, regCommand, cmdSoftReset)
	if v := readReg(t, c, regTMode); v != 0 {
		t.Errorf("TModeReg after soft reset = %#02x, want 0", v)
	}
	if chip.Stats().Violations != 0 {
		t.Errorf("violations = %d", chip.Stats().Violations)
	}
	// Bit 0 of the address byte must be zero.
	if err := c.Tx([]byte{0x81, 0}, make([]byte, 2)); err != nil {
		t.Fatal(err)
	}
	if chip.Stats().Violations != 1 {
		t.Error("malformed address byte not counted as a violation")
	}
}

func TestChip_CRCCoprocessor(t *testing.T) {
	chip := New()
	c := connect(t, chip)
	writeReg(t, c, regFIFOData, 0x50, 0x00)
	writeReg(t, c, regCommand, cmdCalcCRC)
	if readReg(t, c, regDivIrq)&irqCRC == 0 {
		t.Fatal("CRCIRq not set")
	}
	if lo, hi := readReg(t, c, regCRCResultL), readReg(t, c, regCRCResultM); lo != 0x57 || hi != 0xCD {
		t.Errorf("CRC = %02X %02X, want 57 CD", lo, hi)
	}
}

func TestChip_FaultsAndPower(t *testing.T) {
	chip := New()
	c := connect(t, chip)
	chip.FailTx(1, nil)
	if err := c.Tx([]byte{0x80 | regVersion<<1, 0}, make([]byte, 2)); !errors.Is(err, ErrInjected) {
		t.Errorf("Tx err = %v, want ErrInjected", err)
	}
	chip.SetDead(true)
	if v := readReg(t, c, regVersion); v != 0 {
		t.Errorf("dead chip VersionReg = %#02x, want 0", v)
	}
	chip.SetDead(false)
	_ = chip.Reset().Out(gpio.Low)
	if v := readReg(t, c, regVersion); v != 0 {
		t.Errorf("powered-down chip VersionReg = %#02x, want 0", v)
	}
	_ = chip.Reset().Out(gpio.High)
	if v := readReg(t, c, regVersion); v != 0x92 || chip.Stats().HardResets != 1 {
		t.Errorf("after hard reset VersionReg = %#02x, resets %d", v, chip.Stats().HardResets)
	}
	if _, err := chip.Connect(0, spi.Mode3, 8); err == nil {
		t.Error("Connect accepted mode 3")
	}
}

func TestChip_IRQPinFollowsComIrq(t *testing.T) {
	chip := New()
	c := connect(t, chip)
	pin := chip.IRQ()
	if err := pin.In(gpio.PullUp, gpio.FallingEdge); err != nil {
		t.Fatal(err)
	}
	writeReg(t, c, regComIEn, 0x80|irqRx) // IRqInv: active low
	writeReg(t, c, regComIrq, 0x80|irqRx)
	if !pin.WaitForEdge(time.Second) || pin.Read() != gpio.Low {
		t.Fatal("no falling edge on RxIRq")
	}
	writeReg(t, c, regComIrq, 0x7F)
	if pin.Read() != gpio.High || pin.WaitForEdge(0) {
		t.Error("rising edge reported or line not released")
	}
}

// TestPeriphDriver_ReadUID runs periph's own mfrc522 driver, with its IRQ
// wait loop, against the virtual chip.
func TestPeriphDriver_ReadUID(t *testing.T) {
	tests := []struct {
		name  string
		uid   []byte
		bogus bool
		want  []byte
	}{
		{"4-byte UID is exactly 4 bytes", []byte{0xDE, 0xAD, 0xBE, 0xEF}, false, []byte{0xDE, 0xAD, 0xBE, 0xEF}},
		{"WithBogusUID appends the BCC", []byte{0xDE, 0xAD, 0xBE, 0xEF}, true, []byte{0xDE, 0xAD, 0xBE, 0xEF, 0xDE ^ 0xAD ^ 0xBE ^ 0xEF}},
		{"7-byte UID", []byte{0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66}, false, []byte{0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chip := New()
			if err := chip.Present(Card{UID: tt.uid}); err != nil {
				t.Fatal(err)
			}
			var dev *mfrc522.Dev
			var err error
			if tt.bogus {
				dev, err = mfrc522.NewSPI(chip, chip.Reset(), chip.IRQ(), mfrc522.WithBogusUID())
			} else {
				dev, err = mfrc522.NewSPI(chip, chip.Reset(), chip.IRQ())
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := dev.ReadUID(5 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("ReadUID = % X, want % X", got, tt.want)
			}
			if v, err := dev.LowLevel.DevRead(commands.VersionReg); err != nil || v != 0x92 {
				t.Errorf("DevRead(VersionReg) = %#02x, %v", v, err)
			}
			if s := chip.Stats(); s.Violations != 0 {
				t.Errorf("periph driver made %d framing violations", s.Violations)
			}
		})
	}
}

// transceive runs one frame through the chip the way a driver would.
func transceive(t *testing.T, c spi.Conn, lastBits byte, frame ...byte) []byte {
	t.Helper()
	writeReg(t, c, regComIrq, 0x7F)
	writeReg(t, c, regFIFOLevel, 0x80)
	writeReg(t, c, regFIFOData, frame...)
	writeReg(t, c, regCommand, cmdTransceive)
	writeReg(t, c, regBitFraming, 0x80|lastBits)
	irq := readReg(t, c, regComIrq)
	if irq&irqRx == 0 {
		return nil
	}
	out := make([]byte, readReg(t, c, regFIFOLevel))
	for i := range out {
		out[i] = readReg(t, c, regFIFOData)
	}
	return out
}

func TestCard_HaltedCardAnswersWUPANotREQA(t *testing.T) {
	chip := New()
	c := connect(t, chip)
	writeReg(t, c, regTMode, 0x80)
	writeReg(t, c, regTxControl, 0x83)
	if err := chip.Present(Card{UID: []byte{1, 2, 3, 4}}); err != nil {
		t.Fatal(err)
	}
	if atqa := transceive(t, c, 7, 0x26); !bytes.Equal(atqa, []byte{0x04, 0x00}) {
		t.Fatalf("ATQA = % X", atqa)
	}
	if got := transceive(t, c, 0, 0x93, 0x20); !bytes.Equal(got, []byte{1, 2, 3, 4, 1 ^ 2 ^ 3 ^ 4}) {
		t.Fatalf("anticollision = % X", got)
	}
	sel := []byte{0x93, 0x70, 1, 2, 3, 4, 4}
	lo, hi := crcA(sel)
	if sak := transceive(t, c, 0, append(sel, lo, hi)...); len(sak) != 3 || sak[0] != 0x08 {
		t.Fatalf("SAK = % X", sak)
	}
	if got := transceive(t, c, 0, 0x50, 0x00, 0x57, 0xCD); got != nil || chip.Stats().Halts != 1 {
		t.Fatalf("HLTA answered % X, halts %d", got, chip.Stats().Halts)
	}
	if got := transceive(t, c, 7, 0x26); got != nil {
		t.Errorf("halted card answered REQA: % X", got)
	}
	if readReg(t, c, regComIrq)&irqTimer == 0 {
		t.Error("no TimerIRq for a silent card with TAuto")
	}
	if atqa := transceive(t, c, 7, 0x52); atqa == nil {
		t.Error("halted card did not answer WUPA")
	}
	// REQA as a full byte is not a short frame.
	chip.Remove()
	_ = chip.Present(Card{UID: []byte{1, 2, 3, 4}})
	if got := transceive(t, c, 0, 0x26); got != nil {
		t.Errorf("card answered an 8-bit REQA: % X", got)
	}
}
