package daemon

import (
	"context"
	"fmt"
	"time"

	"periph.io/x/conn/v3/physic"

	"stampclock/device/agent"
	"stampclock/device/feedback"
	"stampclock/device/feedback/display"
	"stampclock/device/feedback/gpio"
	"stampclock/queue"
	"stampclock/reader"
	"stampclock/reader/keyboard"
	"stampclock/reader/mfrc522"
	"stampclock/reader/pn532"
	"stampclock/reader/rdm6300"
	"stampclock/reader/wiegand"
)

// newSource builds the configured badge source, or takes the injected one.
func (d *Daemon) newSource() error {
	if d.opts.Source != nil {
		d.source = d.opts.Source
		d.health = healthOf(d.opts.Source)
		if s, ok := d.opts.Source.(*reader.Sim); ok {
			d.sim = s
		}
		return nil
	}
	if d.cfg.Reader.Type == "sim" {
		d.sim = reader.NewSim()
		d.source = d.sim
		return nil
	}
	open, err := d.readerOpener()
	if err != nil {
		return err
	}
	src, err := open()
	if err != nil {
		// Not fatal: stampd keeps its control socket up, reports the fault
		// and keeps trying (readeropen.go).
		ro := newReopener(d.cfg.Reader.Type, open, err, d.log)
		d.source, d.health = ro, ro.health
		return nil
	}
	d.source, d.health = src, healthOf(src)
	if c, ok := src.(interface{ Close() error }); ok {
		d.closers = append(d.closers, c.Close)
	}
	return nil
}

// readerOpener returns how to open the configured hardware reader.
func (d *Daemon) readerOpener() (func() (reader.Source, error), error) {
	rc := d.cfg.Reader
	var open func() (reader.Source, error)
	switch rc.Type {
	case "mfrc522":
		m := rc.MFRC522
		open = func() (reader.Source, error) {
			r, err := mfrc522.Open(mfrc522.Options{
				SPIPort: m.SPIPort, ResetPin: m.ResetPin, IRQPin: m.IRQPin,
				SPISpeed: physic.Frequency(m.SPISpeedHz) * physic.Hertz, PollInterval: m.PollInterval.Duration,
				Logger: d.log,
			})
			if err != nil {
				return nil, fmt.Errorf("reader.mfrc522: %w", err)
			}
			return r, nil
		}
	case "wiegand":
		w := rc.Wiegand
		formats, custom, err := wiegand.ParseFormats(w.Formats, w.Custom, w.RawBits)
		if err != nil {
			return nil, fmt.Errorf("reader.wiegand.formats: %w", err)
		}
		open = func() (reader.Source, error) {
			r, err := wiegand.Open(wiegand.Options{
				Chip: w.Chip, D0: *w.D0, D1: *w.D1, Gap: w.Gap.Duration, Edges: wiegand.Edges(w.Edges),
				PullUp: w.PullUp, Formats: formats, Custom: custom, RawBits: w.RawBits, Logger: d.log,
			})
			if err != nil {
				return nil, fmt.Errorf("reader.wiegand: %w", err)
			}
			return r, nil
		}
	case "keyboard":
		k := rc.Keyboard
		open = func() (reader.Source, error) {
			r, err := keyboard.Open(keyboard.Options{
				Path: k.Device, Format: keyboard.Format(k.Format), Layout: keyboard.Layout(k.Layout),
				UIDBytes: k.UIDBytes, KeyTimeout: k.KeyTimeout.Duration, Logger: d.log,
			})
			if err != nil {
				return nil, fmt.Errorf("reader.keyboard: %w", err)
			}
			return r, nil
		}
	case "rdm6300":
		m := rc.RDM6300
		open = func() (reader.Source, error) {
			r, err := rdm6300.Open(rdm6300.Options{Path: m.Device, Baud: m.Baud, UIDBytes: m.UIDBytes, Silence: m.Silence.Duration, Logger: d.log})
			if err != nil {
				return nil, fmt.Errorf("reader.rdm6300: %w", err)
			}
			return r, nil
		}
	case "pn532":
		p := rc.PN532
		open = func() (reader.Source, error) {
			r, err := pn532.Open(pn532.Options{Interface: p.Interface, I2CBus: p.I2CBus, I2CAddr: uint16(p.I2CAddr),
				Device: p.Device, Baud: p.Baud, PollInterval: p.PollInterval.Duration, Logger: d.log})
			if err != nil {
				return nil, fmt.Errorf("reader.pn532: %w", err)
			}
			return r, nil
		}
	default:
		return nil, fmt.Errorf("reader.type %q: not supported", rc.Type)
	}
	return open, nil
}

// healthOf returns how to read the health of a known driver, nil else.
func healthOf(src reader.Source) func() ReaderHealth {
	switch r := src.(type) {
	case *mfrc522.Reader:
		return func() ReaderHealth {
			st := r.Status()
			h := ReaderHealth{OK: st.OK, Counters: map[string]uint64{
				"taps": st.Taps, "chip_errors": st.ChipErrors, "reinits": st.Reinits, "read_errors": st.ReadErrors,
			}}
			if st.LastError != nil {
				h.LastError = st.LastError.Error()
			}
			return h
		}
	case *wiegand.Reader:
		return func() ReaderHealth {
			st := r.Stats()
			return ReaderHealth{OK: true, Counters: map[string]uint64{
				"frames": st.Frames, "bad_parity": st.BadParity, "bad_length": st.BadLength,
				"lost": st.Lost, "noise": st.Noise, "dropped": st.Dropped,
			}}
		}
	case *rdm6300.Reader:
		return func() ReaderHealth {
			st := r.Stats()
			return ReaderHealth{OK: st.Connected, LastError: st.LastErr, Counters: map[string]uint64{
				"frames": st.Frames, "taps": st.Taps, "repeats": st.Repeats, "bad_checksum": st.BadChecksum,
				"bad_frame": st.BadFrame, "garbage": st.Garbage, "opens": st.Opens, "open_errors": st.OpenErrors,
			}}
		}
	case *pn532.Reader:
		return func() ReaderHealth {
			st := r.Stats()
			return ReaderHealth{OK: st.OK, LastError: st.LastErr, Counters: map[string]uint64{
				"taps": st.Taps, "polls": st.Polls, "reinits": st.Reinits, "errors": st.Errors, "nacks": st.Nacks, "stale": st.Stale,
			}}
		}
	case *keyboard.Reader:
		return func() ReaderHealth {
			st := r.Stats()
			return ReaderHealth{OK: st.Connected, LastError: st.LastErr, Counters: map[string]uint64{
				"lines": st.Lines, "garbage": st.Garbage, "overlong": st.Overlong, "timed_out": st.TimedOut,
				"dropped": st.Dropped, "open_errors": st.OpenErrors,
			}}
		}
	}
	return nil
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
	t := time.NewTicker(d.opts.HealthPoll)
	defer t.Stop()
	wasOK := true
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
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
