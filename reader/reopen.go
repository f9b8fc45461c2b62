package reader

import (
	"context"
	"log/slog"
	"os"
	"sync"

	"stampclock/internal/backoff"
)

// Reopener keeps the device file of a reader that reads a character device
// (an input event device, a serial port) open while the reader runs: it
// opens the file, counts opens and failures, and when reading fails closes
// the file and opens it again with capped exponential backoff. Set the
// exported fields before first use and leave them alone afterwards; the
// methods are safe from any goroutine.
type Reopener struct {
	// Open opens the device file. Required.
	Open func() (*os.File, error)
	// Permanent reports an open error Run returns at once instead of
	// retrying. Nil: every open error is retried.
	Permanent func(error) bool
	// Lost runs on Run's goroutine after a file failed and was closed,
	// before the backoff: for a decoder to drop a half-read frame. Optional.
	Lost func()
	// Retry is the backoff between attempts at reopening the file.
	Retry backoff.Policy
	// Logger, Source and Path go into the warnings; Prefix and Thing name
	// the package and the file in them ("keyboard", "device").
	Logger        *slog.Logger
	Prefix, Thing string
	Source, Path  string

	mu    sync.Mutex // guards the fields below
	f     *os.File   // the open file, nil between reopens
	opens uint64
	errs  uint64
	last  error
}

// Start opens the file at once, so that a wrong path is reported when the
// reader is opened rather than when it runs.
func (o *Reopener) Start() error {
	f, err := o.open()
	if err != nil {
		return err
	}
	o.mu.Lock()
	o.f = f
	o.mu.Unlock()
	return nil
}

// open opens the file and records the outcome.
func (o *Reopener) open() (*os.File, error) {
	f, err := o.Open()
	o.mu.Lock()
	defer o.mu.Unlock()
	if err != nil {
		o.errs++
		o.last = err
		return nil, err
	}
	o.opens++
	o.last = nil
	return f, nil
}

// Run calls read with the open file until ctx is done and returns
// ctx.Err(). When read returns, the file is closed and its error counted;
// the next file is opened after a backoff that starts afresh when read
// reported (got) that the file really worked. Run returns early only with
// an open error that Permanent reports.
func (o *Reopener) Run(ctx context.Context, read func(ctx context.Context, f *os.File) (got bool, err error)) error {
	failures := 0
	for {
		o.mu.Lock()
		f := o.f
		o.mu.Unlock()
		if f == nil {
			var err error
			f, err = o.open()
			switch {
			case err != nil && o.Permanent != nil && o.Permanent(err):
				return err
			case err != nil:
				if failures == 0 {
					o.Logger.Warn(o.Prefix+": "+o.Thing+" unavailable, retrying", "source", o.Source, "err", err)
				}
				failures++
				if err := o.Retry.Sleep(ctx, failures); err != nil {
					return err
				}
				continue
			}
			if failures > 0 {
				o.Logger.Info(o.Prefix+": "+o.Thing+" reopened", "source", o.Source, "path", o.Path)
			}
			o.mu.Lock()
			o.f = f
			o.mu.Unlock()
		}
		got, err := read(ctx, f)
		o.mu.Lock()
		f.Close()
		o.f = nil
		if ctx.Err() == nil {
			o.errs++
			o.last = err
		}
		o.mu.Unlock()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if o.Lost != nil {
			o.Lost()
		}
		if got {
			failures = 0
		}
		if failures == 0 {
			o.Logger.Warn(o.Prefix+": "+o.Thing+" lost, reopening", "source", o.Source, "path", o.Path, "err", err)
		}
		failures++
		if err := o.Retry.Sleep(ctx, failures); err != nil {
			return err
		}
	}
}

// FileStats is the file's health as a Reopener keeps it.
type FileStats struct {
	// Opens and OpenErrors count successful opens and failures (of
	// opening or of reading).
	Opens, OpenErrors uint64
	// Connected is true while the file is open.
	Connected bool
	// LastErr is the latest error, "" after a successful open.
	LastErr string
}

// Stats returns the file's health.
func (o *Reopener) Stats() FileStats {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := FileStats{Opens: o.opens, OpenErrors: o.errs, Connected: o.f != nil}
	if o.last != nil {
		s.LastErr = o.last.Error()
	}
	return s
}

// Close closes the file if it is open and returns the error of closing it
// unwrapped. Call it after Run has returned; it is safe to call more than
// once.
func (o *Reopener) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.f == nil {
		return nil
	}
	err := o.f.Close()
	o.f = nil
	return err
}
