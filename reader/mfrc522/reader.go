package mfrc522

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/devices/v3/mfrc522/commands"

	"stampclock/internal/backoff"
	"stampclock/reader"
)

// Errors. Card-level errors (ErrCRC, ErrBCC, ErrCollision, ErrProtocol) are
// counted and the poll goes on; the others make Run re-initialise the chip.
var (
	ErrNoChip      = errors.New("mfrc522: no chip answering")
	ErrChipTimeout = errors.New("mfrc522: chip did not finish the command")
	ErrCRC         = errors.New("mfrc522: CRC_A error in card answer")
	ErrBCC         = errors.New("mfrc522: BCC error in card UID")
	ErrCollision   = errors.New("mfrc522: collision (more than one card?)")
	ErrProtocol    = errors.New("mfrc522: unexpected card answer")
	ErrRunning     = errors.New("mfrc522: Run already running")
)

// Status is a snapshot of the reader's health.
type Status struct {
	// OK is true while the chip is initialised and the last poll worked.
	OK bool
	// Version is the chip's VersionReg (0x91, 0x92; 0x88 on FM17522 clones).
	Version byte
	// LastError is the most recent error, chip- or card-level; nil if none.
	LastError error
	// LastErrorAt is when LastError happened.
	LastErrorAt time.Time
	// ChipErrors counts SPI and chip failures; each leads to a re-init.
	ChipErrors uint64
	// Reinits counts re-initialisations after failures (not the first).
	Reinits uint64
	// ReadErrors counts spoilt card answers (CRC, BCC, collision, ...).
	ReadErrors uint64
	// Taps counts taps sent.
	Taps uint64
}

// Reader reads badges from an MFRC522. It implements reader.Source.
type Reader struct {
	opts    Options
	ll      *commands.LowLevel
	reset   gpio.PinOut
	irq     gpio.PinIn
	closer  func() error
	running atomic.Bool

	mu               sync.Mutex
	status           Status
	chipRun, readRun int // errors in a row, for log-once-then-count
}

// New returns a Reader for a chip on an already opened SPI port, with its
// reset line on reset and, if wired, its IRQ line on irq (nil: poll). It
// connects to the port but does not talk to the chip until Run.
func New(port spi.Port, reset gpio.PinOut, irq gpio.PinIn, opts Options) (*Reader, error) {
	opts = opts.withDefaults()
	if port == nil || reset == nil {
		return nil, errors.New("mfrc522: new: SPI port and reset pin are required")
	}
	ll, err := commands.NewLowLevelSPI(port, reset, irq) // Mode0, 8 bits, ≤10 MHz
	if err != nil {
		return nil, fmt.Errorf("mfrc522: new: %w", err)
	}
	return &Reader{opts: opts, ll: ll, reset: reset, irq: irq}, nil
}

// NewConn is New for an already connected spi.Conn (mode 0, 8 bits).
func NewConn(c spi.Conn, reset gpio.PinOut, irq gpio.PinIn, opts Options) (*Reader, error) {
	if c == nil {
		return nil, errors.New("mfrc522: new: SPI connection is required")
	}
	return New(connPort{c}, reset, irq, opts)
}

// connPort is a spi.Port whose connection is already made.
type connPort struct{ c spi.Conn }

func (p connPort) String() string { return p.c.String() }
func (p connPort) Connect(_ physic.Frequency, _ spi.Mode, _ int) (spi.Conn, error) {
	return p.c, nil
}

// Close releases the SPI port if the Reader opened it.
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	if err := r.closer(); err != nil {
		return fmt.Errorf("mfrc522: close: %w", err)
	}
	return nil
}

// Status returns the reader's health.
func (r *Reader) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status
}

// presence is what Run remembers about the card on the reader.
type presence struct {
	uid    []byte // card on the reader, nil if none
	misses int    // polls in a row without any card
}

