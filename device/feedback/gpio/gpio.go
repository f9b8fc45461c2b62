package gpio

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/host/v3"

	"stampclock/device/feedback"
	"stampclock/internal/mailbox"
)

// ErrUnknownPin is returned by Open when a configured pin name is not known
// to the periph host drivers.
var ErrUnknownPin = errors.New("gpio: unknown pin")

// Clock is the time source the pattern player waits on. Tests pass a fake
// whose channels they fire by hand.
type Clock interface {
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Options configures an Output. The zero value is valid: no pins (for Open),
// active-high wiring, no logging, real time.
type Options struct {
	// Buzzer, Green and Red are periph pin names such as "GPIO17". Empty
	// means the part is not connected. Only Open uses them; New takes pins.
	Buzzer string
	Green  string
	Red    string

	// BuzzerActiveLow, GreenActiveLow and RedActiveLow mark a part that is
	// on when its pin is low (e.g. an LED wired from 3.3 V to the pin, or a
	// low-level-trigger buzzer module). Default false: on = high.
	BuzzerActiveLow bool
	GreenActiveLow  bool
	RedActiveLow    bool

	// Logger receives pin errors (logged once, then counted) and debug
	// lines. Default: discard.
	Logger *slog.Logger

	// Clock times the pattern steps. Default: real time.
	Clock Clock
}

// line is one output: a pin (nil if absent) and its polarity.
type line struct {
	name      string
	pin       gpio.PinOut
	activeLow bool
}

func (l line) set(on bool) error {
	if l.pin == nil {
		return nil
	}
	lvl := gpio.Level(on != l.activeLow)
	if err := l.pin.Out(lvl); err != nil {
		return fmt.Errorf("gpio: %s %s out %s: %w", l.name, l.pin, lvl, err)
	}
	return nil
}

// Output shows feedback events on a buzzer and two LEDs. Create it with Open
// or New; it is safe for concurrent use.
type Output struct {
	buzzer, green, red line

	log   *slog.Logger
	clock Clock

	events *mailbox.Latest[feedback.Event] // the newest unplayed event
	done   chan struct{}                   // closed by Close
	exited chan struct{}                   // closed when the player goroutine returns

	closeOnce sync.Once
	closeErr  error

	// Owned by the player goroutine.
	failures int // consecutive failed pin updates
}

// Open initialises the periph host drivers, resolves the pins named in opts
// and returns a running Output. Parts whose name is empty are left out.
func Open(opts Options) (*Output, error) {
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("gpio: init periph host: %w", err)
	}
	resolve := func(part, name string) (gpio.PinOut, error) {
		if name == "" {
			return nil, nil
		}
		p := gpioreg.ByName(name)
		if p == nil {
			return nil, fmt.Errorf("gpio: %s pin %q: %w", part, name, ErrUnknownPin)
		}
		return p, nil
	}
	buzzer, err := resolve("buzzer", opts.Buzzer)
	if err != nil {
		return nil, err
	}
	green, err := resolve("green", opts.Green)
	if err != nil {
		return nil, err
	}
	red, err := resolve("red", opts.Red)
	if err != nil {
		return nil, err
	}
	return New(buzzer, green, red, opts)
}

// New returns a running Output driving the given pins. A nil pin (or
// gpio.INVALID) means that part is absent. The pin names in opts are
// ignored. All present outputs are switched off before New returns; if
// that fails, New returns the error and no Output.
func New(buzzer, green, red gpio.PinOut, opts Options) (*Output, error) {
	o := &Output{
		buzzer: line{name: "buzzer", pin: present(buzzer), activeLow: opts.BuzzerActiveLow},
		green:  line{name: "green", pin: present(green), activeLow: opts.GreenActiveLow},
		red:    line{name: "red", pin: present(red), activeLow: opts.RedActiveLow},
		log:    opts.Logger,
		clock:  opts.Clock,
		events: mailbox.New[feedback.Event](),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if o.clock == nil {
		o.clock = realClock{}
	}
	if err := o.apply(Step{}); err != nil {
		return nil, fmt.Errorf("gpio: switch outputs off: %w", err)
	}
	go o.run()
	return o, nil
}

func present(p gpio.PinOut) gpio.PinOut {
	if p == nil || p == gpio.INVALID {
		return nil
	}
	return p
}

// Show hands ev to the player and returns at once; it never waits for pins
// or timers. If an event is still waiting to be played it is replaced (the
// newest wins), and a pattern that is playing is cut short for ev. After
// Close, Show does nothing.
func (o *Output) Show(ev feedback.Event) { o.events.Put(ev) }

// Close stops the player and switches every present output off. It waits
// for the player to return, so it blocks for as long as a pin write that
// is in progress blocks. Calling Close again returns the first result.
func (o *Output) Close() error {
	o.closeOnce.Do(func() {
		o.events.Close()
		close(o.done)
		<-o.exited
		if err := o.apply(Step{}); err != nil {
			o.closeErr = fmt.Errorf("gpio: close: %w", err)
		}
	})
	return o.closeErr
}

func (o *Output) run() {
	defer close(o.exited)
	for {
		select {
		case <-o.done:
			return
		case ev := <-o.events.C():
			if stop := o.play(ev); stop {
				return
			}
		}
	}
}

// play plays ev's pattern, switching to newer events as they arrive. It
// reports whether Close was called.
func (o *Output) play(ev feedback.Event) (stop bool) {
	for {
		p, ok := PatternFor(ev.Kind)
		if !ok {
			o.log.Debug("gpio feedback: no pattern", "kind", ev.Kind.String())
		} else {
			o.log.Debug("gpio feedback", "kind", ev.Kind.String(), "badge", ev.UID)
		}
		next, preempted, stop := o.playPattern(p)
		if stop || !preempted {
			return stop
		}
		ev = next
	}
}

func (o *Output) playPattern(p Pattern) (next feedback.Event, preempted, stop bool) {
	for _, s := range p {
		o.update(s)
		select {
		case <-o.clock.After(s.D):
		case next = <-o.events.C():
			return next, true, false
		case <-o.done:
			return next, false, true
		}
	}
	o.update(Step{})
	return next, false, false
}

// update applies s and reports failures: the first of a run is logged at
// warning level, the rest are counted, and recovery is logged with the count.
func (o *Output) update(s Step) {
	err := o.apply(s)
	switch {
	case err != nil:
		o.failures++
		if o.failures == 1 {
			o.log.Warn("gpio feedback: set outputs", "err", err)
		} else {
			o.log.Debug("gpio feedback: set outputs", "err", err, "failures", o.failures)
		}
	case o.failures > 0:
		o.log.Info("gpio feedback: outputs work again", "failures", o.failures)
		o.failures = 0
	}
}

// apply sets every present output to the state in s.
func (o *Output) apply(s Step) error {
	return errors.Join(
		o.buzzer.set(s.Buzzer),
		o.green.set(s.Green),
		o.red.set(s.Red),
	)
}
