package mfrc522test

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"

	"stampclock/reader/mfrc522/internal/iso14443a"
)

// ErrInjected is the error returned by Tx for an injected SPI failure.
var ErrInjected = errors.New("mfrc522test: injected SPI error")

// Registers and bits used by the model (MFRC522 datasheet, section 9).
const (
	regCommand    = 0x01
	regComIEn     = 0x02
	regDivIEn     = 0x03
	regComIrq     = 0x04
	regDivIrq     = 0x05
	regError      = 0x06
	regFIFOData   = 0x09
	regFIFOLevel  = 0x0A
	regControl    = 0x0C
	regBitFraming = 0x0D
	regColl       = 0x0E
	regTxMode     = 0x12
	regTxControl  = 0x14
	regCRCResultM = 0x21
	regCRCResultL = 0x22
	regTMode      = 0x2A
	regVersion    = 0x37

	cmdIdle       = 0x0
	cmdCalcCRC    = 0x3
	cmdTransmit   = 0x4
	cmdReceive    = 0x8
	cmdTransceive = 0xC
	cmdSoftReset  = 0xF

	irqTx    = 0x40
	irqRx    = 0x20
	irqIdle  = 0x10
	irqErr   = 0x02
	irqTimer = 0x01
	irqCRC   = 0x04 // in DivIrqReg

	errBufferOvfl = 0x10
	errColl       = 0x08
	errCRC        = 0x04

	fifoSize = 64
)

// resetValues are the register values after power-on or soft reset.
var resetValues = map[byte]byte{
	0x01: 0x20, 0x02: 0x80, 0x04: 0x14, 0x07: 0x21, 0x0B: 0x08, 0x0C: 0x10,
	0x0E: 0xA0, 0x11: 0x3F, 0x14: 0x80, 0x16: 0x10, 0x17: 0x84, 0x18: 0x84,
	0x19: 0x4D, 0x1A: 0x62, 0x1F: 0xEB, 0x21: 0xFF, 0x22: 0xFF, 0x24: 0x26,
	0x26: 0x48, 0x27: 0x88, 0x28: 0x20, 0x29: 0x20,
}

// Stats counts what the chip has seen, for tests.
type Stats struct {
	Tx          int // SPI transfers, including failed ones
	Transceives int // Transceive StartSend executions
	SoftResets  int
	HardResets  int // NRSTPD low→high
	Selects     int // successful SELECTs that completed the UID
	Halts       int // HLTA accepted by an ACTIVE card
	Violations  int // malformed SPI frames (address byte bit 0 set, ...)
}

// Chip is a virtual MFRC522. It implements spi.PortCloser (Connect returns
// the chip itself) and spi.Conn. The zero value is not usable; call New.
type Chip struct {
	mu        sync.Mutex
	regs      [64]byte
	fifo      []byte
	card      *picc
	irq       *IRQPin
	reset     *ResetPin
	powerDown bool
	dead      bool
	closed    bool
	speed     physic.Frequency
	limit     physic.Frequency

	failTx    int
	failErr   error
	crcFaults int
	collFault int
	stats     Stats
	version   byte
	realTime  bool
	gen       int // bumped by every command, to drop stale completions

	pending    func() // transceive completion waiting for its time
	pendingAt  time.Time
	pendingGen int
}

// New returns a powered, reset chip with an empty field and version 0x92
// (MFRC522 v2.0).
func New() *Chip {
	c := &Chip{version: 0x92}
	c.irq = newIRQPin()
	c.reset = &ResetPin{chip: c}
	c.softReset()
	return c
}

// IRQ returns the chip's IRQ output pin.
func (c *Chip) IRQ() *IRQPin { return c.irq }

// Reset returns the chip's NRSTPD (reset / power-down) input pin.
func (c *Chip) Reset() *ResetPin { return c.reset }

// SetVersion sets what VersionReg reads (0x91 v1.0, 0x92 v2.0, 0x88 clone).
func (c *Chip) SetVersion(v byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.version = v
}

