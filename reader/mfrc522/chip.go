package mfrc522

import (
	"context"
	"errors"
	"fmt"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/devices/v3/mfrc522/commands"

	"stampclock/internal/backoff"
	"stampclock/reader/mfrc522/internal/iso14443a"
)

// Register bits and settings not named by periph's commands package.
const (
	irqTx    = 0x40
	irqRx    = 0x20
	irqErr   = 0x02
	irqTimer = 0x01

	errColl = 0x08
	// errFatal are ErrorReg bits that spoil a frame: buffer overflow,
	// parity and protocol errors.
	errFatal = 0x13

	// The chip's timer gives up on a card after about 1 ms: 25 µs ticks
	// (prescaler 169: 13.56 MHz / 339) times 40. Cards answer REQA, WUPA,
	// anticollision and SELECT within about 0.1 ms.
	timerMode      = 0x80 // TAuto, prescaler high bits 0
	timerPrescaler = 0xA9
	timerReload    = 40

	// chipTimeout is how long the host waits for the chip to finish a
	// transceive before declaring the chip unresponsive.
	chipTimeout = 50 * time.Millisecond
	// firstWait and maxWait bound the pauses between reads of ComIrqReg when
	// there is no IRQ line.
	firstWait = 250 * time.Microsecond
	maxWait   = time.Millisecond
)

// errNoAnswer means the chip's timer ran out: no card answered. It is the
// normal outcome of an idle poll and of HLTA.
var errNoAnswer = errors.New("mfrc522: no answer")

// hardReset pulses the reset line and waits for the oscillator.
func (r *Reader) hardReset(ctx context.Context) error {
	if err := r.reset.Out(gpio.Low); err != nil {
		return fmt.Errorf("mfrc522: reset pin low: %w", err)
	}
	time.Sleep(100 * time.Microsecond) // datasheet: > 100 ns
	if err := r.reset.Out(gpio.High); err != nil {
		return fmt.Errorf("mfrc522: reset pin high: %w", err)
	}
	return backoff.Sleep(ctx, nil, r.opts.ResetDelay)
}

// initChip checks the chip is there, resets it and configures it for
// polling. It returns the chip's version.
func (r *Reader) initChip(ctx context.Context, hard bool) (byte, error) {
	if hard {
		if err := r.hardReset(ctx); err != nil {
			return 0, err
		}
	}
	ll := r.ll
	v, err := ll.DevRead(commands.VersionReg)
	if err != nil {
		return 0, fmt.Errorf("mfrc522: read version: %w", err)
	}
	if v == 0x00 || v == 0xFF {
		return v, fmt.Errorf("%w: version register reads %#02x", ErrNoChip, v)
	}
	if err := ll.Init(); err != nil { // soft reset, TxASK, CRC preset, antenna on
		return v, fmt.Errorf("mfrc522: init: %w", err)
	}
	ien := byte(0x80) // IRqInv: the IRQ line is active low, as periph expects
	if r.irq != nil {
		ien |= irqRx | irqErr | irqTimer
	}
	for _, w := range [][2]byte{
		{commands.TModeReg, timerMode},
		{commands.TPrescalerReg, timerPrescaler},
		{commands.TReloadRegH, 0},
		{commands.TReloadRegL, timerReload},
		{commands.CommIEnReg, ien},
		{commands.DivlEnReg, 0},
	} {
		if err := ll.DevWrite(int(w[0]), w[1]); err != nil {
			return v, fmt.Errorf("mfrc522: configure %#02x: %w", w[0], err)
		}
	}
	// Read back: a chip that lost its writes is not ready.
	got, err := ll.DevRead(commands.TReloadRegL)
	if err != nil {
		return v, fmt.Errorf("mfrc522: read back timer: %w", err)
	}
	if got != timerReload {
		return v, fmt.Errorf("%w: timer register reads %#02x after writing %#02x", ErrNoChip, got, timerReload)
	}
	return v, nil
}

// transceive sends the first bits of frame (lastBits valid bits in the last
// byte, 0 for all 8) and returns the card's answer and its length in bits.
// It returns errNoAnswer when no card answered in time, an error wrapping
// ErrCollision or ErrProtocol for a spoilt answer, and other errors for SPI
// or chip failures.
func (r *Reader) transceive(frame []byte, lastBits byte) ([]byte, int, error) {
	ll := r.ll
	setup := [][2]byte{
		{commands.CommandReg, commands.PCD_IDLE},
		{commands.CommIrqReg, 0x7F}, // clear all interrupt flags
		{commands.FIFOLevelReg, 0x80},
	}
	for _, w := range setup {
		if err := ll.DevWrite(int(w[0]), w[1]); err != nil {
			return nil, 0, fmt.Errorf("mfrc522: transceive setup: %w", err)
		}
	}
	for _, b := range frame {
		if err := ll.DevWrite(commands.FIFODataReg, b); err != nil {
			return nil, 0, fmt.Errorf("mfrc522: write FIFO: %w", err)
		}
	}
	if r.irq != nil {
		for i := 0; i < 4 && r.irq.WaitForEdge(0); i++ { // drop stale edges
		}
	}
	for _, w := range [][2]byte{
		{commands.CommandReg, commands.PCD_TRANSCEIVE},
		{commands.BitFramingReg, 0x80 | lastBits}, // StartSend
	} {
		if err := ll.DevWrite(int(w[0]), w[1]); err != nil {
			return nil, 0, fmt.Errorf("mfrc522: start transceive: %w", err)
		}
	}
	n, err := r.waitIrq()
	if err != nil {
		return nil, 0, err
	}
	if n&irqRx == 0 && n&irqTimer != 0 {
		return nil, 0, errNoAnswer
	}
	e, err := ll.DevRead(commands.ErrorReg)
	if err != nil {
		return nil, 0, fmt.Errorf("mfrc522: read ErrorReg: %w", err)
	}
	if e&errColl != 0 {
		return nil, 0, fmt.Errorf("%w (ErrorReg %#02x)", ErrCollision, e)
	}
	if e&errFatal != 0 {
		return nil, 0, fmt.Errorf("%w: ErrorReg %#02x", ErrProtocol, e)
	}
	level, err := ll.DevRead(commands.FIFOLevelReg)
	if err != nil {
		return nil, 0, fmt.Errorf("mfrc522: read FIFO level: %w", err)
	}
	ctl, err := ll.DevRead(commands.ControlReg)
	if err != nil {
		return nil, 0, fmt.Errorf("mfrc522: read ControlReg: %w", err)
	}
	level &= 0x7F
	if level > 64 {
		return nil, 0, fmt.Errorf("%w: FIFO level %d", ErrProtocol, level)
	}
	resp := make([]byte, level)
	for i := range resp {
		if resp[i], err = ll.DevRead(commands.FIFODataReg); err != nil {
			return nil, 0, fmt.Errorf("mfrc522: read FIFO: %w", err)
		}
	}
	bits := 8 * int(level)
	if last := int(ctl & 0x07); last != 0 && level > 0 {
		bits = 8*(int(level)-1) + last
	}
	return resp, bits, nil
}

