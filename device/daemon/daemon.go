// Package daemon wires stampd together from its configuration: the queue,
// the agent with its reader and feedback, the uplink runners and the control
// socket. cmd/stampd only parses flags, handles signals and calls Run.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"stampclock/device/agent"
	"stampclock/device/clock"
	"stampclock/device/config"
	"stampclock/device/control"
	"stampclock/device/ctlproto"
	"stampclock/device/feedback/display"
	"stampclock/device/metrics"
	"stampclock/device/punch"
	"stampclock/device/remote"
	"stampclock/device/sitebadges"
	"stampclock/queue"
	"stampclock/reader"
	"stampclock/uplink"
)

// Options are what the caller injects. Zero values mean the real thing.
type Options struct {
	Clock    clock.Clock
	Logger   *slog.Logger
	Feedback agent.Feedback
	// OnTap is told every tap's outcome (the web page's live taps).
	OnTap func(agent.Outcome)
	// HTTPClient is used by the REST uplink (tests inject transports).
	HTTPClient *http.Client
	// Backoff bounds override the uplinks' defaults (tests use short ones).
	MinBackoff, MaxBackoff time.Duration
	// Version is reported by status.
	Version string
	// MinTime is the earliest trustworthy wall-clock time (the build date);
	// default clock.Earliest.
	MinTime time.Time
	// CheckStore checks the store file before it is opened and returns an
	// error wrapping queue.ErrCorrupt for a damaged one (stampd runs the
	// check in a child process). Nil skips the check.
	CheckStore func(path string) error
	// ClockPoll is how often the clock's sync state is looked at to correct
	// untrusted times. Default 10s.
	ClockPoll time.Duration
	// Source replaces the configured badge reader (tests drive real
	// drivers on simulated hardware).
	Source reader.Source
	// HealthPoll is how often the reader's health is looked at. Default 5s.
	HealthPoll time.Duration
	// VerifyPoll is how often emails of badges enrolled offline are
	// checked again. Default 10m.
	VerifyPoll time.Duration
	// ConfigPoll is how often the uplinks' configuration is checked again
	// (besides at start and after a reload). Default 5m.
	ConfigPoll time.Duration
	// Timers start the daemon loops' tickers and waits. Default
	// clock.RealTimers.
	Timers clock.Timers
}

// Daemon is a configured, not yet running stampd.
type Daemon struct {
	cfg     *config.Config
	opts    Options
	log     *slog.Logger
	store   *queue.Store
	agent   *agent.Agent
	sim     *reader.Sim
	source  reader.Source
	script  []ScriptStep
	runners []*uplink.Runner
	// runnerKinds: the record kinds each runner's uplink takes (nil:
	// every kind).
	runnerKinds [][]queue.Kind
	started     time.Time
	alarm       *StoreAlarm // set when a damaged store was moved aside
	storeWarn   storeWatch
	// otherStores: stores found beside a store created at this start
	// (otherstores.go).
	otherStores string
	damaged     quarantineWatch // quarantined records already reported
	sideErr     sideFault       // why the metrics endpoint is down, if it is
	health      func() ReaderHealth
	users       []userList       // the uplinks that list whom they deliver for
	closers     []func() error   // hardware to release when Run ends
	reads       readSide         // day totals and locked days (readside.go)
	display     *display.Output  // the configured display, or nil (notices)
	metrics     *metrics.Metrics // nil when [metrics] listen is not set
	// uplinkRuns run beside the listed uplinks' runners, changed are told
	// of every change of the terminal's state, conns show the uplinks'
	// connections by name (uplinks.go).
	uplinkRuns []func(context.Context) error
	changed    []func()
	conns      map[string]func() uplink.ConnState

	cfgMu    sync.Mutex  // guards cfg during reload
	cfgWatch configWatch // configuration problems found by configLoop

	cmds map[string]command // the control commands (commands.go)
	site *sitebadges.Syncer // nil without [site] (site.go)
	rem  *remote.Responder  // nil without mqtt.remote_commands (remote.go)

	// shifts are the shifts across terminals; nil without [site]
	// shared_shifts (siteshifts.go).
	shifts *siteShifts
}

