package wiegand

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/warthog618/go-gpiocdev"

	"stampclock/reader"
)

// Edges selects which edges the lines report.
type Edges string

const (
	// EdgesFalling reports only the start of each pulse (the default). Bits
	// closer than MinInterval spoil the frame.
	EdgesFalling Edges = "falling"
	// EdgesBoth also reports the end of each pulse, so pulses shorter than
	// MinPulse are recognised as glitches and ignored. Twice the events.
	EdgesBoth Edges = "both"
)

// DefaultFormats returns the parity-checked formats accepted when
// Options.Formats and Options.RawBits are both empty.
func DefaultFormats() []Format { return []Format{H10301, H10306, H10304} }

// Options configures a Reader (and a Decoder, which uses the line, timing and
// format fields). Zero values mean the default.
type Options struct {
	// Chip is the GPIO character device, by name or path. Default
	// "gpiochip0" (the 40-pin header on Raspberry Pi 1–4 and, with current
	// kernels, on the Pi 5).
	Chip string
	// D0 and D1 are the line offsets on Chip of the reader's DATA0 (green)
	// and DATA1 (white) wires; on a Raspberry Pi that is the BCM GPIO
	// number. There is no default: they must differ, so leaving both unset
	// is an error rather than a silent guess.
	D0, D1 int
	// Gap is the silence that ends a frame. Default 25ms; readers send
	// bits about 2ms apart.
	Gap time.Duration
	// MinInterval is the shortest plausible time between two bits; closer
	// edges mean noise and spoil the frame. Default 150µs.
	MinInterval time.Duration
	// MinPulse is the shortest plausible pulse; shorter ones are glitches
	// and ignored. Only used with EdgesBoth. Default 10µs (real pulses are
	// 20–100µs).
	MinPulse time.Duration
	// Edges selects falling-edge or both-edge detection. Default
	// EdgesFalling.
	Edges Edges
	// PullUp enables the SoC's internal pull-ups on D0 and D1, for readers
	// with open-collector outputs. Default off.
	PullUp bool
	// Formats are the parity-checked layouts accepted. Default
	// DefaultFormats() (h10301, h10306, h10304) if RawBits and Custom are
	// empty too.
	Formats []Format
	// Custom are site-specific layouts (see ParseLayout). Their lengths
	// may not clash with Formats or RawBits. Default none.
	Custom []Layout
	// RawBits lists frame lengths accepted without any parity check, for
	// readers that send a card serial number as is (for example 32 or 56).
	// A length may not also belong to a format in Formats. Default none.
	RawBits []int
	// Source names the reader in taps. Default "wiegand".
	Source string
	// Logger receives discarded-frame warnings (the first of each kind;
	// later ones at debug level). Default slog.Default().
	Logger *slog.Logger
	// Now stamps taps. Default time.Now.
	Now func() time.Time
	// EventBuffer is how many edge events may wait between the GPIO event
	// handler and Run; overflow spoils the frame. Default 512.
	EventBuffer int
}

// DefaultOptions holds the defaults that Options' zero values stand for. D0
// and D1 have none.
var DefaultOptions = Options{
	Chip:        "gpiochip0",
	Gap:         25 * time.Millisecond,
	MinInterval: 150 * time.Microsecond,
	MinPulse:    10 * time.Microsecond,
	Edges:       EdgesFalling,
	Source:      "wiegand",
	EventBuffer: 512,
}

func (o Options) withDefaults() Options {
	def := DefaultOptions
	reader.Default(&o.Chip, def.Chip)
	reader.Default(&o.Gap, def.Gap)
	reader.Default(&o.MinInterval, def.MinInterval)
	reader.Default(&o.MinPulse, def.MinPulse)
	reader.Default(&o.Edges, def.Edges)
	if len(o.Formats) == 0 && len(o.RawBits) == 0 && len(o.Custom) == 0 {
		o.Formats = DefaultFormats()
	}
	reader.DefaultCommon(&o.Source, def.Source, &o.Logger, &o.Now)
	reader.Default(&o.EventBuffer, def.EventBuffer)
	return o
}

func (o Options) validate() error {
	switch {
	case o.D0 < 0 || o.D1 < 0:
		return fmt.Errorf("wiegand: line offsets d0=%d d1=%d: want >= 0", o.D0, o.D1)
	case o.D0 == o.D1:
		return fmt.Errorf("wiegand: d0 and d1 are both line %d: set both line offsets", o.D0)
	case o.Gap < 0 || o.MinInterval < 0 || o.MinPulse < 0:
		return errors.New("wiegand: negative gap, min_interval or min_pulse")
	case o.MinInterval >= o.Gap:
		return fmt.Errorf("wiegand: min_interval %v must be shorter than gap %v", o.MinInterval, o.Gap)
	case o.Edges != EdgesFalling && o.Edges != EdgesBoth:
		return fmt.Errorf("wiegand: edges %q: want %q or %q", o.Edges, EdgesFalling, EdgesBoth)
	case o.EventBuffer < 0:
		return fmt.Errorf("wiegand: event_buffer %d: want > 0", o.EventBuffer)
	}
	return nil
}

// Reader is a Wiegand reader on two GPIO lines. It implements reader.Source.
type Reader struct {
	opts   Options
	dec    *Decoder
	events chan gpiocdev.LineEvent

	dropped  atomic.Uint64
	seenDrop uint64         // Run's view of dropped
	warned   map[error]bool // discard reasons already logged at warn level

	lines     *gpiocdev.Lines // nil when built by newReader in tests
	closeOnce sync.Once
	closeErr  error
}

