package pn532

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/host/v3"

	"stampclock/internal/backoff"
	"stampclock/reader"
	"stampclock/reader/kinds/pn532kind"
	"stampclock/reader/serial"
)

// Options configures a Reader. Zero values mean the default.
type Options struct {
	// Interface is "i2c" (default) or "hsu".
	Interface string
	// I2CBus is the periph I²C bus name; "" = the first bus (on a Pi,
	// /dev/i2c-1 on pins 3 and 5).
	I2CBus string
	// I2CAddr is the chip's 7-bit address. Default 0x24.
	I2CAddr uint16
	// Device is the serial port for HSU. Default "/dev/serial0".
	Device string
	// Baud is the HSU line speed. Default 115200.
	Baud int
	// PollInterval is the time between looks for a card. Default 100ms.
	PollInterval time.Duration
	// Absent is how many polls in a row must find no card before a card
	// held in the field counts as gone. Default 3.
	Absent int
	// AckTimeout and Timeout bound the wait for the ACK and for the answer
	// of a command. Defaults 30ms and 200ms.
	AckTimeout, Timeout time.Duration
	// ReinitMin and ReinitMax bound the capped exponential backoff (with
	// jitter) between attempts to set the chip up again after a failure.
	// Defaults 100ms and 10s.
	ReinitMin, ReinitMax time.Duration
	// Source names the reader in taps. Default "pn532".
	Source string
	// Logger receives warnings. Default slog.Default().
	Logger *slog.Logger
	// Now stamps taps. Default time.Now.
	Now func() time.Time
}

// DefaultOptions holds the defaults that Options' zero values stand for.
var DefaultOptions = Options{
	Interface:    "i2c",
	I2CAddr:      0x24,
	Device:       pn532kind.DefaultDevice,
	Baud:         115200,
	PollInterval: 100 * time.Millisecond,
	Absent:       3,
	AckTimeout:   30 * time.Millisecond,
	Timeout:      200 * time.Millisecond,
	ReinitMin:    100 * time.Millisecond,
	ReinitMax:    10 * time.Second,
	Source:       "pn532",
}

func (o Options) withDefaults() Options {
	d := DefaultOptions
	reader.Default(&o.Interface, d.Interface)
	reader.Default(&o.I2CAddr, d.I2CAddr)
	reader.Default(&o.Device, d.Device)
	reader.Default(&o.Baud, d.Baud)
	reader.Default(&o.Absent, d.Absent)
	reader.Default(&o.PollInterval, d.PollInterval)
	reader.Default(&o.AckTimeout, d.AckTimeout)
	reader.Default(&o.Timeout, d.Timeout)
	reader.Default(&o.ReinitMin, d.ReinitMin)
	reader.Default(&o.ReinitMax, d.ReinitMax)
	reader.DefaultCommon(&o.Source, d.Source, &o.Logger, &o.Now)
	return o
}

func (o Options) validate() error {
	switch {
	case o.Interface != "i2c" && o.Interface != "hsu":
		return fmt.Errorf("pn532: interface %q: want i2c or hsu", o.Interface)
	case o.I2CAddr > 0x7F:
		return fmt.Errorf("pn532: i2c address %#x: want a 7-bit address", o.I2CAddr)
	case serial.Bauds[o.Baud] == 0:
		return fmt.Errorf("pn532: baud %d not supported", o.Baud)
	case o.Absent < 1 || o.PollInterval < 0 || o.AckTimeout < 0 || o.Timeout < 0 || o.ReinitMin < 0 || o.ReinitMax < o.ReinitMin:
		return errors.New("pn532: absent, poll interval, timeouts and backoff must be positive, reinit min <= max")
	}
	return nil
}

// Stats counts the reader's work and reports the chip's health.
type Stats struct {
	// OK is true while the chip is set up and answering.
	OK bool
	// Firmware is the chip's "IC.version.revision", once known.
	Firmware string
	// Taps, Polls and Reinits count taps sent, polls made and set-ups
	// after a failure.
	Taps, Polls, Reinits uint64
	// Errors counts failed commands; Nacks damaged answers asked again;
	// Stale frames left over from earlier commands and skipped.
	Errors, Nacks, Stale uint64
	// LastErr is the latest failure, "" once the chip works again.
	LastErr string
}

// Reader polls a PN532 for cards. It implements reader.Source.
type Reader struct {
	opts Options
	dev  device

	mu    sync.Mutex
	stats Stats
	last  error
}

// NewI2C returns a Reader for a chip on bus (which the caller closes).
func NewI2C(bus i2c.Bus, opts Options) (*Reader, error) {
	opts.Interface = "i2c"
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	l := &i2cLink{bus: bus, addr: opts.I2CAddr, poll: time.Millisecond}
	return newReader(l, opts), nil
}