// New opens the store and builds every part. Close is done by Run.
func New(cfg *config.Config, opts Options) (*Daemon, error) {
	if opts.Clock == nil {
		opts.Clock = &clock.System{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Timers == nil {
		opts.Timers = clock.RealTimers{}
	}
	if opts.ConfigPoll <= 0 {
		opts.ConfigPoll = 5 * time.Minute
	}
	if opts.VerifyPoll <= 0 {
		opts.VerifyPoll = 10 * time.Minute
	}
	if opts.HealthPoll <= 0 {
		opts.HealthPoll = 5 * time.Second
	}
	if opts.ClockPoll <= 0 {
		opts.ClockPoll = 10 * time.Second
	}
	d := &Daemon{cfg: cfg, opts: opts, log: opts.Logger, cfgWatch: configWatch{recheck: make(chan struct{}, 1)}}
	if cfg.Reader.Script != "" {
		steps, err := loadScript(cfg.Reader.Script)
		if err != nil {
			return nil, err
		}
		d.script = steps
	}

	d.newMetrics()
	store, err := d.openStore(d.listedSpecs())
	if err != nil {
		return nil, err
	}
	d.store = store

	if err := d.newListed(); err != nil {
		d.closeAll()
		return nil, err
	}
	if d.site, err = d.newSite(); err != nil {
		d.closeAll()
		return nil, err
	}
	if d.shifts, err = d.newSiteShifts(); err != nil {
		d.closeAll()
		return nil, err
	}
	if d.rem, err = d.newRemote(); err != nil {
		d.closeAll()
		return nil, err
	}
	if err := d.newReadSide(); err != nil {
		d.closeAll()
		return nil, err
	}
	if err := d.newSource(); err != nil {
		d.closeAll()
		return nil, err
	}
	fb, err := d.newFeedback()
	if err != nil {
		d.closeAll()
		return nil, err
	}

	d.agent = agent.New(store, agent.Options{
		Rules:    punch.Rules{RepeatWindow: cfg.Punch.RepeatWindow.Duration, MaxShift: cfg.Punch.MaxShift.Duration},
		Clock:    opts.Clock,
		Feedback: withPrinted(fb, cfg.Reader.Type),
		Logger:   opts.Logger,
		Badges:   badges(cfg),
		OnCommit: d.wakeFor,
		Observe:  d.observeTap,
		MinTime:  opts.MinTime,
		DayTotal: d.dayTotalAfterStop,
		Shared:   d.shifts.agentOptions(cfg.Device.ID, d.punchRules()),
	})
	d.cmds = d.commands()
	return d, nil
}

func badges(cfg *config.Config) []agent.Badge {
	out := make([]agent.Badge, len(cfg.Badges))
	for i, b := range cfg.Badges {
		out[i] = agent.Badge{UID: b.UID, Email: b.Email, Name: b.Name, Admin: b.Admin}
	}
	return out
}

// settled is called by every runner after a batch: the queue depth in a
// published status changed.
func (d *Daemon) settled([]queue.Outcome) {
	for _, f := range d.changed {
		f()
	}
}

// wake wakes every runner and tells the uplinks of a change.
func (d *Daemon) wake() { d.wakeFor(nil) }

// wakeFor wakes the runners whose uplink takes one of recs (every runner
// for none) and tells the uplinks of the change. A punch does not wake an
// uplink that takes only entries: its runner would find nothing to claim,
// after taking the store's write lock for a transaction that commits
// nothing, while the next tap may be waiting for that lock.
func (d *Daemon) wakeFor(recs []queue.Record) {
	for i, r := range d.runners {
		if len(recs) == 0 || takesAny(d.runnerKinds[i], recs) {
			r.Wake()
		}
	}
	for _, f := range d.changed {
		f()
	}
}

// takesAny tells whether an uplink taking kinds (nil: every kind) takes
// one of recs.
func takesAny(kinds []queue.Kind, recs []queue.Record) bool {
	if kinds == nil {
		return true
	}
	for _, r := range recs {
		if slices.Contains(kinds, r.Kind) {
			return true
		}
	}
	return false
}

// Reload applies a new configuration's badge mapping (SIGHUP). Other changes
// need a restart: it returns the sections that changed and wait for one,
// and logs them, so nobody takes an edited URL for applied.
func (d *Daemon) Reload(cfg *config.Config) ctlproto.ReloadResult {
	d.cfgMu.Lock()
	d.cfg.Badges = cfg.Badges
	restart := d.cfg.ChangedSections(cfg)
	d.cfgMu.Unlock()
	d.agent.SetBadges(badges(cfg))
	d.log.Info("badges reloaded", "count", len(cfg.Badges))
	if len(restart) > 0 {
		d.log.Warn("config changed beyond the badges: not applied until stampd restarts (systemctl restart stampd)",
			"sections", strings.Join(restart, ","))
	}
	d.cfgWatch.askRecheck()
	return ctlproto.ReloadResult{Badges: len(cfg.Badges), Restart: restart}
}

// ReloadFile re-reads the config file and applies its badges (see Reload).
func (d *Daemon) ReloadFile() (ctlproto.ReloadResult, error) {
	cfg, err := config.Load(d.cfg.Path)
	if err != nil {
		return ctlproto.ReloadResult{}, err
	}
	return d.Reload(cfg), nil
}

// Run runs until ctx is done: it reads taps, delivers, and serves the
// control socket. On return the tap in progress is committed and the store
// is closed.
func (d *Daemon) Run(ctx context.Context) error {
	d.started = d.opts.Clock.Now()
	srv, err := control.Listen(d.cfg.Control.Socket, d.Handle, d.log)
	if err != nil {
		d.closeAll()
		if errors.Is(err, fs.ErrPermission) {
			return config.PathError("control.socket", d.cfg.Control.Socket, err)
		}
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if d.reads.remote != nil {
		// Before the control socket serves: a command's fetch must not
		// start on the cache's first context, which nothing cancels.
		d.reads.remote.bind(ctx)
	}
	var wg sync.WaitGroup
	errc := make(chan error, 16)
	run := func(name string, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx); err != nil && !errors.Is(err, context.Canceled) {
				errc <- fmt.Errorf("%s: %w", name, err)
				cancel()
			}
		}()
	}
	run("control", srv.Serve)
	for _, r := range d.runners {
		run("uplink", r.Run)
	}
	if d.site != nil {
		run("site badges", d.site.Run)
	}
	d.shifts.run(d, run)
	if d.rem != nil {
		run("remote commands", d.rem.Run)
	}
	d.runListed(run)
	run("prune", d.pruneLoop)
	run("clock", d.clockLoop)
	run("reader health", d.healthLoop)
	run("badge check", d.verifyLoop)
	run("config check", d.configLoop)
	run("metrics", d.serveMetrics)
	run("store size", d.storeLoop)
	run("record check", d.recordCheck)
	if d.reads.remote != nil {
		run("day totals", d.reads.remote.run)
	}
	if d.cfg.Reader.Script != "" {
		run("script", d.replayScript)
	}
	d.log.Info("stampd running", "device", d.cfg.Device.ID, "reader", d.cfg.Reader.Type, "store", d.cfg.Store.Path, "socket", d.cfg.Control.Socket, "uplinks", strings.Join(d.store.Uplinks(), ","))
	d.warnUnconfigured()
	agentErr := d.agent.Run(ctx, d.source)
	cancel()
	wg.Wait()
	close(errc)
	err = agentErr
	for e := range errc {
		err = errors.Join(err, e)
	}
	if cerr := d.closeAll(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	d.log.Info("stampd stopped")
	return err
}

// closeAll releases the hardware and closes the store.
func (d *Daemon) closeAll() error {
	var err error
	for i := len(d.closers) - 1; i >= 0; i-- {
		err = errors.Join(err, d.closers[i]())
	}
	d.closers = nil
	if d.store != nil {
		err = errors.Join(err, d.store.Close())
	}
	return err
}

// pruneLoop deletes, once an hour, records every uplink confirmed more than
// store.retention ago (queue.Store.Prune).
func (d *Daemon) pruneLoop(ctx context.Context) error {
	t := d.opts.Timers.NewTicker(time.Hour)
	defer t.Stop()
	for {
		before := d.opts.Clock.Now().Add(-d.cfg.Store.Retention.Duration)
		for {
			n, err := d.store.Prune(before, 10_000)
			if err != nil {
				d.log.Error("prune", "err", err)
				break
			}
			if n > 0 {
				d.log.Info("pruned delivered records", "count", n)
			}
			if n < 10_000 || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
		}
	}
}