// Run polls for cards until ctx is done and sends one Tap per card
// presentation. SPI and chip errors are retried with backoff; Run returns
// only ctx.Err() or ErrRunning.
func (r *Reader) Run(ctx context.Context, out chan<- reader.Tap) error {
	if !r.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer r.running.Store(false)
	var (
		p        presence
		ready    bool
		failures int
		inits    int
	)
	for {
		if !ready {
			v, err := r.initChip(ctx, inits > 0)
			inits++
			if err == nil {
				ready, failures = true, 0
				r.chipOK(v, inits > 1)
			} else if ctx.Err() == nil {
				r.chipFailed(err)
			}
		}
		if ready {
			uid, present, err := r.readUID()
			switch {
			case err == nil:
				r.readOK()
			case isCardError(err):
				r.readFailed(err)
			default:
				ready = false
				r.chipFailed(err)
			}
			if ready {
				if tap, ok := p.observe(uid, present, r.opts.AbsentPolls); ok {
					tap.At, tap.Source = r.opts.Now(), r.opts.Source
					select {
					case out <- tap:
						r.mu.Lock()
						r.status.Taps++
						r.mu.Unlock()
					case <-ctx.Done():
						return ctx.Err()
					}
				}
			}
		}
		wait := r.opts.PollInterval
		if !ready {
			wait = r.retry().Wait(failures + 1)
			failures++
		}
		if err := backoff.Sleep(ctx, nil, wait); err != nil {
			return err
		}
	}
}

// observe updates p with one poll's result and returns a tap for a card
// that just arrived. A card on the reader taps once; it must be gone for
// absent polls in a row, or be replaced by another card, to tap again. A
// card that is present but unreadable keeps the state as it is.
func (p *presence) observe(uid []byte, present bool, absent int) (reader.Tap, bool) {
	switch {
	case !present:
		p.misses++
		if p.misses >= absent {
			p.uid = nil
		}
		return reader.Tap{}, false
	case uid == nil:
		p.misses = 0
		return reader.Tap{}, false
	}
	p.misses = 0
	if bytes.Equal(uid, p.uid) {
		return reader.Tap{}, false
	}
	p.uid = uid
	return reader.Tap{UID: bytes.Clone(uid)}, true
}

func (r *Reader) chipOK(version byte, reinit bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status.OK, r.status.Version = true, version
	if reinit {
		r.status.Reinits++
		r.opts.Logger.Info("mfrc522: chip re-initialised", "version", fmt.Sprintf("%#02x", version), "errors", r.chipRun)
	} else {
		r.opts.Logger.Info("mfrc522: chip ready", "version", fmt.Sprintf("%#02x", version), "irq", r.irq != nil)
	}
	r.chipRun = 0
}

func (r *Reader) chipFailed(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status.OK = false
	r.status.LastError, r.status.LastErrorAt = err, r.opts.Now()
	r.status.ChipErrors++
	if r.chipRun == 0 {
		r.opts.Logger.Warn("mfrc522: chip error, re-initialising with backoff", "err", err)
	}
	r.chipRun++
}

func (r *Reader) readOK() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.readRun > 1 {
		r.opts.Logger.Info("mfrc522: card reads recovered", "errors", r.readRun)
	}
	r.readRun = 0
}

func (r *Reader) readFailed(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status.LastError, r.status.LastErrorAt = err, r.opts.Now()
	r.status.ReadErrors++
	if r.readRun == 0 {
		r.opts.Logger.Debug("mfrc522: card read failed", "err", err)
	}
	r.readRun++
}

// retry is the backoff before re-initialising the chip: BackoffMin
// doubled per failure in a row, capped at BackoffMax, with up to 25% jitter
// taken off so readers on a shared bus do not retry in step.
func (r *Reader) retry() backoff.Policy {
	return backoff.Policy{Min: r.opts.BackoffMin, Max: r.opts.BackoffMax, Low: 0.75, Spread: 0.25}
}

var _ reader.Source = (*Reader)(nil)

// Health is Status in the shape every reader reports.
func (r *Reader) Health() reader.Health {
	st := r.Status()
	h := reader.Health{OK: st.OK, Counters: map[string]uint64{
		"taps": st.Taps, "chip_errors": st.ChipErrors, "reinits": st.Reinits, "read_errors": st.ReadErrors,
	}}
	if st.LastError != nil {
		h.LastError = st.LastError.Error()
	}
	return h
}