// newReader builds a Reader without touching hardware.
func newReader(opts Options) (*Reader, error) {
	opts = opts.withDefaults()
	dec, err := NewDecoder(opts)
	if err != nil {
		return nil, err
	}
	return &Reader{
		opts:   opts,
		dec:    dec,
		events: make(chan gpiocdev.LineEvent, opts.EventBuffer),
		warned: make(map[error]bool),
	}, nil
}

// NewDetached builds a Reader bound to no GPIO lines: edge events are
// pushed with Handle, exactly as the GPIO backend's watcher pushes them.
// For simulations and replays of recorded pulse trains.
func NewDetached(opts Options) (*Reader, error) { return newReader(opts) }

// Handle passes one edge event to the Reader as the GPIO backend does. It
// never blocks.
func (r *Reader) Handle(ev gpiocdev.LineEvent) { r.handle(ev) }

// Open validates opts and requests D0 and D1 as inputs with edge detection,
// in one request so that the events' sequence numbers order both lines.
// Events are buffered from then on; call Run to decode them and Close to
// release the lines.
func Open(opts Options) (*Reader, error) {
	r, err := newReader(opts)
	if err != nil {
		return nil, err
	}
	o := r.opts
	reqOpts := []gpiocdev.LineReqOption{
		gpiocdev.WithConsumer("stampd"),
		gpiocdev.WithEventHandler(r.handle),
	}
	if o.Edges == EdgesBoth {
		reqOpts = append(reqOpts, gpiocdev.WithBothEdges)
	} else {
		reqOpts = append(reqOpts, gpiocdev.WithFallingEdge)
	}
	if o.PullUp {
		reqOpts = append(reqOpts, gpiocdev.WithPullUp)
	}
	lines, err := gpiocdev.RequestLines(o.Chip, []int{o.D0, o.D1}, reqOpts...)
	if err != nil {
		return nil, fmt.Errorf("wiegand: request lines d0=%d d1=%d on %s: %w", o.D0, o.D1, o.Chip, err)
	}
	r.lines = lines
	return r, nil
}

// handle is the gpiocdev event handler. It must not block: when Run falls
// behind, the event is dropped and counted, which spoils the frame.
func (r *Reader) handle(ev gpiocdev.LineEvent) {
	select {
	case r.events <- ev:
	default:
		r.dropped.Add(1)
	}
}

// Run decodes frames and sends a tap for each valid one until ctx is done.
// It returns ctx.Err(). Run must not be called concurrently with itself.
func (r *Reader) Run(ctx context.Context, out chan<- reader.Tap) error {
	timer := time.NewTimer(r.opts.Gap)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev := <-r.events:
			if err := r.feed(ctx, ev, out); err != nil {
				return err
			}
		case <-timer.C:
			// Events may have queued up while the timer fired; they
			// decide with their kernel timestamps whether the frame is over.
			drained, err := r.drain(ctx, out)
			if err != nil {
				return err
			}
			if !drained {
				f, ended, ferr := r.dec.Flush()
				if err := r.emit(ctx, out, f, ended, ferr); err != nil {
					return err
				}
			}
		}
		if r.dec.Pending() {
			timer.Reset(r.opts.Gap)
		}
	}
}

func (r *Reader) drain(ctx context.Context, out chan<- reader.Tap) (bool, error) {
	drained := false
	for {
		select {
		case ev := <-r.events:
			drained = true
			if err := r.feed(ctx, ev, out); err != nil {
				return drained, err
			}
		default:
			return drained, nil
		}
	}
}

func (r *Reader) feed(ctx context.Context, ev gpiocdev.LineEvent, out chan<- reader.Tap) error {
	if n := r.dropped.Load(); n != r.seenDrop {
		r.seenDrop = n
		r.dec.MarkLost()
	}
	f, ended, err := r.dec.Feed(ev)
	return r.emit(ctx, out, f, ended, err)
}

func (r *Reader) emit(ctx context.Context, out chan<- reader.Tap, f Frame, ended bool, err error) error {
	if !ended {
		return nil
	}
	log := r.opts.Logger
	if err != nil {
		reason := discardReason(err)
		level := slog.LevelDebug
		if !r.warned[reason] {
			r.warned[reason] = true
			level = slog.LevelWarn
		}
		log.Log(ctx, level, "wiegand: frame discarded", "source", r.opts.Source, "err", err)
		return nil
	}
	tap := reader.Tap{UID: f.UID, At: r.opts.Now(), Source: r.opts.Source}
	log.Debug("wiegand: frame", "source", r.opts.Source, "badge", tap.UIDString(),
		"format", f.Format, "facility", f.Facility, "card", f.Card)
	select {
	case out <- tap:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func discardReason(err error) error {
	for _, e := range []error{ErrParity, ErrLength, ErrLost, ErrNoise} {
		if errors.Is(err, e) {
			return e
		}
	}
	return err
}

// Stats returns the decoder's counters plus events dropped between the GPIO
// handler and Run. Safe to call from any goroutine.
func (r *Reader) Stats() Stats {
	s := r.dec.Stats()
	s.Dropped = r.dropped.Load()
	return s
}

// Close releases the GPIO lines. Call it after Run has returned; it is safe
// to call more than once.
func (r *Reader) Close() error {
	r.closeOnce.Do(func() {
		if r.lines != nil {
			if err := r.lines.Close(); err != nil {
				r.closeErr = fmt.Errorf("wiegand: release lines: %w", err)
			}
		}
	})
	return r.closeErr
}

// Health is Stats in the shape every reader reports; a Wiegand line has no
// fault it could detect, so it is always OK.
func (r *Reader) Health() reader.Health {
	st := r.Stats()
	return reader.Health{OK: true, Counters: map[string]uint64{
		"frames": st.Frames, "bad_parity": st.BadParity, "bad_length": st.BadLength,
		"lost": st.Lost, "noise": st.Noise, "dropped": st.Dropped,
	}}
}