// NewHSU returns a Reader for a chip on the serial port opts.Device; the
// port is opened by Run, and opened again after failures.
func NewHSU(opts Options) (*Reader, error) {
	opts.Interface = "hsu"
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	return newReader(&hsuLink{path: opts.Device, baud: opts.Baud}, opts), nil
}

func newReader(l link, opts Options) *Reader {
	return &Reader{opts: opts, dev: device{l: l, ackTimeout: opts.AckTimeout, timeout: opts.Timeout}}
}

// Open initialises periph and returns a Reader on the configured
// interface. The I²C bus stays open for the daemon's lifetime.
func Open(opts Options) (*Reader, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if opts.Interface == "hsu" {
		return NewHSU(opts)
	}
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("pn532: periph init: %w", err)
	}
	bus, err := i2creg.Open(opts.I2CBus)
	if err != nil {
		return nil, fmt.Errorf("pn532: open i2c bus %q: %w", opts.I2CBus, err)
	}
	return NewI2C(bus, opts)
}

// Run sets the chip up and polls it until ctx is done, sending a tap when a
// card enters the field. It returns ctx.Err().
func (r *Reader) Run(ctx context.Context, out chan<- reader.Tap) error {
	defer r.dev.l.close()
	log := r.opts.Logger
	ready, failures := false, 0
	var held []byte
	absent := 0
	for {
		if !ready {
			v, err := r.dev.setUp()
			if err != nil {
				if failures == 0 {
					log.Warn("pn532: chip set-up failed, retrying", "source", r.opts.Source, "err", err)
				}
				r.failed(err)
				failures++
				if err := r.retry().Sleep(ctx, failures); err != nil {
					return err
				}
				continue
			}
			ready = true
			r.mu.Lock()
			if failures > 0 || r.stats.Firmware != "" {
				r.stats.Reinits++
			}
			r.stats.OK, r.stats.Firmware, r.last = true, fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]), nil
			r.mu.Unlock()
			log.Info("pn532: chip ready", "source", r.opts.Source, "interface", r.opts.Interface, "firmware", fmt.Sprintf("%#02x %d.%d", v[0], v[1], v[2]))
		}
		uid, err := r.dev.poll()
		r.mu.Lock()
		r.stats.Polls++
		r.stats.Nacks, r.stats.Stale = uint64(r.dev.nacks), uint64(r.dev.stale)
		r.mu.Unlock()
		if err != nil {
			if failures == 0 {
				log.Warn("pn532: poll failed, setting the chip up again", "source", r.opts.Source, "err", err)
			}
			r.failed(err)
			ready = false
			failures++
			if err := r.retry().Sleep(ctx, failures); err != nil {
				return err
			}
			continue
		}
		failures = 0
		switch {
		case uid == nil:
			if absent++; absent >= r.opts.Absent {
				held = nil
			}
		case string(uid) == string(held):
			absent = 0
		default:
			held, absent = uid, 0
			tap := reader.Tap{UID: uid, At: r.opts.Now(), Source: r.opts.Source}
			r.mu.Lock()
			r.stats.Taps++
			r.mu.Unlock()
			log.Debug("pn532: badge", "source", r.opts.Source, "badge", tap.UIDString())
			select {
			case out <- tap:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if err := backoff.Sleep(ctx, nil, r.opts.PollInterval); err != nil {
			return err
		}
	}
}

func (r *Reader) failed(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stats.OK = false
	r.stats.Errors++
	r.last = err
}

// retry is the backoff between attempts at setting the chip up again: ReinitMin
// doubled per failure, capped at ReinitMax, then jittered down by up to half.
func (r *Reader) retry() backoff.Policy {
	return backoff.Policy{Min: r.opts.ReinitMin, Max: r.opts.ReinitMax, Low: 0.5, Spread: 0.5}
}

// Stats returns the counters and the chip's health. Safe from any
// goroutine.
func (r *Reader) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stats
	if r.last != nil {
		s.LastErr = r.last.Error()
	}
	return s
}

// Close is a no-op kept for symmetry with the other readers: Run releases
// the serial port when it returns, and the I²C bus belongs to the caller.
func (r *Reader) Close() error { return nil }

// Health is Stats in the shape every reader reports.
func (r *Reader) Health() reader.Health {
	st := r.Stats()
	return reader.Health{OK: st.OK, LastError: st.LastErr, Counters: map[string]uint64{
		"taps": st.Taps, "polls": st.Polls, "reinits": st.Reinits, "errors": st.Errors, "nacks": st.Nacks, "stale": st.Stale,
	}}
}