// Present puts card into the field (replacing any card there).
func (c *Chip) Present(card Card) error {
	switch len(card.UID) {
	case 4, 7, 10:
	default:
		return fmt.Errorf("mfrc522test: UID of %d bytes, want 4, 7 or 10", len(card.UID))
	}
	card.UID = append([]byte(nil), card.UID...)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.card = &picc{card: card}
	return nil
}

// Remove takes the card out of the field.
func (c *Chip) Remove() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.card = nil
}

// FailTx makes the next n SPI transfers fail with err (ErrInjected if nil)
// without reaching the chip.
func (c *Chip) FailTx(n int, err error) {
	if err == nil {
		err = ErrInjected
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failTx, c.failErr = n, err
}

// InjectCRCError corrupts the CRC_A of the next n card answers that carry
// one (the SAK), as RF noise would.
func (c *Chip) InjectCRCError(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.crcFaults = n
}

// InjectCollision makes the next n anticollision answers collide, as with a
// second card in the field: ErrorReg CollErr is set and the bits after the
// collision are garbage.
func (c *Chip) InjectCollision(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.collFault = n
}

// SetDead makes the chip stop answering (MISO stuck low, writes lost), as
// when it loses power or a wire comes loose. Clearing it power-cycles the
// chip.
func (c *Chip) SetDead(dead bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead && !dead {
		c.softReset()
	}
	c.dead = dead
}

// SetRealTime makes transceive take time as on the real chip: a card's
// answer lands about 0.2 ms after StartSend, and a silent card's timeout
// after the period programmed in TModeReg/TPrescalerReg/TReloadReg (only
// when TAuto is set). By default everything completes at once.
func (c *Chip) SetRealTime(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.realTime = on
}

// timerPeriod is the chip timer's timeout as programmed.
func (c *Chip) timerPeriod() time.Duration {
	pre := int64(c.regs[regTMode]&0x0F)<<8 | int64(c.regs[regTMode+1])
	reload := int64(c.regs[0x2C])<<8 | int64(c.regs[0x2D])
	return time.Duration((reload + 1) * (2*pre + 1) * int64(time.Second) / 13_560_000)
}

// Stats returns the chip's counters.
func (c *Chip) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// Register returns the raw value of a register, for tests.
func (c *Chip) Register(addr byte) byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.regs[addr&0x3F]
}

// Speed returns the SPI clock negotiated by Connect and LimitSpeed.
func (c *Chip) Speed() physic.Frequency {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.speed
}

// String implements spi.Port and conn.Conn.
func (c *Chip) String() string { return "mfrc522test" }

// Connect implements spi.Port. The MFRC522 talks SPI mode 0, 8 bits, up to
// 10 MHz.
func (c *Chip) Connect(f physic.Frequency, mode spi.Mode, bits int) (spi.Conn, error) {
	if mode&^spi.NoCS != spi.Mode0 || bits != 8 {
		return nil, fmt.Errorf("mfrc522test: connect: mode %s with %d bits, want Mode0 with 8", mode, bits)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if f == 0 || f > 10*physic.MegaHertz {
		f = 10 * physic.MegaHertz
	}
	if c.limit != 0 && c.limit < f {
		f = c.limit
	}
	c.speed = f
	return c, nil
}

// LimitSpeed implements spi.PortCloser.
func (c *Chip) LimitSpeed(f physic.Frequency) error {
	if f <= 0 {
		return errors.New("mfrc522test: invalid speed")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.limit = f
	return nil
}

// Close implements spi.PortCloser; later transfers fail.
func (c *Chip) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

// Duplex implements conn.Conn.
func (c *Chip) Duplex() conn.Duplex { return conn.Full }

// TxPackets implements spi.Conn; every packet is one chip-select frame.
func (c *Chip) TxPackets(p []spi.Packet) error {
	for i := range p {
		if err := c.Tx(p[i].W, p[i].R); err != nil {
			return err
		}
	}
	return nil
}

// Tx implements conn.Conn: one SPI frame with chip select asserted. The
// first byte is the address byte (bit 7 set to read, register in bits 6..1,
// bit 0 zero). A write frame writes all following bytes to that register; a
// read frame returns, in r[i+1], the register addressed by w[i].
func (c *Chip) Tx(w, r []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stats.Tx++
	if c.closed {
		return errors.New("mfrc522test: tx on closed port")
	}
	if r != nil && len(r) != len(w) {
		return fmt.Errorf("mfrc522test: tx: w is %d bytes, r is %d", len(w), len(r))
	}
	if c.failTx > 0 {
		c.failTx--
		return c.failErr
	}
	clear(r)
	c.settle()
	if c.dead || c.powerDown || len(w) == 0 {
		return nil
	}
	if w[0]&0x01 != 0 {
		c.stats.Violations++
		return nil
	}
	addr := (w[0] >> 1) & 0x3F
	if w[0]&0x80 == 0 {
		for _, b := range w[1:] {
			c.write(addr, b)
		}
		return nil
	}
	for i := 1; i < len(w); i++ {
		if w[i-1]&0x81 != 0x80 {
			c.stats.Violations++
			return nil
		}
		v := c.read((w[i-1] >> 1) & 0x3F)
		if r != nil {
			r[i] = v
		}
	}
	return nil
}

func (c *Chip) setNRSTPD(l gpio.Level) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case l == gpio.Low:
		c.powerDown = true
		if c.card != nil {
			c.card.powerOff()
		}
	case c.powerDown:
		c.powerDown = false
		c.stats.HardResets++
		c.softReset()
	}
}

