package sitetaps

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/device/clock"
	"stampclock/device/ctlproto"
	"stampclock/internal/mqttopts"
	"stampclock/queue"
)

// Options configure an Exchange. Zero values mean the documented defaults.
type Options struct {
	// Site names the site. Required; one topic level.
	Site string
	// DeviceID is the terminal's id: the origin of its taps. Required.
	DeviceID string
	// Conn is the broker connection: brokers (required), login, TLS,
	// topic prefix and timings; the client id defaults to DeviceID +
	// "-taps".
	mqttopts.Conn
	// Poll is how often the outbox and what peers announced are looked
	// at, besides a Kick. Default 1s.
	Poll time.Duration
	// ReplayWait is how long a gap, or a head above what is held, waits
	// before a replay is asked, and between two asks of one origin; it is
	// counted in Poll ticks (of Timers). Default 3s.
	ReplayWait time.Duration
	// MaxReplay bounds the taps asked for, or published again, in one
	// replay. Default 1000.
	MaxReplay int
	// OnStored is told the taps received and stored (after the commit),
	// e.g. to pair their employees again. It must not block.
	OnStored func([]queue.SiteTap)
	// Now is the clock of the status's times. Default time.Now.
	Now func() time.Time
	// Timers start the poll ticker. Default clock.RealTimers.
	Timers clock.Timers
	Logger *slog.Logger
}

