package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"stampclock/device/config"
	"stampclock/device/readers/hardware"
	"stampclock/internal/backoff"
	"stampclock/reader"
)

// reopenBackoff paces the attempts to open a reader that was missing at
// start: 1 s doubling to 1 min, no jitter (there is one reader).
var reopenBackoff = backoff.Policy{Min: time.Second, Max: time.Minute}

// reopener stands in for a hardware reader that could not be opened at
// start (SPI not enabled, the USB reader unplugged, a wrong GPIO chip): it
// tries again with capped backoff (1 s doubling to 1 min) and meanwhile
// reports the fault as the reader's health, so stampd keeps its control
// socket, `stampctl status` and `check` say what is wrong, and taps work
// as soon as the reader opens.
type reopener struct {
	kind  string
	open  hardware.Open
	log   *slog.Logger
	retry backoff.Policy

	mu    sync.Mutex
	src   reader.Source // set once opened
	err   error         // the last open error
	tries uint64
}

func newReopener(kind string, open hardware.Open, first error, log *slog.Logger, after func(time.Duration) <-chan time.Time) *reopener {
	log.Error("reader cannot be opened; stampd keeps running and retries", "reader", kind, "err", first)
	retry := reopenBackoff
	retry.After = after
	return &reopener{kind: kind, open: open, log: log, retry: retry, err: first, tries: 1}
}

// Run opens the reader, retrying, then runs it until ctx is done.
func (r *reopener) Run(ctx context.Context, out chan<- reader.Tap) error {
	for {
		r.mu.Lock()
		tries := int(r.tries)
		r.mu.Unlock()
		if err := r.retry.Sleep(ctx, tries); err != nil {
			return nil
		}
		src, err := r.open()
		r.mu.Lock()
		r.tries++
		if err != nil {
			r.err = err
			r.mu.Unlock()
			continue
		}
		r.src, r.err = src, nil
		tries = int(r.tries)
		r.mu.Unlock()
		r.log.Info("reader opened", "reader", r.kind, "tries", tries)
		if c, ok := src.(interface{ Close() error }); ok {
			defer c.Close()
		}
		return src.Run(ctx, out)
	}
}

// health is the opened reader's health, or the open fault.
func (r *reopener) health() ReaderHealth {
	r.mu.Lock()
	src, err, tries := r.src, r.err, r.tries
	r.mu.Unlock()
	if src != nil {
		if h, ok := src.(healthReporter); ok {
			return h.Health()
		}
		return ReaderHealth{OK: true}
	}
	return ReaderHealth{
		OK:        false,
		LastError: fmt.Sprintf("cannot open (tried %d times, retrying): %v", tries, err),
		Counters:  map[string]uint64{"open_errors": tries},
	}
}

// ProbeReader opens the configured hardware reader once and closes it: what
// `stampctl check` does when stampd is not running (while it runs, the
// reader is stampd's and stampd is asked instead).
func ProbeReader(cfg *config.Config) (string, error) {
	open, err := hardware.Opener(cfg.Reader.Type, cfg.Reader.Section(), slog.New(slog.DiscardHandler))
	if err != nil {
		return "", err
	}
	src, err := open()
	if err != nil {
		return "", err
	}
	if _, ok := src.(*reader.Sim); ok {
		return "simulated reader", nil
	}
	if c, ok := src.(interface{ Close() error }); ok {
		if err := c.Close(); err != nil {
			return "", fmt.Errorf("reader.%s: opened, but closing it failed: %w", cfg.Reader.Type, err)
		}
	}
	return "opens (stampd not running)", nil
}
