package daemon

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"stampclock/daytotal"
)

type totalKey struct {
	email string
	day   daytotal.Date
}

// totalCache keeps the day totals last fetched from a remote source, for
// the display after a stop, and fetches at most one of each in the
// background at a time.
type totalCache struct {
	src daytotal.Source
	log *slog.Logger

	mu      sync.Mutex
	m       map[totalKey]time.Duration
	busy    map[totalKey]bool
	ctx     context.Context // fetches' parent: Run's context once run has started
	stopped bool            // Run is ending: no new fetches
	fetches sync.WaitGroup
}

func newTotalCache(src daytotal.Source, log *slog.Logger) *totalCache {
	return &totalCache{src: src, log: log, m: map[totalKey]time.Duration{}, busy: map[totalKey]bool{}, ctx: context.Background()}
}

// get returns the cached total of email on day, if any, and starts a
// background fetch of it unless one is running.
func (c *totalCache) get(email string, day daytotal.Date, timeout time.Duration) (time.Duration, bool) {
	k := totalKey{email, day}
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	if !c.busy[k] && !c.stopped {
		c.busy[k] = true
		c.fetches.Add(1)
		go c.fetch(c.ctx, k, timeout)
	}
	return v, ok
}

// bind makes ctx (Run's) the parent of the fetches started from now on:
// they end with it. Run binds the cache before it serves any command or
// reads any tap, so no fetch can start on the cache's first context and
// outlive Run. Before bind, fetches are bounded by their timeout alone.
func (c *totalCache) bind(ctx context.Context) {
	c.mu.Lock()
	c.ctx = ctx
	c.mu.Unlock()
}

// run binds the cache to ctx and returns when ctx is done and every fetch
// has ended.
func (c *totalCache) run(ctx context.Context) error {
	c.bind(ctx)
	<-ctx.Done()
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
	c.fetches.Wait()
	return nil
}

func (c *totalCache) fetch(base context.Context, k totalKey, timeout time.Duration) {
	defer c.fetches.Done()
	ctx, cancel := context.WithTimeout(base, timeout)
	defer cancel()
	total, err := c.src.DayTotal(ctx, k.email, k.day)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.busy, k)
	if err != nil {
		c.log.Warn("day total", "email", k.email, "day", k.day.String(), "err", err)
		return
	}
	c.putLocked(k, total)
}

// fetched is the outcome of a fetch asked for with ask.
type fetched struct {
	total time.Duration
	err   error
}

// errStopping answers an ask made while Run ends.
var errStopping = errors.New("stampd is stopping")

// ask fetches the total of email on day, whether or not get's fetch of it
// runs, caches it and sends the outcome on the channel returned (which
// holds it: nobody needs to wait). The fetch is one of the cache's: it
// ends with Run, and Run waits for it.
func (c *totalCache) ask(email string, day daytotal.Date, timeout time.Duration) <-chan fetched {
	got := make(chan fetched, 1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		got <- fetched{err: errStopping}
		return got
	}
	c.fetches.Add(1)
	go func(base context.Context) {
		defer c.fetches.Done()
		ctx, cancel := context.WithTimeout(base, timeout)
		defer cancel()
		total, err := c.src.DayTotal(ctx, email, day)
		if err == nil {
			c.put(email, day, total)
		}
		got <- fetched{total, err}
	}(c.ctx)
	return got
}

// peek returns the cached total of email on day, if any, fetching nothing.
func (c *totalCache) peek(email string, day daytotal.Date) (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[totalKey{email, day}]
	return v, ok
}

// put stores a total fetched elsewhere (by `stampctl daytotal`).
func (c *totalCache) put(email string, day daytotal.Date, total time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(totalKey{email, day}, total)
}

// putLocked stores a total and forgets those of days before yesterday.
func (c *totalCache) putLocked(k totalKey, total time.Duration) {
	c.m[k] = total
	old := k.day.AddDays(-1)
	for key := range c.m {
		if key.day.Before(old) {
			delete(c.m, key)
		}
	}
}
