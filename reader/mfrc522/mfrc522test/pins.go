package mfrc522test

import (
	"errors"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"
)

// IRQPin is the chip's IRQ output as seen by the host: a gpio.PinIn whose
// WaitForEdge returns when the chip's interrupt line changes in the
// direction chosen with In.
type IRQPin struct {
	mu    sync.Mutex
	level gpio.Level
	edge  gpio.Edge
	edges chan struct{}
}

func newIRQPin() *IRQPin {
	return &IRQPin{level: gpio.High, edges: make(chan struct{}, 16)}
}

// set drives the line; it is called by the chip with its own lock held.
func (p *IRQPin) set(l gpio.Level) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l == p.level {
		return
	}
	p.level = l
	if p.edge == gpio.BothEdges || (p.edge == gpio.FallingEdge && l == gpio.Low) || (p.edge == gpio.RisingEdge && l == gpio.High) {
		select {
		case p.edges <- struct{}{}:
		default: // The kernel coalesces edges too.
		}
	}
}

// String implements conn.Resource.
func (p *IRQPin) String() string { return "MFRC522_IRQ" }

// Halt implements conn.Resource.
func (p *IRQPin) Halt() error { return nil }

// Name implements pin.Pin.
func (p *IRQPin) Name() string { return "MFRC522_IRQ" }

// Number implements pin.Pin.
func (p *IRQPin) Number() int { return -1 }

// Function implements pin.Pin.
func (p *IRQPin) Function() string { return "In" }

// In implements gpio.PinIn; it selects the edges WaitForEdge reports and
// flushes pending ones.
func (p *IRQPin) In(pull gpio.Pull, edge gpio.Edge) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.edge = edge
	for {
		select {
		case <-p.edges:
		default:
			return nil
		}
	}
}

// Read implements gpio.PinIn.
func (p *IRQPin) Read() gpio.Level {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.level
}

// WaitForEdge implements gpio.PinIn. A negative timeout waits forever.
func (p *IRQPin) WaitForEdge(timeout time.Duration) bool {
	if timeout < 0 {
		<-p.edges
		return true
	}
	select {
	case <-p.edges:
		return true
	default:
	}
	if timeout == 0 {
		return false
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.edges:
		return true
	case <-t.C:
		return false
	}
}

// Pull implements gpio.PinIn.
func (p *IRQPin) Pull() gpio.Pull { return gpio.PullUp }

// DefaultPull implements gpio.PinIn.
func (p *IRQPin) DefaultPull() gpio.Pull { return gpio.PullUp }

// ResetPin is the chip's NRSTPD input as seen by the host: driving it low
// puts the chip into hard power-down (it stops answering on SPI), driving it
// high again resets every register.
type ResetPin struct {
	chip *Chip
}

// String implements conn.Resource.
func (p *ResetPin) String() string { return "MFRC522_NRSTPD" }

// Halt implements conn.Resource.
func (p *ResetPin) Halt() error { return nil }

// Name implements pin.Pin.
func (p *ResetPin) Name() string { return "MFRC522_NRSTPD" }

// Number implements pin.Pin.
func (p *ResetPin) Number() int { return -1 }

// Function implements pin.Pin.
func (p *ResetPin) Function() string { return "Out" }

// Out implements gpio.PinOut.
func (p *ResetPin) Out(l gpio.Level) error {
	p.chip.setNRSTPD(l)
	return nil
}

// PWM implements gpio.PinOut; the reset line has no PWM.
func (p *ResetPin) PWM(gpio.Duty, physic.Frequency) error {
	return errors.New("mfrc522test: reset pin: PWM not supported")
}

var (
	_ gpio.PinIn  = (*IRQPin)(nil)
	_ gpio.PinOut = (*ResetPin)(nil)
)