func (c *Chip) softReset() {
	c.gen++
	c.regs = [64]byte{}
	for a, v := range resetValues {
		c.regs[a] = v
	}
	c.fifo = c.fifo[:0]
	if c.card != nil {
		c.card.powerOff() // the antenna is off after reset
	}
	c.updateIRQ()
}

func (c *Chip) read(addr byte) byte {
	switch addr {
	case regFIFOData:
		if len(c.fifo) == 0 {
			return 0
		}
		b := c.fifo[0]
		c.fifo = c.fifo[1:]
		return b
	case regFIFOLevel:
		return byte(len(c.fifo))
	case regVersion:
		return c.version
	case regBitFraming:
		return c.regs[addr] &^ 0x80 // StartSend reads back as 0
	}
	return c.regs[addr]
}

func (c *Chip) write(addr, v byte) {
	switch addr {
	case regCommand:
		c.command(v)
	case regComIrq, regDivIrq:
		if v&0x80 != 0 {
			c.regs[addr] |= v & 0x7F
		} else {
			c.regs[addr] &^= v
		}
	case regFIFOData:
		if len(c.fifo) >= fifoSize {
			c.regs[regError] |= errBufferOvfl
			break
		}
		c.fifo = append(c.fifo, v)
	case regFIFOLevel:
		if v&0x80 != 0 {
			c.fifo = c.fifo[:0]
			c.regs[regError] &^= errBufferOvfl
		}
	case regBitFraming:
		c.regs[addr] = v &^ 0x80
		if v&0x80 != 0 && c.regs[regCommand]&0x0F == cmdTransceive {
			c.transceive()
		}
	case regTxControl:
		c.regs[addr] = v
		if v&0x03 == 0 && c.card != nil {
			c.card.powerOff()
		}
	case regError, regVersion, regColl:
		// Read-only.
	default:
		c.regs[addr] = v
	}
	c.updateIRQ()
}

func (c *Chip) command(v byte) {
	c.gen++
	cmd := v & 0x0F
	if cmd == cmdSoftReset {
		c.stats.SoftResets++
		c.softReset()
		return
	}
	c.regs[regCommand] = v & 0x3F
	if cmd != cmdIdle {
		c.regs[regError] &^= 0x1F // starting a command clears the errors
	}
	switch cmd {
	case cmdIdle:
	case cmdCalcCRC:
		lo, hi := iso14443a.CRCA(c.fifo)
		c.fifo = c.fifo[:0]
		c.regs[regCRCResultL], c.regs[regCRCResultM] = lo, hi
		c.regs[regDivIrq] |= irqCRC
	case cmdTransmit:
		c.send()
		c.regs[regCommand] &^= 0x0F
		c.regs[regComIrq] |= irqIdle
	case cmdTransceive, cmdReceive:
		// Transceive waits for StartSend; Receive waits for a frame that,
		// with no transmission, never comes.
	default:
		// MFAuthent, Mem, GenerateRandomID, ...: not modelled.
		c.regs[regCommand] &^= 0x0F
		c.regs[regComIrq] |= irqIdle
	}
}

