package display

import (
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"sync"
	"time"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/devices/v3/ssd1306"
	"periph.io/x/devices/v3/ssd1306/image1bit"
	"periph.io/x/host/v3"

	"stampclock/device/feedback"
	"stampclock/internal/mailbox"
)

// ErrPanelSize is returned for a panel that is not 128x64 pixels.
var ErrPanelSize = errors.New("display: only 128x64 panels are supported")

// Drawer is what Output needs of a display. *ssd1306.Dev has it. Draw may
// be slow (a full frame over I²C takes tens of milliseconds); Output only
// calls it from its own goroutine.
type Drawer interface {
	Draw(r image.Rectangle, src image.Image, sp image.Point) error
}

// Clock is the time source of an Output.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Options configures an Output. The zero value is valid.
type Options struct {
	// Location is the time zone times are shown in. Default: time.Local.
	Location *time.Location
	// Lang is the language of the screen texts. Default: German.
	Lang Lang
	// Hold is how long an event stays on screen before the idle clock
	// returns. Default: 5s.
	Hold time.Duration
	// Logger receives draw errors (logged once, then counted) and debug
	// lines. Default: discard.
	Logger *slog.Logger
	// Clock is the time source. Default: real time.
	Clock Clock

	// Bus is the periph I²C bus name for Open, e.g. "1" or "/dev/i2c-1".
	// Default "": the first bus found.
	Bus string
	// Panel configures the SSD1306 (mirroring, COM pin layout) for Open and
	// NewI2C. W and H may be left zero; anything but 128x64 is refused.
	// The I²C address is the driver's fixed 0x3C.
	Panel ssd1306.Opts
}

// Output shows feedback events on a display and the time in between.
// Create it with Open, NewI2C or New; it is safe for concurrent use.
type Output struct {
	d      Drawer
	closer io.Closer // the bus Open opened, or nil

	loc   *time.Location
	lang  Lang
	hold  time.Duration
	log   *slog.Logger
	clock Clock

	events  *mailbox.Latest[feedback.Event] // the newest undrawn event
	notices *mailbox.Latest[notice]         // the newest notice not yet taken
	done    chan struct{}                   // closed by Close
	exited  chan struct{}                   // closed when the drawing goroutine returns

	closeOnce sync.Once
	closeErr  error

	// Owned by the drawing goroutine.
	failures int     // consecutive failed draws
	notice   *notice // shown instead of the idle clock until notice.until
}

// Open initialises the periph host drivers, opens the I²C bus opts.Bus and
// the SSD1306 on it, and returns a running Output. Close closes the bus.
func Open(opts Options) (*Output, error) {
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("display: init periph host: %w", err)
	}
	bus, err := i2creg.Open(opts.Bus)
	if err != nil {
		return nil, fmt.Errorf("display: open I2C bus %q: %w", opts.Bus, err)
	}
	o, err := NewI2C(bus, opts)
	if err != nil {
		return nil, errors.Join(err, bus.Close())
	}
	o.closer = bus
	return o, nil
}

// NewI2C initialises the SSD1306 at address 0x3C on bus and returns a
// running Output drawing on it. The caller keeps ownership of bus.
func NewI2C(bus i2c.Bus, opts Options) (*Output, error) {
	panel := opts.Panel
	if panel.W == 0 && panel.H == 0 {
		panel.W, panel.H = Width, Height
	}
	if panel.W != Width || panel.H != Height {
		return nil, fmt.Errorf("display: panel %dx%d: %w", panel.W, panel.H, ErrPanelSize)
	}
	dev, err := ssd1306.NewI2C(bus, &panel)
	if err != nil {
		return nil, fmt.Errorf("display: init ssd1306 on %s: %w", bus, err)
	}
	return New(dev, opts), nil
}

// New returns a running Output drawing on d, which must take 128x64
// frames. It starts by drawing the idle clock.
func New(d Drawer, opts Options) *Output {
	o := &Output{
		d:       d,
		loc:     location(opts.Location),
		lang:    opts.Lang,
		hold:    opts.Hold,
		log:     opts.Logger,
		clock:   opts.Clock,
		events:  mailbox.New[feedback.Event](),
		notices: mailbox.New[notice](),
		done:    make(chan struct{}),
		exited:  make(chan struct{}),
	}
	if o.hold <= 0 {
		o.hold = 5 * time.Second
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if o.clock == nil {
		o.clock = realClock{}
	}
	go o.run()
	return o
}

// Show hands ev to the drawing goroutine and returns at once; it never
// waits for the display. If an event is still waiting to be drawn it is
// replaced (the newest wins). An event with a zero At is shown with the
// time it is drawn. After Close, Show does nothing.
func (o *Output) Show(ev feedback.Event) { o.events.Put(ev) }

// Close stops the drawing goroutine, blanks the display and switches it
// off (if it can be halted), and closes the bus Open opened. It waits for
// a draw in progress. Calling Close again returns the first result.
func (o *Output) Close() error {
	o.closeOnce.Do(func() {
		o.events.Close()
		o.notices.Close()
		close(o.done)
		<-o.exited
		blank := image1bit.NewVerticalLSB(image.Rect(0, 0, Width, Height))
		err := o.d.Draw(blank.Rect, blank, image.Point{})
		if h, ok := o.d.(interface{ Halt() error }); ok {
			err = errors.Join(err, h.Halt())
		}
		if o.closer != nil {
			err = errors.Join(err, o.closer.Close())
		}
		if err != nil {
			o.closeErr = fmt.Errorf("display: close: %w", err)
		}
	})
	return o.closeErr
}

func (o *Output) run() {
	defer close(o.exited)
	// hold fires when an event has been shown long enough; tick fires at
	// the next minute while the idle clock is up. At most one is set.
	var hold, tick <-chan time.Time
	tick = o.idle()
	for {
		select {
		case <-o.done:
			return
		case ev := <-o.events.C():
			if ev.At.IsZero() {
				ev.At = o.clock.Now()
			}
			o.log.Debug("display feedback", "kind", ev.Kind.String(), "badge", ev.UID)
			o.draw(Render(ev, o.loc, o.lang))
			hold, tick = o.clock.After(o.hold), nil
		case n := <-o.notices.C():
			o.notice = &n
			if hold == nil { // not showing a tap: show it now
				tick = o.idle()
			}
		case <-hold:
			hold, tick = nil, o.idle()
		case <-tick:
			tick = o.idle()
		}
	}
}

// idle draws the idle clock and returns a channel that fires when the
// minute changes; while a notice is up, the notice until its end.
func (o *Output) idle() <-chan time.Time {
	now := o.clock.Now()
	if o.notice != nil && now.Before(o.notice.until) {
		o.draw(RenderNotice(o.notice.title, o.notice.lines))
		return o.clock.After(o.notice.until.Sub(now))
	}
	o.notice = nil
	o.draw(RenderIdle(now, o.loc, o.lang))
	next := now.Truncate(time.Minute).Add(time.Minute)
	return o.clock.After(next.Sub(now))
}

// draw sends a frame and reports failures: the first of a run is logged at
// warning level, the rest are counted, and recovery is logged with the count.
func (o *Output) draw(img *image1bit.VerticalLSB) {
	err := o.d.Draw(img.Rect, img, image.Point{})
	switch {
	case err != nil:
		o.failures++
		if o.failures == 1 {
			o.log.Warn("display feedback: draw", "err", err)
		} else {
			o.log.Debug("display feedback: draw", "err", err, "failures", o.failures)
		}
	case o.failures > 0:
		o.log.Info("display feedback: drawing works again", "failures", o.failures)
		o.failures = 0
	}
}
