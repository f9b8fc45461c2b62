package daemon

import (
	"context"
	"fmt"

	"stampclock/device/agent"
	"stampclock/device/feedback"
	"stampclock/device/feedback/display"
	"stampclock/device/feedback/gpio"
	"stampclock/device/readers/hardware"
	"stampclock/queue"
	"stampclock/reader"
)

// healthReporter is a reader that reports its health (the hardware
// drivers do; the simulator does not).
type healthReporter interface {
	Health() reader.Health
}

// newSource builds the configured badge source, or takes the injected one.
func (d *Daemon) newSource() error {
	if d.opts.Source != nil {
		d.useSource(d.opts.Source)
		return nil
	}
	open, err := hardware.Opener(d.cfg.Reader.Type, d.cfg.Reader.Section(), d.log)
	if err != nil {
		return err
	}
	src, err := open()
	if err != nil {
		// Not fatal: stampd keeps its control socket up, reports the fault
		// and keeps trying (readeropen.go).
		ro := newReopener(d.cfg.Reader.Type, open, err, d.log, d.opts.Timers.After)
		d.source, d.health = ro, ro.health
		return nil
	}
	d.useSource(src)
	if c, ok := src.(interface{ Close() error }); ok {
		d.closers = append(d.closers, c.Close)
	}
	return nil
}

// useSource makes src the badge source, with its health if it reports one
// and as the target of injected taps if it is the simulator.
func (d *Daemon) useSource(src reader.Source) {
	d.source = src
	if h, ok := src.(healthReporter); ok {
		d.health = h.Health
	}
	if s, ok := src.(*reader.Sim); ok {
		d.sim = s
	}
}

// newFeedback builds the configured outputs: always the log, plus GPIO
// buzzer/LEDs and the display when configured.
func (d *Daemon) newFeedback() (agent.Feedback, error) {
	if d.opts.Feedback != nil {
		return d.opts.Feedback, nil
	}
	outs := feedback.Multi{feedback.Log{L: d.log}}
	f := d.cfg.Feedback
	if f.BuzzerPin != "" || f.GreenPin != "" || f.RedPin != "" {
		o, err := gpio.Open(gpio.Options{
			Buzzer: f.BuzzerPin, Green: f.GreenPin, Red: f.RedPin,
			BuzzerActiveLow: f.BuzzerActiveLow, GreenActiveLow: f.GreenActiveLow, RedActiveLow: f.RedActiveLow,
			Logger: d.log,
		})
		if err != nil {
			return nil, fmt.Errorf("feedback: %w", err)
		}
		outs = append(outs, o)
		d.closers = append(d.closers, o.Close)
	}
	if f.Display.Enabled {
		lang := display.German
		if f.Display.Language == "en" {
			lang = display.English
		}
		o, err := display.Open(display.Options{Bus: f.Display.Bus, Location: d.cfg.Location, Lang: lang, Hold: f.Display.Hold.Duration, Logger: d.log})
		if err != nil {
			return nil, fmt.Errorf("feedback.display: %w", err)
		}
		outs = append(outs, o)
		d.closers = append(d.closers, o.Close)
		d.display = o
	}
	return outs, nil
}

// healthLoop records a reader_fault event when the reader starts failing
// (so it reaches MQTT and the log) and notes its recovery.
func (d *Daemon) healthLoop(ctx context.Context) error {
	if d.health == nil {
		return nil
	}
	t := d.opts.Timers.NewTicker(d.opts.HealthPoll)
	defer t.Stop()
	wasOK := true
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
		}
		h := d.health()
		switch {
		case wasOK && !h.OK:
			d.log.Error("reader failing; retrying", "err", h.LastError)
			if d.metrics != nil {
				d.metrics.Error("reader")
			}
			if err := d.recordEvent(d.store, queue.EventReaderFault, h.LastError); err != nil {
				d.log.Error("recording reader fault", "err", err)
			}
			d.wake()
		case !wasOK && h.OK:
			d.log.Info("reader recovered")
		}
		wasOK = h.OK
	}
}
