package rdm6300

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"stampclock/internal/backoff"
	"stampclock/reader"
	"stampclock/reader/serial"
)

// Options configures a Reader. Zero values mean the default.
type Options struct {
	// Path is the serial port: a /dev/serial/by-id/… link for a USB
	// adapter, or the default "/dev/serial0" (the Pi's UART on the header).
	Path string
	// Baud is the line speed. Default 9600, the module's fixed rate.
	Baud int
	// UIDBytes is how many of the tag's five bytes form the UID: 5 (the
	// default: all, as the module sends them) or 4 (the 32-bit serial
	// without the version byte, as keyboard-wedge EM readers and the
	// 10-digit decimal printed on cards give it).
	UIDBytes int
	// Silence is how long a tag must stay unread before it counts as gone:
	// frames of the same tag closer than this are one tap. Default 1s.
	Silence time.Duration
	// ReopenMin and ReopenMax bound the capped exponential backoff (with
	// jitter) between attempts to reopen a port that failed. Defaults
	// 250ms and 30s.
	ReopenMin, ReopenMax time.Duration
	// Source names the reader in taps. Default "rdm6300".
	Source string
	// Logger receives warnings. Default slog.Default().
	Logger *slog.Logger
	// Now stamps taps and times the silence between frames. Default
	// time.Now.
	Now func() time.Time
}

// DefaultOptions holds the defaults that Options' zero values stand for.
var DefaultOptions = Options{
	Path:      "/dev/serial0",
	Baud:      9600,
	UIDBytes:  5,
	Silence:   time.Second,
	ReopenMin: 250 * time.Millisecond,
	ReopenMax: 30 * time.Second,
	Source:    "rdm6300",
}

func (o Options) withDefaults() Options {
	def := DefaultOptions
	reader.Default(&o.Path, def.Path)
	reader.Default(&o.Baud, def.Baud)
	reader.Default(&o.UIDBytes, def.UIDBytes)
	reader.Default(&o.Silence, def.Silence)
	reader.Default(&o.ReopenMin, def.ReopenMin)
	reader.Default(&o.ReopenMax, def.ReopenMax)
	reader.DefaultCommon(&o.Source, def.Source, &o.Logger, &o.Now)
	return o
}

func (o Options) validate() error {
	switch {
	case serial.Bauds[o.Baud] == 0:
		return fmt.Errorf("rdm6300: baud %d: want 9600 (or 2400 to 115200)", o.Baud)
	case o.UIDBytes != 4 && o.UIDBytes != UIDLen:
		return fmt.Errorf("rdm6300: uid_bytes %d: want 5 (all) or 4 (without the version byte)", o.UIDBytes)
	case o.Silence < 0 || o.ReopenMin < 0 || o.ReopenMax < o.ReopenMin:
		return fmt.Errorf("rdm6300: silence %v, reopen %v..%v: want positive durations, min <= max", o.Silence, o.ReopenMin, o.ReopenMax)
	}
	return nil
}

// Stats counts frames and taps and reports the port's health.
type Stats struct {
	ParserStats
	// Taps is the number of taps sent; Repeats the frames of a held tag
	// that were not.
	Taps, Repeats uint64
	// Opens and OpenErrors count successful opens and failures (of
	// opening or of reading).
	Opens, OpenErrors uint64
	// Connected is true while the port is open.
	Connected bool
	// LastErr is the latest port error, "" after a successful open.
	LastErr string
}

// Reader reads tags from an RDM6300 module. It implements reader.Source.
type Reader struct {
	opts   Options
	parser Parser
	port   reader.Reopener

	presence Presence

	mu            sync.Mutex // guards the fields below
	taps, repeats uint64
}

// Open checks opts and opens the port, so that a wrong path or a file that
// is not a serial port is reported at start. Run reads it; Close releases it.
func Open(opts Options) (*Reader, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	r := &Reader{opts: opts, presence: Presence{Silence: opts.Silence}}
	r.port = reader.Reopener{
		Open: func() (*os.File, error) { return serial.Open(opts.Path, opts.Baud) },
		// A frame in a partial read is lost with the port.
		Lost:   r.parser.Reset,
		Retry:  r.retry(),
		Logger: opts.Logger,
		Prefix: "rdm6300",
		Thing:  "port",
		Source: opts.Source,
		Path:   opts.Path,
	}
	if err := r.port.Start(); err != nil {
		return nil, err
	}
	return r, nil
}

