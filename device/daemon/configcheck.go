package daemon

import (
	"context"
	"slices"
	"sync"
	"time"

	"stampclock/device/provision"
)

// configWatch holds what the last check found.
type configWatch struct {
	mu       sync.Mutex
	problems []ConfigProblem
	recheck  chan struct{} // a reload asks for a check now
}

func (w *configWatch) get() []ConfigProblem {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.problems)
}

// set stores ps and reports whether they differ from the last ones.
func (w *configWatch) set(ps []ConfigProblem) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	changed := !slices.Equal(w.problems, ps)
	w.problems = ps
	return changed
}

// askRecheck asks configLoop for a check now (after a reload).
func (w *configWatch) askRecheck() {
	select {
	case w.recheck <- struct{}{}:
	default:
	}
}

// configLoop checks what `stampctl check` checks for the uplinks (login,
// time type, users; for Blikk the token and ids) at start, after each
// reload and every ConfigPoll, in the background so taps never wait. A
// server that cannot be reached is not a configuration problem: its
// steps are skipped and the problems found before are kept.
func (d *Daemon) configLoop(ctx context.Context) error {
	t := d.opts.Timers.NewTicker(d.opts.ConfigPoll)
	defer t.Stop()
	for {
		d.checkConfig(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
		case <-d.cfgWatch.recheck:
		}
	}
}

func (d *Daemon) checkConfig(ctx context.Context) {
	d.cfgMu.Lock()
	cfg := *d.cfg
	cfg.Badges = slices.Clone(d.cfg.Badges)
	d.cfgMu.Unlock()
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	steps := provision.CheckUplinks(cctx, &cfg, provision.Env{})
	if ctx.Err() != nil {
		return
	}
	if unreached(steps) {
		return // nothing learnt; keep what is known
	}
	var ps []ConfigProblem
	for _, s := range provision.ConfigProblems(steps) {
		ps = append(ps, ConfigProblem{Check: s.Name, Problem: s.Detail})
	}
	if !d.cfgWatch.set(ps) {
		return
	}
	for _, p := range ps {
		d.log.Error("configuration problem: fix "+cfg.Path+" and run `stampctl check`", "check", p.Check, "err", p.Problem)
	}
	if len(ps) == 0 {
		d.log.Info("configuration checked: no problem found")
	}
}

// unreached reports whether a check could not reach an uplink's API, so
// it says nothing about the configuration.
func unreached(steps []provision.Step) bool {
	for _, s := range steps {
		if s.Skipped && !s.Off {
			return true
		}
	}
	return false
}
