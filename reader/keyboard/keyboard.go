package keyboard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"stampclock/internal/backoff"
	"stampclock/reader"
)

// ErrNotEvdev is returned when the device path is not an evdev input device
// (the grab ioctl is not supported). It is permanent: fix the path.
var ErrNotEvdev = errors.New("keyboard: not an evdev input device")

// ioctl requests from linux/input.h: _IOW('E', 0x90, int) and
// _IOW('E', 0xa0, int). The encoding is the same on arm, arm64 and amd64.
const (
	eviocgrab     = 0x40044590
	eviocsclockid = 0x400445a0
)

// Options configures a Reader (and a Decoder, which uses the format, layout,
// length and timing fields). Zero values mean the default.
type Options struct {
	// Path is the input device, preferably the stable
	// /dev/input/by-id/usb-…-event-kbd link. Required by Open.
	Path string
	// Format is how the reader writes badge numbers: FormatDecimal (the
	// default) or FormatHex.
	Format Format
	// Layout is the keyboard layout the reader is set up for. Default
	// LayoutUS.
	Layout Layout
	// Length is the exact number of characters in a valid line, for
	// readers with fixed-width output (10 for EM4100 decimal readers). 0
	// accepts any length up to MaxLen. Default 0.
	Length int
	// MaxLen is the longest line kept, in characters; longer lines are
	// discarded. Default 64.
	MaxLen int
	// UIDBytes is the minimum UID width in bytes for FormatDecimal; the
	// number is left-padded with zero bytes. Default 4, so a 10-digit
	// EM4100 number gives the 4 bytes of its 32-bit value.
	UIDBytes int
	// KeyTimeout drops a half-typed line when the next key comes later
	// than this. Default 500ms (readers type a line in well under 100ms).
	KeyTimeout time.Duration
	// TimevalSize is the size of struct timeval in an input_event, in
	// bytes: 8 on 32-bit ARM, 16 on 64-bit systems. Default
	// PlatformTimevalSize; set it only to decode recordings from another
	// platform.
	TimevalSize int
	// NoGrab skips the exclusive grab (EVIOCGRAB). Without the grab,
	// swipes also type into the console. For tests and debugging.
	NoGrab bool
	// ReopenMin and ReopenMax bound the capped exponential backoff (with
	// jitter) between attempts to reopen a device that went away. Defaults
	// 250ms and 30s.
	ReopenMin, ReopenMax time.Duration
	// Source names the reader in taps. Default "keyboard".
	Source string
	// Logger receives warnings. Default slog.Default().
	Logger *slog.Logger
	// Now stamps taps. Default time.Now.
	Now func() time.Time
}

// DefaultOptions holds the defaults that Options' zero values stand for.
var DefaultOptions = Options{
	Format:      FormatDecimal,
	Layout:      LayoutUS,
	MaxLen:      64,
	UIDBytes:    4,
	KeyTimeout:  500 * time.Millisecond,
	TimevalSize: PlatformTimevalSize,
	ReopenMin:   250 * time.Millisecond,
	ReopenMax:   30 * time.Second,
	Source:      "keyboard",
}

func (o Options) withDefaults() Options {
	def := DefaultOptions
	reader.Default(&o.Format, def.Format)
	reader.Default(&o.Layout, def.Layout)
	reader.Default(&o.MaxLen, def.MaxLen)
	reader.Default(&o.UIDBytes, def.UIDBytes)
	reader.Default(&o.KeyTimeout, def.KeyTimeout)
	reader.Default(&o.TimevalSize, def.TimevalSize)
	reader.Default(&o.ReopenMin, def.ReopenMin)
	reader.Default(&o.ReopenMax, def.ReopenMax)
	reader.DefaultCommon(&o.Source, def.Source, &o.Logger, &o.Now)
	return o
}

func (o Options) validate() error {
	switch {
	case o.Format != FormatDecimal && o.Format != FormatHex:
		return fmt.Errorf("keyboard: format %q: want %q or %q", o.Format, FormatDecimal, FormatHex)
	case o.MaxLen < 0 || o.Length < 0 || o.Length > o.MaxLen:
		return fmt.Errorf("keyboard: length %d, max_len %d: want 0 <= length <= max_len", o.Length, o.MaxLen)
	case o.UIDBytes < 0 || o.UIDBytes > reader.MaxUIDLen:
		return fmt.Errorf("keyboard: uid_bytes %d: want 0..%d", o.UIDBytes, reader.MaxUIDLen)
	case o.TimevalSize != 8 && o.TimevalSize != 16:
		return fmt.Errorf("keyboard: timeval size %d: want 8 or 16", o.TimevalSize)
	case o.KeyTimeout < 0 || o.ReopenMin <= 0 || o.ReopenMax < o.ReopenMin:
		return errors.New("keyboard: key_timeout must be >= 0 and 0 < reopen_min <= reopen_max")
	}
	return nil
}

// Reader is a USB keyboard-wedge badge reader. It implements reader.Source.
type Reader struct {
	opts Options
	n    counters
	dev  reader.Reopener
}