// waitIrq waits for the transceive to end and returns ComIrqReg. With an
// IRQ line it sleeps on the edge; without one it reads the register with
// growing pauses. Either way the chip's timer ends the wait for a silent
// card after about 1 ms; chipTimeout catches a chip that stopped working.
func (r *Reader) waitIrq() (byte, error) {
	deadline := time.Now().Add(chipTimeout)
	wait := firstWait
	for {
		n, err := r.ll.DevRead(commands.CommIrqReg)
		if err != nil {
			return 0, fmt.Errorf("mfrc522: read ComIrqReg: %w", err)
		}
		if n&(irqRx|irqTimer|irqErr) != 0 {
			return n, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return 0, fmt.Errorf("%w (ComIrqReg %#02x)", ErrChipTimeout, n)
		}
		if r.irq != nil {
			r.irq.WaitForEdge(min(left, 10*time.Millisecond))
			continue
		}
		time.Sleep(min(wait, left))
		wait = min(2*wait, maxWait)
	}
}

// readUID looks for a card. It returns present == false when none answers,
// the complete UID of a card that does, and for a card whose answer is
// spoilt present == true with an error wrapping a card-level error
// (ErrCRC, ErrBCC, ErrCollision, ErrProtocol). Any other error is an SPI or
// chip failure.
func (r *Reader) readUID() (uid []byte, present bool, err error) {
	// WUPA, not REQA: it also wakes a card we halted on the previous poll,
	// so a card held on the reader keeps answering.
	atqa, bits, err := r.transceive([]byte{iso14443a.WUPA}, 7)
	if errors.Is(err, errNoAnswer) {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	if bits != 16 {
		return nil, true, fmt.Errorf("%w: ATQA of %d bits (% X)", ErrProtocol, bits, atqa)
	}
	for level, sel := range iso14443a.SelCodes {
		part, bits, err := r.transceive([]byte{sel, iso14443a.NVBAnticoll}, 0)
		if err != nil {
			return nil, true, cardGone(err, level, "anticollision")
		}
		if bits != 40 || len(part) != 5 {
			return nil, true, fmt.Errorf("%w: cascade level %d: anticollision answer of %d bits", ErrProtocol, level+1, bits)
		}
		if iso14443a.BCC(part[:4]) != part[4] {
			return nil, true, fmt.Errorf("%w: cascade level %d: % X", ErrBCC, level+1, part)
		}
		selFrame := iso14443a.AppendCRCA(append([]byte{sel, iso14443a.NVBSelect}, part...))
		sak, bits, err := r.transceive(selFrame, 0)
		if err != nil {
			return nil, true, cardGone(err, level, "select")
		}
		if bits != 24 || len(sak) != 3 {
			return nil, true, fmt.Errorf("%w: cascade level %d: SAK of %d bits", ErrProtocol, level+1, bits)
		}
		if !iso14443a.CheckCRCA(sak) {
			return nil, true, fmt.Errorf("%w: cascade level %d: SAK % X", ErrCRC, level+1, sak)
		}
		if sak[0]&iso14443a.SAKCascade != 0 {
			if part[0] != iso14443a.CascadeTag {
				return nil, true, fmt.Errorf("%w: cascade level %d: SAK says more UID follows but no cascade tag", ErrProtocol, level+1)
			}
			uid = append(uid, part[1:4]...)
			continue
		}
		uid = append(uid, part[:4]...)
		// HLTA: the card stays quiet until the next WUPA. Silence is success.
		if _, _, err := r.transceive(iso14443a.AppendCRCA([]byte{iso14443a.HLTA, 0}), 0); err != nil &&
			!errors.Is(err, errNoAnswer) && !isCardError(err) {
			return nil, true, err
		}
		return uid, true, nil
	}
	return nil, true, fmt.Errorf("%w: UID longer than 3 cascade levels", ErrProtocol)
}

// cardGone turns a card that stops answering halfway into a card error.
func cardGone(err error, level int, step string) error {
	if errors.Is(err, errNoAnswer) {
		return fmt.Errorf("%w: cascade level %d: no answer to %s", ErrProtocol, level+1, step)
	}
	return err
}

// isCardError reports whether err is about a card's answer, not the chip.
func isCardError(err error) bool {
	return errors.Is(err, ErrCRC) || errors.Is(err, ErrBCC) ||
		errors.Is(err, ErrCollision) || errors.Is(err, ErrProtocol)
}