func (o *Options) defaults() error {
	if !mqttopts.TopicLevel(o.Site) {
		return fmt.Errorf("sitetaps: site name %q: want one topic level without '/', '+', '#' or a leading '$'", o.Site)
	}
	if err := validOrigin(o.DeviceID); err != nil {
		return fmt.Errorf("sitetaps: device id: %w", err)
	}
	if err := o.Conn.Defaults(o.DeviceID + "-taps"); err != nil {
		return fmt.Errorf("sitetaps: %w", err)
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.ReplayWait <= 0 {
		o.ReplayWait = 3 * time.Second
	}
	if o.MaxReplay <= 0 {
		o.MaxReplay = 1000
	}
	if o.OnStored == nil {
		o.OnStored = func([]queue.SiteTap) {}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timers == nil {
		o.Timers = clock.RealTimers{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Store is what the exchange needs of the terminal's store.
type Store interface {
	Update(fn func(*queue.Tx) error) ([]queue.Record, error)
	View(fn func(*queue.Tx) error) error
}

// Status is how the exchange goes; the type lives in ctlproto so stampctl
// reads it without linking this package.
type Status = ctlproto.SiteTaps

// Exchange shares a terminal's site taps with its site and stores its
// peers'.
type Exchange struct {
	o     Options
	store Store
	log   *slog.Logger
	kick  chan struct{}

	mu      sync.Mutex
	st      Status
	heads   map[string]uint64 // the highest seq each origin announced
	firsts  map[string]uint64 // the lowest seq each origin still holds (0: 1)
	ticks   uint64            // poll ticks since Run started
	behind  map[string]uint64 // since which tick an origin is behind
	asked   map[string]uint64 // at which tick a replay was last asked of an origin
	replay  *Replay           // merged requests for this terminal's taps
	needSub bool
	newHead bool // the head is to be retained again (after a connect)
}

// New returns the exchange of store's site taps. Run starts it.
func New(store Store, o Options) (*Exchange, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	return &Exchange{
		o: o, store: store,
		log:    o.Logger.With("part", "site taps", "site", o.Site),
		kick:   make(chan struct{}, 1),
		st:     Status{Site: o.Site},
		heads:  map[string]uint64{},
		firsts: map[string]uint64{},
		behind: map[string]uint64{},
		asked:  map[string]uint64{},
	}, nil
}

func (x *Exchange) base() string { return x.o.TopicPrefix + "/sites/" + x.o.Site + "/" }

// TapsTopic, HeadTopic and ReplayTopic are origin's topics.
func (x *Exchange) TapsTopic(origin string) string   { return x.base() + "taps/" + origin }
func (x *Exchange) HeadTopic(origin string) string   { return x.base() + "heads/" + origin }
func (x *Exchange) ReplayTopic(origin string) string { return x.base() + "replay/" + origin }

// Kick asks for a look at the outbox now (after a tap was committed).
func (x *Exchange) Kick() {
	select {
	case x.kick <- struct{}{}:
	default:
	}
}

// Status reports the exchange's state.
func (x *Exchange) Status() Status {
	x.mu.Lock()
	st := x.st
	heads := make(map[string]uint64, len(x.heads))
	for o, h := range x.heads {
		heads[o] = h
	}
	x.mu.Unlock()
	var origins []queue.SiteTapOrigin
	if err := x.store.View(func(tx *queue.Tx) error {
		var err error
		origins, err = tx.SiteTapOrigins()
		return err
	}); err != nil {
		x.log.Warn("status: cannot read the site's taps", "err", err)
	}
	seen := map[string]bool{}
	for _, o := range origins {
		seen[o.Origin] = true
		so := ctlproto.SiteTapOrigin{Origin: o.Origin, Contiguous: o.Contiguous, Highest: o.Highest, Head: max(heads[o.Origin], o.Highest), Held: o.Held}
		st.Origins = append(st.Origins, so)
		st.Conflicts += o.Conflicts
		if o.Origin == x.o.DeviceID {
			st.Unpublished = o.Highest - o.Published
			continue
		}
		st.Peers++
		st.Behind += so.Head - o.Contiguous
	}
	for o, h := range heads {
		if !seen[o] && o != x.o.DeviceID && h > 0 {
			st.Peers++
			st.Behind += h
			st.Origins = append(st.Origins, ctlproto.SiteTapOrigin{Origin: o, Head: h})
		}
	}
	return st
}

// Run exchanges the site's taps until ctx ends.
func (x *Exchange) Run(ctx context.Context) error {
	inbox := make(chan paho.Message, maxGroup)
	pc := paho.NewClient(x.pahoOptions(ctx, inbox))
	pc.Connect() // retries in the background until ctx ends
	handled := make(chan struct{})
	go func() {
		defer close(handled)
		x.handleLoop(ctx, inbox)
	}()
	defer func() {
		pc.Disconnect(250)
		<-handled // no store access after Run
	}()
	t := x.o.Timers.NewTicker(x.o.Poll)
	defer t.Stop()
	for {
		if pc.IsConnectionOpen() {
			x.subscribe(ctx, pc, inbox)
		}
		if pc.IsConnectionOpen() && x.connected() {
			if err := x.publishOwn(ctx, pc); err != nil {
				x.log.Warn("own taps not all published; trying again", "err", err)
			}
			x.serveReplay(ctx, pc)
			x.askReplays(pc)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
			x.mu.Lock()
			x.ticks++
			x.mu.Unlock()
		case <-x.kick:
		}
	}
}

func (x *Exchange) connected() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.st.Connected
}

func (x *Exchange) pahoOptions(ctx context.Context, inbox chan<- paho.Message) *paho.ClientOptions {
	// A clean session: what was missed while away is found from the
	// retained heads and asked for again.
	po := x.o.Conn.Options()
	po.SetOrderMatters(true)
	// The PUBACK of a received tap goes out only after its commit.
	po.SetAutoAckDisabled(true)
	po.SetOnConnectHandler(func(c paho.Client) {
		x.mu.Lock()
		x.needSub, x.newHead = true, true
		x.mu.Unlock()
		x.subscribe(ctx, c, inbox)
	})
	po.SetConnectionLostHandler(func(_ paho.Client, err error) {
		x.mu.Lock()
		x.st.Connected = false
		x.mu.Unlock()
		x.setError("connection lost: " + err.Error())
		x.log.Warn("site taps: connection lost", "err", err)
	})
	return po
}

// subscribe subscribes to the site's taps and heads and to this
// terminal's replay requests after a connect; when that fails, the poll
// loop tries again.
func (x *Exchange) subscribe(ctx context.Context, c paho.Client, inbox chan<- paho.Message) {
	x.mu.Lock()
	need := x.needSub
	x.needSub = false
	x.mu.Unlock()
	if !need {
		return
	}
	filters := map[string]byte{x.TapsTopic("+"): 1, x.HeadTopic("+"): 1, x.ReplayTopic(x.o.DeviceID): 1}
	tok := c.SubscribeMultiple(filters, func(_ paho.Client, m paho.Message) {
		select {
		case inbox <- m:
		case <-ctx.Done():
		}
	})
	err := tok.Error()
	if !tok.WaitTimeout(x.o.AckTimeout) {
		err = errors.New("no SUBACK")
	} else if st, ok := tok.(*paho.SubscribeToken); ok && err == nil {
		for topic, code := range st.Result() {
			if code == 0x80 {
				err = fmt.Errorf("%s refused by the broker (check the account's read access)", topic)
			}
		}
	}
	if err != nil {
		x.mu.Lock()
		x.needSub = true
		x.mu.Unlock()
		x.setError("subscribe: " + err.Error())
		x.log.Warn("cannot subscribe to the site's taps; trying again", "err", err)
		return
	}
	x.mu.Lock()
	x.st.Connected = true
	x.mu.Unlock()
	x.setError("")
	x.log.Info("connected to the site's taps", "topic", x.TapsTopic("+"))
	x.Kick()
}

func (x *Exchange) setError(e string) {
	x.mu.Lock()
	x.st.LastError = e
	if e != "" {
		x.st.LastErrorAt = x.o.Now().UTC()
	}
	x.mu.Unlock()
}