// Open checks opts, opens the device and (unless NoGrab) grabs it
// exclusively, so that a swipe never types into a console. A path that is
// not an evdev device fails with ErrNotEvdev.
func Open(opts Options) (*Reader, error) {
	opts = opts.withDefaults()
	if opts.Path == "" {
		return nil, errors.New("keyboard: no device path")
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if _, err := newKeymap(opts.Layout); err != nil {
		return nil, err
	}
	r := &Reader{opts: opts}
	r.dev = reader.Reopener{
		Open:      func() (*os.File, error) { return openGrab(opts.Path, !opts.NoGrab) },
		Permanent: func(err error) bool { return errors.Is(err, ErrNotEvdev) },
		Retry:     r.retry(),
		Logger:    opts.Logger,
		Prefix:    "keyboard",
		Thing:     "device",
		Source:    opts.Source,
		Path:      opts.Path,
	}
	if err := r.dev.Start(); err != nil {
		return nil, err
	}
	return r, nil
}

func openGrab(path string, grab bool) (*os.File, error) {
	// Non-blocking, so the read goes through Go's poller and Close
	// interrupts it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("keyboard: open %s: %w", path, err)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("keyboard: open %s: %w", path, err)
	}
	var ioErr error
	cerr := rc.Control(func(fd uintptr) {
		if grab {
			ioErr = unix.IoctlSetInt(int(fd), eviocgrab, 1)
			if ioErr != nil {
				return
			}
		}
		// Timestamps from the monotonic clock, so the key timeout is
		// immune to clock steps; older kernels may refuse, which is fine.
		_ = unix.IoctlSetPointerInt(int(fd), eviocsclockid, unix.CLOCK_MONOTONIC)
	})
	switch {
	case cerr != nil:
		ioErr = cerr
	case errors.Is(ioErr, unix.ENOTTY) || errors.Is(ioErr, unix.EINVAL):
		ioErr = fmt.Errorf("%w: %w", ErrNotEvdev, ioErr)
	case errors.Is(ioErr, unix.EBUSY):
		ioErr = fmt.Errorf("already grabbed by another process: %w", ioErr)
	}
	if ioErr != nil {
		f.Close()
		return nil, fmt.Errorf("keyboard: grab %s: %w", path, ioErr)
	}
	return f, nil
}

// Run reads badges and sends a tap per valid line until ctx is done; it
// returns ctx.Err(). When the device goes away (unplugged), Run reopens it
// with capped exponential backoff; it returns early only with ErrNotEvdev.
func (r *Reader) Run(ctx context.Context, out chan<- reader.Tap) error {
	return r.dev.Run(ctx, func(ctx context.Context, f *os.File) (bool, error) { return r.read(ctx, f, out) })
}

// read decodes lines from f until reading fails; got reports whether any
// event-carrying read succeeded (the device really worked).
func (r *Reader) read(ctx context.Context, f *os.File, out chan<- reader.Tap) (got bool, err error) {
	stop := context.AfterFunc(ctx, func() { f.Close() })
	defer stop()
	dec, err := newDecoder(f, r.opts, &r.n)
	if err != nil {
		return false, err
	}
	for {
		line, err := dec.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = fmt.Errorf("keyboard: read %s: device closed (EOF)", r.opts.Path)
			}
			return got, err
		}
		got = true
		tap := reader.Tap{UID: line.UID, At: r.opts.Now(), Source: r.opts.Source}
		r.opts.Logger.Debug("keyboard: badge", "source", r.opts.Source, "badge", tap.UIDString())
		select {
		case out <- tap:
		case <-ctx.Done():
			return got, ctx.Err()
		}
	}
}

// retry is the backoff between attempts at reopening the device: ReopenMin
// doubled per failure, capped at ReopenMax, then jittered down by up to half.
func (r *Reader) retry() backoff.Policy {
	return backoff.Policy{Min: r.opts.ReopenMin, Max: r.opts.ReopenMax, Low: 0.5, Spread: 0.5}
}

// Stats returns the line counters and the device's health. Safe from any
// goroutine.
func (r *Reader) Stats() Stats {
	s := r.n.stats()
	d := r.dev.Stats()
	s.Opens, s.OpenErrors, s.Connected, s.LastErr = d.Opens, d.OpenErrors, d.Connected, d.LastErr
	return s
}

// Close releases the device (and with it the grab). Call it after Run has
// returned; it is safe to call more than once.
func (r *Reader) Close() error {
	if err := r.dev.Close(); err != nil {
		return fmt.Errorf("keyboard: close %s: %w", r.opts.Path, err)
	}
	return nil
}

// Health is Stats in the shape every reader reports.
func (r *Reader) Health() reader.Health {
	st := r.Stats()
	return reader.Health{OK: st.Connected, LastError: st.LastErr, Counters: map[string]uint64{
		"lines": st.Lines, "garbage": st.Garbage, "overlong": st.Overlong, "timed_out": st.TimedOut,
		"dropped": st.Dropped, "open_errors": st.OpenErrors,
	}}
}
