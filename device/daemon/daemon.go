// Package daemon wires stampd together from its configuration: the queue,
// the agent with its reader and feedback, the uplink runners and the control
// socket. cmd/stampd only parses flags, handles signals and calls Run.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"stampclock/device/agent"
	"stampclock/device/clock"
	"stampclock/device/config"
	"stampclock/device/control"
	"stampclock/device/feedback/display"
	"stampclock/device/metrics"
	"stampclock/device/punch"
	"stampclock/device/remote"
	"stampclock/device/sitebadges"
	"stampclock/queue"
	"stampclock/reader"
	"stampclock/uplink"
	"stampclock/uplink/mqtt"
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
	cfg       *config.Config
	opts      Options
	log       *slog.Logger
	store     *queue.Store
	agent     *agent.Agent
	sim       *reader.Sim
	source    reader.Source
	script    []ScriptStep
	runners   []*uplink.Runner
	mqtt      *mqtt.Client // nil when the MQTT uplink is off
	started   time.Time
	alarm     *StoreAlarm // set when a damaged store was moved aside
	storeWarn storeWatch
	damaged   quarantineWatch // quarantined records already reported
	sideErr   sideFault       // why the metrics endpoint is down, if it is
	health    func() ReaderHealth
	users     userLister       // the time-tracking system's users, if it has a list
	closers   []func() error   // hardware to release when Run ends
	reads     readSide         // day totals and locked days (readside.go)
	display   *display.Output  // the configured display, or nil (notices)
	metrics   *metrics.Metrics // nil when [metrics] listen is not set
	// uplinkRuns run beside the listed uplinks' runners (uplinks.go).
	uplinkRuns []func(context.Context) error

	cfgMu    sync.Mutex  // guards cfg during reload
	cfgWatch configWatch // configuration problems found by configLoop

	cmds map[string]command // the control commands (commands.go)
	site *sitebadges.Syncer // nil without [site] (site.go)
	rem  *remote.Responder  // nil without mqtt.remote_commands (remote.go)

	// shifts are the shifts across terminals; nil without [site]
	// shared_shifts (siteshifts.go).
	shifts *siteShifts
}

// Queue name of the MQTT uplink. Each uplink has its own pending set, so
// one target being down never holds back another.
const uplinkMQTT = "mqtt"

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
	specs := d.listedSpecs()
	if cfg.MQTT.Enabled() {
		specs = append(specs, queue.UplinkSpec{Name: uplinkMQTT}) // every kind
	}
	store, err := d.openStore(specs)
	if err != nil {
		return nil, err
	}
	d.store = store

	if err := d.newListed(); err != nil {
		d.closeAll()
		return nil, err
	}
	if cfg.MQTT.Enabled() {
		if err := d.newMQTT(); err != nil {
			store.Close()
			return nil, err
		}
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
		OnCommit: func([]queue.Record) { d.wake() },
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

// newMQTT builds the MQTT client and its runner.
func (d *Daemon) newMQTT() error {
	m := d.cfg.MQTT
	var r *uplink.Runner
	client, err := mqtt.New(mqtt.Options{
		URLs: m.URLs, DeviceID: d.cfg.Device.ID, ClientID: m.ClientID,
		Username: m.Username, Password: m.Password,
		CAFile: m.CAFile, CertFile: m.CertFile, KeyFile: m.KeyFile,
		KeepAlive: m.KeepAlive.Duration, TopicPrefix: m.TopicPrefix, QoS: byte(m.QoS),
		Window: m.Window, StatusInterval: m.StatusInterval.Duration, HomeAssistantPrefix: m.HomeAssistant,
		Confirm: mqtt.Confirm(m.Delivered), ConsumerAckTimeout: m.ConsumerAckTimeout.Duration,
		Status:    d.mqttStatus,
		Version:   d.opts.Version,
		OnConnect: func() { r.Resume() }, // ends a backoff: the broker is back
		Now:       d.opts.Clock.Now,
		Logger:    d.opts.Logger,
	})
	if err != nil {
		return fmt.Errorf("config %s: %w", d.cfg.Path, err)
	}
	// Large batches keep a backlog flowing through the in-flight window;
	// the client answers each record as it is confirmed and the runner
	// settles those answers in small group commits, so a crash mid-batch
	// costs at most the window and two groups of redeliveries (same keys).
	r = uplink.NewRunner(uplinkMQTT, d.store, client, uplink.Options{
		Batch:      mqtt.DefaultBatch,
		MinBackoff: d.opts.MinBackoff, MaxBackoff: d.opts.MaxBackoff,
		Settled: d.settledFor(uplinkMQTT),
		Now:     d.opts.Clock.Now,
		Logger:  d.opts.Logger,
	})
	d.mqtt = client
	d.runners = append(d.runners, r)
	return nil
}

// settled is called by every runner after a batch: the queue depth in the
// MQTT status changed.
func (d *Daemon) settled([]queue.Outcome) {
	if d.mqtt != nil {
		d.mqtt.StatusChanged()
	}
}

func (d *Daemon) wake() {
	for _, r := range d.runners {
		r.Wake()
	}
	if d.mqtt != nil {
		d.mqtt.StatusChanged()
	}
}

// Reload applies a new configuration's badge mapping (SIGHUP). Other changes
// need a restart.
func (d *Daemon) Reload(cfg *config.Config) {
	d.cfgMu.Lock()
	d.cfg.Badges = cfg.Badges
	d.cfgMu.Unlock()
	d.agent.SetBadges(badges(cfg))
	d.log.Info("badges reloaded", "count", len(cfg.Badges))
	d.cfgWatch.askRecheck()
}

// ReloadFile re-reads the config file and applies its badges.
func (d *Daemon) ReloadFile() error {
	cfg, err := config.Load(d.cfg.Path)
	if err != nil {
		return err
	}
	d.Reload(cfg)
	return nil
}

// Run runs until ctx is done: it reads taps, delivers, and serves the
// control socket. On return the tap in progress is committed and the store
// is closed.
func (d *Daemon) Run(ctx context.Context) error {
	d.started = d.opts.Clock.Now()
	srv, err := control.Listen(d.cfg.Control.Socket, d.Handle, d.log)
	if err != nil {
		d.closeAll()
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
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
	if d.mqtt != nil {
		run("mqtt status", d.mqtt.Run)
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
