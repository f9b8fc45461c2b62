package sitetaps

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/device/clock"
	"stampclock/device/ctlproto"
	"stampclock/queue"
)

// Options configure an Exchange. Zero values mean the documented defaults.
type Options struct {
	// Site names the site. Required; one topic level.
	Site string
	// DeviceID is the terminal's id: the origin of its taps. Required.
	DeviceID string
	// URLs are the brokers, as for the MQTT uplink. Required.
	URLs []string
	// ClientID is the MQTT client id of the taps connection. Default
	// DeviceID + "-taps".
	ClientID string
	// Username and Password authenticate to the broker. Default none.
	Username, Password string
	// TLS is used for ssl://, tls:// and wss:// brokers.
	TLS *tls.Config
	// TopicPrefix starts every topic. Default "stampclock".
	TopicPrefix string
	// KeepAlive is the MQTT keepalive. Default 30s.
	KeepAlive time.Duration
	// Reconnect is the longest wait between two connection attempts.
	// Default 10s.
	Reconnect time.Duration
	// AckTimeout bounds the wait for a PUBACK or SUBACK. Default 30s.
	AckTimeout time.Duration
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
	if o.Site == "" || strings.ContainsAny(o.Site, "/+#") || strings.HasPrefix(o.Site, "$") {
		return fmt.Errorf("sitetaps: site name %q: want one topic level without '/', '+', '#' or a leading '$'", o.Site)
	}
	if err := validOrigin(o.DeviceID); err != nil {
		return fmt.Errorf("sitetaps: device id: %w", err)
	}
	if len(o.URLs) == 0 {
		return errors.New("sitetaps: a broker URL is required")
	}
	if o.ClientID == "" {
		o.ClientID = o.DeviceID + "-taps"
	}
	if o.TopicPrefix == "" {
		o.TopicPrefix = "stampclock"
	}
	if o.KeepAlive <= 0 {
		o.KeepAlive = 30 * time.Second
	}
	if o.Reconnect <= 0 {
		o.Reconnect = 10 * time.Second
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = 30 * time.Second
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
	po := paho.NewClientOptions()
	for _, u := range x.o.URLs {
		po.AddBroker(u)
	}
	po.SetClientID(x.o.ClientID)
	if x.o.Username != "" {
		po.SetUsername(x.o.Username)
		po.SetPassword(x.o.Password)
	}
	if x.o.TLS != nil {
		po.SetTLSConfig(x.o.TLS)
	}
	po.SetProtocolVersion(4)
	po.SetKeepAlive(x.o.KeepAlive)
	// A clean session: what was missed while away is found from the
	// retained heads and asked for again.
	po.SetCleanSession(true)
	po.SetAutoReconnect(true)
	po.SetConnectRetry(true)
	po.SetConnectRetryInterval(min(time.Second, x.o.Reconnect))
	po.SetMaxReconnectInterval(x.o.Reconnect)
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

// publishOwn publishes the own taps the broker has not confirmed, in seq
// order, then retains the head; the store remembers what was confirmed.
func (x *Exchange) publishOwn(ctx context.Context, pc paho.Client) error {
	for ctx.Err() == nil {
		var own queue.SiteTapOrigin
		var todo []queue.SiteTap
		if err := x.store.View(func(tx *queue.Tx) error {
			var err error
			if own, err = tx.SiteTapOrigin(x.o.DeviceID); err != nil || own.Published >= own.Highest {
				return err
			}
			return tx.EachSiteTapOf(x.o.DeviceID, own.Published+1, own.Highest, func(st queue.SiteTap) bool {
				todo = append(todo, st)
				return len(todo) < maxGroup
			})
		}); err != nil {
			return err
		}
		x.mu.Lock()
		newHead := x.newHead
		x.newHead = false
		x.mu.Unlock()
		if len(todo) == 0 {
			if newHead && own.Published > 0 {
				if err := x.publishHead(pc, own.Published); err != nil {
					x.mu.Lock()
					x.newHead = true
					x.mu.Unlock()
					return err
				}
			}
			return nil
		}
		n, err := x.publishTaps(pc, todo)
		if n > 0 {
			last := todo[n-1].Seq
			if _, uerr := x.store.Update(func(tx *queue.Tx) error { return tx.MarkSiteTapsPublished(x.o.DeviceID, last) }); uerr != nil {
				return errors.Join(err, uerr)
			}
			x.mu.Lock()
			x.st.Published += uint64(n)
			x.mu.Unlock()
			if herr := x.publishHead(pc, last); herr != nil {
				x.mu.Lock()
				x.newHead = true
				x.mu.Unlock()
				err = errors.Join(err, herr)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// publishTaps publishes taps (of this terminal) at QoS 1 and returns how
// many, from the first, the broker confirmed.
func (x *Exchange) publishTaps(pc paho.Client, taps []queue.SiteTap) (int, error) {
	toks := make([]paho.Token, len(taps))
	for i, st := range taps {
		payload, _ := json.Marshal(Tap{SiteTap: st, Key: Key(st.Origin, st.Seq)}) // plain fields
		toks[i] = pc.Publish(x.TapsTopic(st.Origin), 1, false, payload)
	}
	for i, tok := range toks {
		if !tok.WaitTimeout(x.o.AckTimeout) {
			return i, fmt.Errorf("tap %s: no PUBACK within %s", Key(taps[i].Origin, taps[i].Seq), x.o.AckTimeout)
		}
		if err := tok.Error(); err != nil {
			return i, fmt.Errorf("tap %s: %w", Key(taps[i].Origin, taps[i].Seq), err)
		}
	}
	return len(taps), nil
}

func (x *Exchange) publishHead(pc paho.Client, seq uint64) error {
	h := Head{Origin: x.o.DeviceID, Seq: seq}
	if err := x.store.View(func(tx *queue.Tx) error {
		st, ok, err := tx.SiteTap(x.o.DeviceID, seq)
		if ok {
			h.At = st.At
		}
		if err != nil {
			return err
		}
		return tx.EachSiteTapOf(x.o.DeviceID, 1, seq, func(first queue.SiteTap) bool {
			if first.Seq > 1 {
				h.First = first.Seq
			}
			return false
		})
	}); err != nil {
		return err
	}
	payload, _ := json.Marshal(h) // plain fields
	tok := pc.Publish(x.HeadTopic(x.o.DeviceID), 1, true, payload)
	if !tok.WaitTimeout(x.o.AckTimeout) {
		return errors.New("head: no PUBACK")
	}
	return tok.Error()
}

// serveReplay publishes again the own taps peers asked for (the merged
// requests), up to what the broker confirmed before.
func (x *Exchange) serveReplay(ctx context.Context, pc paho.Client) {
	x.mu.Lock()
	r := x.replay
	x.replay = nil
	x.mu.Unlock()
	if r == nil || ctx.Err() != nil {
		return
	}
	var taps []queue.SiteTap
	var rest *Replay
	if err := x.store.View(func(tx *queue.Tx) error {
		own, err := tx.SiteTapOrigin(x.o.DeviceID)
		if err != nil {
			return err
		}
		to := min(r.To, own.Published)
		return tx.EachSiteTapOf(x.o.DeviceID, r.From, to, func(st queue.SiteTap) bool {
			if len(taps) == x.o.MaxReplay {
				rest = &Replay{From: st.Seq, To: to, By: r.By}
				return false
			}
			taps = append(taps, st)
			return true
		})
	}); err != nil {
		x.log.Warn("replay not read; asked again later by the peer", "err", err)
		return
	}
	n, err := x.publishTaps(pc, taps)
	x.mu.Lock()
	x.st.ReplaysAnswered += uint64(n)
	if err != nil {
		rest = &Replay{From: r.From, To: r.To, By: r.By}
		if n > 0 {
			rest.From = taps[n-1].Seq + 1
		}
	}
	if rest != nil {
		x.replay = mergeReplay(x.replay, *rest)
	}
	x.mu.Unlock()
	if err != nil {
		x.log.Warn("replay not all published; trying again", "err", err)
	}
	if rest != nil {
		x.Kick()
	}
	if n > 0 {
		x.log.Info("taps published again for a peer", "by", r.By, "from", taps[0].Seq, "to", taps[n-1].Seq)
	}
}

func mergeReplay(r *Replay, in Replay) *Replay {
	if r == nil {
		return &in
	}
	out := Replay{From: min(r.From, in.From), To: max(r.To, in.To), By: r.By}
	if in.By != r.By {
		out.By = r.By + "," + in.By
	}
	return &out
}

// askReplays asks each origin that is behind (a head above what is held,
// or a gap) for the missing taps, once it was behind for ReplayWait and at
// most once per ReplayWait.
func (x *Exchange) askReplays(pc paho.Client) {
	var origins []queue.SiteTapOrigin
	if err := x.store.View(func(tx *queue.Tx) error {
		var err error
		origins, err = tx.SiteTapOrigins()
		return err
	}); err != nil {
		x.log.Warn("site taps not read", "err", err)
		return
	}
	held := map[string]queue.SiteTapOrigin{}
	for _, o := range origins {
		held[o.Origin] = o
	}
	// Taps an origin pruned are asked of nobody: the watermark passes
	// them.
	x.mu.Lock()
	var skip []queue.SiteTapOrigin
	for origin, first := range x.firsts {
		if o := held[origin]; origin != x.o.DeviceID && first > o.Contiguous+1 {
			skip = append(skip, queue.SiteTapOrigin{Origin: origin, Contiguous: first - 1})
		}
	}
	x.mu.Unlock()
	for _, sk := range skip {
		var o queue.SiteTapOrigin
		if _, err := x.store.Update(func(tx *queue.Tx) (err error) {
			o, err = tx.SkipSiteTapsBelow(sk.Origin, sk.Contiguous+1)
			return err
		}); err != nil {
			x.log.Warn("site taps not updated", "err", err)
			return
		}
		held[sk.Origin] = o
		x.log.Warn("a peer no longer holds its old taps; they are skipped here", "origin", sk.Origin, "below", sk.Contiguous+1)
	}
	wait := max(1, uint64((x.o.ReplayWait+x.o.Poll-1)/x.o.Poll)) // in ticks
	type ask struct {
		origin string
		r      Replay
	}
	var asks []ask
	x.mu.Lock()
	now := x.ticks
	names := map[string]bool{}
	for o := range x.heads {
		names[o] = true
	}
	for o := range held {
		names[o] = true
	}
	for origin := range names {
		if origin == x.o.DeviceID {
			continue
		}
		o := held[origin]
		target := max(x.heads[origin], o.Highest)
		if target <= o.Contiguous {
			delete(x.behind, origin)
			continue
		}
		since, ok := x.behind[origin]
		if !ok {
			x.behind[origin] = now
			continue
		}
		if last, ok := x.asked[origin]; now-since < wait || (ok && now-last < wait) {
			continue
		}
		x.asked[origin] = now
		from := o.Contiguous + 1
		asks = append(asks, ask{origin, Replay{From: from, To: min(target, from+uint64(x.o.MaxReplay)-1), By: x.o.DeviceID}})
	}
	x.mu.Unlock()
	for _, a := range asks {
		payload, _ := json.Marshal(a.r) // plain fields
		tok := pc.Publish(x.ReplayTopic(a.origin), 1, false, payload)
		if !tok.WaitTimeout(x.o.AckTimeout) || tok.Error() != nil {
			x.log.Warn("replay request not confirmed; asked again later", "origin", a.origin, "err", tok.Error())
			continue
		}
		x.mu.Lock()
		x.st.ReplaysAsked++
		x.mu.Unlock()
		x.log.Info("asked a peer for missing taps", "origin", a.origin, "from", a.r.From, "to", a.r.To)
	}
}

// maxGroup bounds the messages handled (and taps committed) together.
const maxGroup = 256

// handleLoop takes the received messages in groups: one commit for the
// taps of whatever arrived while the last group was handled.
func (x *Exchange) handleLoop(ctx context.Context, inbox <-chan paho.Message) {
	for {
		var group []paho.Message
		select {
		case <-ctx.Done():
			return
		case m := <-inbox:
			group = append(group, m)
		}
	more:
		for len(group) < maxGroup {
			select {
			case m := <-inbox:
				group = append(group, m)
			default:
				break more
			}
		}
		x.handle(group)
	}
}

// handle decodes a group of messages, stores its taps in one transaction
// and acknowledges the group, in order, only after the commit. A store
// error leaves them unacknowledged: the taps are asked for again.
func (x *Exchange) handle(msgs []paho.Message) {
	var taps []queue.SiteTap
	for _, m := range msgs {
		kind, origin, ok := x.parseTopic(m.Topic())
		if !ok || len(m.Payload()) == 0 {
			continue // a cleared retained head, or not ours
		}
		switch kind {
		case "taps":
			if origin == x.o.DeviceID {
				continue // its own, back from the broker
			}
			st, err := decodeTap(origin, m.Payload())
			if err != nil {
				x.reject(m.Topic(), err)
				continue
			}
			taps = append(taps, st)
		case "heads":
			h, err := decodeHead(origin, m.Payload())
			if err != nil {
				x.reject(m.Topic(), err)
				continue
			}
			x.noteHead(h)
		case "replay":
			r, err := decodeReplay(m.Payload())
			if err != nil {
				x.reject(m.Topic(), err)
				continue
			}
			x.mu.Lock()
			x.replay = mergeReplay(x.replay, r)
			x.mu.Unlock()
			x.Kick()
		}
	}
	if err := x.Receive(taps); err != nil {
		x.log.Error("received taps not stored; not acknowledged", "count", len(taps), "err", err)
		return
	}
	for _, m := range msgs {
		m.Ack()
	}
}

func (x *Exchange) parseTopic(topic string) (kind, origin string, ok bool) {
	rest, ok := strings.CutPrefix(topic, x.base())
	if !ok {
		return "", "", false
	}
	kind, origin, ok = strings.Cut(rest, "/")
	if !ok || validOrigin(origin) != nil {
		return "", "", false
	}
	return kind, origin, true
}

func (x *Exchange) reject(topic string, err error) {
	x.mu.Lock()
	x.st.Rejected++
	x.mu.Unlock()
	x.log.Warn("site tap message dropped", "topic", topic, "err", err)
}

func (x *Exchange) noteHead(h Head) {
	if h.Origin == x.o.DeviceID {
		var own queue.SiteTapOrigin
		if err := x.store.View(func(tx *queue.Tx) error {
			var err error
			own, err = tx.SiteTapOrigin(x.o.DeviceID)
			return err
		}); err == nil && h.Seq > own.Highest {
			x.log.Error("the broker holds a head of this terminal above its own taps: its store was replaced, or another terminal uses the same device id",
				"device", x.o.DeviceID, "head", h.Seq, "held", own.Highest)
		}
		return
	}
	x.mu.Lock()
	x.heads[h.Origin] = max(x.heads[h.Origin], h.Seq)
	x.firsts[h.Origin] = max(x.firsts[h.Origin], h.First)
	x.mu.Unlock()
}

// Receive stores taps received from peers in one committed transaction
// (none when all were held) and tells OnStored the new ones.
func (x *Exchange) Receive(taps []queue.SiteTap) error {
	if len(taps) == 0 {
		return nil
	}
	type outcome struct {
		in, held queue.SiteTap
		res      queue.PutResult
	}
	var outs []outcome
	if _, err := x.store.Update(func(tx *queue.Tx) error {
		outs = outs[:0]
		for _, st := range taps {
			res, err := tx.PutSiteTap(st)
			if err != nil {
				return err
			}
			o := outcome{in: st, res: res}
			if res == queue.SiteTapConflict {
				o.held, _, _ = tx.SiteTap(st.Origin, st.Seq)
			}
			outs = append(outs, o)
		}
		return nil
	}); err != nil {
		return err
	}
	var stored []queue.SiteTap
	x.mu.Lock()
	for _, o := range outs {
		x.st.Received++
		switch o.res {
		case queue.SiteTapStored:
			stored = append(stored, o.in)
		case queue.SiteTapDuplicate:
			x.st.Duplicates++
		}
	}
	x.mu.Unlock()
	for _, o := range outs {
		if o.res == queue.SiteTapConflict {
			x.log.Warn("a site tap differs from the one held; the held one is kept",
				"key", Key(o.in.Origin, o.in.Seq), "held_email", o.held.Email, "held_at", o.held.At, "got_email", o.in.Email, "got_at", o.in.At)
		}
	}
	if len(stored) > 0 {
		x.o.OnStored(stored)
	}
	return nil
}