// send transmits the FIFO into the field and returns the card's answer.
func (c *Chip) send() (answer, bool) {
	frame := append([]byte(nil), c.fifo...)
	c.fifo = c.fifo[:0]
	bits := 8 * len(frame)
	if last := int(c.regs[regBitFraming] & 0x07); last != 0 && len(frame) > 0 {
		bits = 8*(len(frame)-1) + last
	}
	if c.regs[regTxMode]&0x80 != 0 { // TxCRCEn
		frame = iso14443a.AppendCRCA(frame)
		bits += 16
	}
	c.regs[regComIrq] |= irqTx
	if c.card == nil || c.regs[regTxControl]&0x03 == 0 || len(frame) == 0 {
		return answer{}, false
	}
	before := c.card.state
	a, ok := c.card.receive(frame, bits)
	if c.card.state == stateActive && before == stateReady {
		c.stats.Selects++
	}
	if c.card.state == stateHalt && before == stateActive {
		c.stats.Halts++
	}
	return a, ok
}

func (c *Chip) transceive() {
	c.stats.Transceives++
	a, ok := c.send()
	if !ok && c.regs[regTMode]&0x80 == 0 {
		return // no answer and no timer: the command runs until Idle
	}
	complete := func() {
		if !ok {
			c.regs[regComIrq] |= irqTimer // TAuto: the timer runs out
			return
		}
		c.receive(a)
	}
	if !c.realTime {
		complete()
		return
	}
	d := 200 * time.Microsecond
	if !ok {
		d = c.timerPeriod()
	}
	gen := c.gen
	c.pending, c.pendingAt, c.pendingGen = complete, time.Now().Add(d), gen
	time.AfterFunc(d, func() { // drives the IRQ line on time
		c.mu.Lock()
		defer c.mu.Unlock()
		c.settle()
	})
}

// settle applies a pending transceive completion whose time has come, so
// register reads see it on time even if the AfterFunc runs late.
func (c *Chip) settle() {
	if c.pending == nil {
		return
	}
	if c.pendingGen != c.gen {
		c.pending = nil
		return
	}
	if time.Now().Before(c.pendingAt) {
		return
	}
	f := c.pending
	c.pending = nil
	f()
	c.updateIRQ()
}

// receive puts a card's answer into the FIFO, applying injected faults.
func (c *Chip) receive(a answer) {
	data := a.data
	if a.hasCRC && c.crcFaults > 0 {
		c.crcFaults--
		data[len(data)-1] ^= 0x5A
	}
	if a.anti && c.collFault > 0 {
		c.collFault--
		// Collision in bit 3 of byte 1: the receiver stops there.
		c.regs[regError] |= errColl
		c.regs[regColl] = 0x0B // CollPos 11, CollPosNotValid clear
		data = []byte{data[0], data[1] ^ 0x08}
		a.bits = 12
	}
	c.fifo = append(c.fifo[:0], data...)
	c.regs[regControl] = c.regs[regControl]&^0x07 | byte(a.bits%8)
	c.regs[regComIrq] |= irqRx
	if c.regs[regError]&0x1F != 0 {
		c.regs[regComIrq] |= irqErr
	}
}

// updateIRQ drives the IRQ pin from ComIEnReg/ComIrqReg and
// DivIEnReg/DivIrqReg; IRqInv (ComIEnReg bit 7) makes it active low.
func (c *Chip) updateIRQ() {
	active := c.regs[regComIEn]&c.regs[regComIrq]&0x7F != 0 ||
		c.regs[regDivIEn]&c.regs[regDivIrq]&0x14 != 0
	inv := c.regs[regComIEn]&0x80 != 0
	l := gpio.Level(active != inv)
	c.irq.set(l)
}

var (
	_ spi.PortCloser = (*Chip)(nil)
	_ spi.Conn       = (*Chip)(nil)
)