// Run reads frames and sends a tap per tag presented until ctx is done; it
// returns ctx.Err(). A port that fails is closed and reopened with backoff.
func (r *Reader) Run(ctx context.Context, out chan<- reader.Tap) error {
	return r.port.Run(ctx, func(ctx context.Context, f *os.File) (bool, error) { return r.read(ctx, f, out) })
}

// read parses the port's bytes until reading fails; got reports whether
// any byte arrived (the port really worked).
func (r *Reader) read(ctx context.Context, f *os.File, out chan<- reader.Tap) (got bool, err error) {
	stop := context.AfterFunc(ctx, func() { f.Close() })
	defer stop()
	buf := make([]byte, 64)
	for {
		n, err := f.Read(buf)
		for _, b := range buf[:n] {
			got = true
			uid, ferr := r.parser.Feed(b)
			if ferr != nil {
				r.opts.Logger.Debug("rdm6300: frame discarded", "source", r.opts.Source, "err", ferr)
			}
			if uid == nil {
				continue
			}
			uid = uid[UIDLen-r.opts.UIDBytes:]
			if err := r.tag(ctx, uid, out); err != nil {
				return got, err
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = fmt.Errorf("rdm6300: read %s: port closed (EOF)", r.opts.Path)
			} else {
				err = fmt.Errorf("rdm6300: read %s: %w", r.opts.Path, err)
			}
			return got, err
		}
	}
}

// tag sends a tap unless uid is the tag already in the field.
func (r *Reader) tag(ctx context.Context, uid []byte, out chan<- reader.Tap) error {
	now := r.opts.Now()
	held := !r.presence.Seen(uid, now)
	r.mu.Lock()
	if held {
		r.repeats++
	} else {
		r.taps++
	}
	r.mu.Unlock()
	if held {
		return nil
	}
	tap := reader.Tap{UID: uid, At: now, Source: r.opts.Source}
	r.opts.Logger.Debug("rdm6300: badge", "source", r.opts.Source, "badge", tap.UIDString())
	select {
	case out <- tap:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retry is the backoff between attempts at reopening the port: ReopenMin
// doubled per failure, capped at ReopenMax, then jittered down by up to half.
func (r *Reader) retry() backoff.Policy {
	return backoff.Policy{Min: r.opts.ReopenMin, Max: r.opts.ReopenMax, Low: 0.5, Spread: 0.5}
}

// Stats returns the counters and the port's health. Safe from any
// goroutine.
func (r *Reader) Stats() Stats {
	s := Stats{ParserStats: r.parser.Stats()}
	r.mu.Lock()
	defer r.mu.Unlock()
	s.Taps, s.Repeats = r.taps, r.repeats
	p := r.port.Stats()
	s.Opens, s.OpenErrors, s.Connected, s.LastErr = p.Opens, p.OpenErrors, p.Connected, p.LastErr
	return s
}

// Close releases the port. Call it after Run has returned; it is safe to
// call more than once.
func (r *Reader) Close() error {
	if err := r.port.Close(); err != nil {
		return fmt.Errorf("rdm6300: close %s: %w", r.opts.Path, err)
	}
	return nil
}

// Presence tells a new tap from the repeated frames of a tag held on the
// reader. The zero value treats every frame as a new tap.
type Presence struct {
	// Silence is how long a tag must stay unread to count as gone.
	Silence time.Duration

	uid []byte
	at  time.Time
}

// Seen records a frame of uid at time at and reports whether it is a new
// tap: another tag than the last one, or the same after Silence.
func (p *Presence) Seen(uid []byte, at time.Time) bool {
	held := p.uid != nil && string(p.uid) == string(uid) && at.Sub(p.at) < p.Silence
	p.uid, p.at = uid, at
	return !held
}

// Health is Stats in the shape every reader reports.
func (r *Reader) Health() reader.Health {
	st := r.Stats()
	return reader.Health{OK: st.Connected, LastError: st.LastErr, Counters: map[string]uint64{
		"frames": st.Frames, "taps": st.Taps, "repeats": st.Repeats, "bad_checksum": st.BadChecksum,
		"bad_frame": st.BadFrame, "garbage": st.Garbage, "opens": st.Opens, "open_errors": st.OpenErrors,
	}}
}
