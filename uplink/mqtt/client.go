package mqtt

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/queue/record"
	"stampclock/uplink"
)

// Client publishes records and the terminal's status to a broker. It is
// safe for concurrent use: the delivery loop calls SendBatch while Run
// keeps the status fresh.
type Client struct {
	opts   Options
	topics Topics
	tls    *tls.Config
	log    *slog.Logger
	nudge  chan struct{}

	acks ackWaiter // ConfirmConsumer: records awaiting a consumer's ack

	mu     sync.Mutex // guards the fields below; held during a connect
	cur    *session
	gen    uint64
	closed bool
	state  ConnState
}

// session is one connection: a fresh paho client that is never reused
// after its connection ends.
type session struct {
	pc       paho.Client
	gen      uint64
	since    time.Time              // when the connect began (in the Will too)
	broker   atomic.Pointer[string] // set by paho's notification goroutine
	lost     chan struct{}          // closed when the connection ends
	lostOnce sync.Once
}

func (s *session) brokerURL() string {
	if u := s.broker.Load(); u != nil {
		return *u
	}
	return ""
}

func (s *session) markLost() { s.lostOnce.Do(func() { close(s.lost) }) }

func (s *session) isLost() bool {
	select {
	case <-s.lost:
		return true
	default:
		return false
	}
}

// New checks o and returns a client. It does not connect: the first
// SendBatch or the status loop (Run) does.
func New(o Options) (*Client, error) {
	o.defaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	tc, err := o.tlsConfig()
	if err != nil {
		return nil, err
	}
	return &Client{
		opts:   o,
		topics: Topics{Prefix: o.TopicPrefix, Device: o.DeviceID},
		tls:    tc,
		log:    o.Logger.With("uplink", "mqtt"),
		nudge:  make(chan struct{}, 1),
	}, nil
}

// Topics returns the client's topics.
func (c *Client) Topics() Topics { return c.topics }

// State returns the connection state.
func (c *Client) State() ConnState {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.state
	st.Connected = c.cur != nil && !c.cur.isLost() && c.cur.pc.IsConnectionOpen()
	return st
}

// StatusChanged asks for the retained status to be published again soon.
// It never blocks.
func (c *Client) StatusChanged() {
	select {
	case c.nudge <- struct{}{}:
	default:
	}
}

// Send publishes one record and waits for its PUBACK (uplink.Sender).
func (c *Client) Send(ctx context.Context, rec record.Record, reconcile bool) error {
	return c.SendBatch(ctx, []record.Claim{{Record: rec, Reconcile: reconcile}})[0]
}

// SendBatch is SendStream with the answers collected: one error per claim,
// in order (uplink.BatchSender).
func (c *Client) SendBatch(ctx context.Context, claims []record.Claim) []error {
	errs := make([]error, len(claims))
	c.SendStream(ctx, claims, func(i int, err error) { errs[i] = err })
	return errs
}

// SendStream publishes claims in order with up to Options.Window publishes
// awaiting their PUBACK, and answers each claim as soon as its fate is
// known, oldest first (uplink.StreamSender): nil when the broker
// acknowledged it on a connection that was not lost meanwhile and, with
// ConfirmConsumer, a consumer then acknowledged its key (the window then
// counts records until that ack). Reconcile needs nothing special: a
// redelivery carries the same idempotency key.
// Errors are *uplink.Error: Retry when the record certainly was not
// published, Uncertain when it may have reached the broker.
func (c *Client) SendStream(ctx context.Context, claims []record.Claim, answer func(i int, err error)) {
	s, err := c.session(ctx)
	if err != nil {
		for i := range claims {
			answer(i, err)
		}
		return
	}
	type flight struct {
		i    int
		tok  paho.Token
		key  string
		ack  chan struct{} // ConfirmConsumer: closed by the consumer's ack
		sent time.Time
	}
	inflight := make([]flight, 0, min(len(claims), c.opts.Window))
	head := 0
	var stop error
	consumer := c.opts.Confirm == ConfirmConsumer
	resolve := func(f flight) error {
		err := c.await(ctx, s, f.tok)
		if !consumer {
			return err
		}
		if err == nil {
			err = c.awaitConsumer(ctx, s, f.ack, f.sent)
			if err != nil && stop == nil && !s.isLost() && ctx.Err() == nil {
				// No consumer is acknowledging: publish no more now.
				stop = &uplink.Error{Class: uplink.Retry, Msg: "not published: no consumer acknowledged the records before it"}
			}
		}
		c.acks.forget(f.key)
		return err
	}
	for i, cl := range claims {
		if stop != nil {
			answer(i, stop)
			continue
		}
		topic, payload, err := c.topics.encode(cl.Record)
		if err != nil {
			answer(i, &uplink.Error{Class: uplink.Permanent, Msg: err.Error()})
			continue
		}
		for len(inflight)-head >= c.opts.Window {
			f := inflight[head]
			answer(f.i, resolve(f))
			head++
		}
		if stop != nil {
			answer(i, stop)
			continue
		}
		if err := ctx.Err(); err != nil {
			stop = &uplink.Error{Class: uplink.Retry, Msg: "not published: shutting down", Err: err}
		} else if s.isLost() || !s.pc.IsConnectionOpen() {
			stop = &uplink.Error{Class: uplink.Retry, Msg: "not published: connection lost"}
		}
		if stop != nil {
			answer(i, stop)
			continue
		}
		f := flight{i: i, sent: time.Now()}
		if consumer {
			f.key = IdempotencyKey(c.opts.DeviceID, cl.Record.Seq)
			f.ack = c.acks.expect(f.key)
		}
		f.tok = c.publish(s, topic, false, payload)
		if f.tok == nil {
			c.acks.forget(f.key)
			stop = &uplink.Error{Class: uplink.Uncertain, Msg: "connection lost while publishing"}
			answer(i, stop)
			continue
		}
		inflight = append(inflight, f)
	}
	for ; head < len(inflight); head++ {
		f := inflight[head]
		answer(f.i, resolve(f))
	}
}

// publish hands one message to paho. paho's Publish can block for the
// whole write timeout when the connection dies under it (it waits to hand
// the packet to a writer that has stopped), so the call runs aside and is
// abandoned when the session is lost: publish then returns nil.
func (c *Client) publish(s *session, topic string, retain bool, payload []byte) paho.Token {
	done := make(chan paho.Token, 1)
	go func() { done <- s.pc.Publish(topic, c.opts.QoS, retain, payload) }()
	select {
	case tok := <-done:
		return tok
	case <-s.lost:
		return nil
	}
}

// await waits for tok's PUBACK. It returns nil only on positive evidence:
// the token completed without error and the session was not lost. paho
// completes the tokens of a lost connection with an error (CleanSession,
// no auto-reconnect); anything else unconfirmed is Uncertain.
func (c *Client) await(ctx context.Context, s *session, tok paho.Token) error {
	select {
	case <-tok.Done():
	default:
		t := time.NewTimer(c.opts.AckTimeout)
		select {
		case <-tok.Done():
		case <-s.lost:
		case <-ctx.Done():
		case <-t.C:
			c.drop(s, fmt.Errorf("no PUBACK within %s", c.opts.AckTimeout))
		}
		t.Stop()
	}
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return &uplink.Error{Class: uplink.Uncertain, Msg: "no PUBACK", Err: err}
		}
		if s.isLost() {
			return &uplink.Error{Class: uplink.Uncertain, Msg: "connection lost while the batch was in flight"}
		}
		return nil
	default:
	}
	if err := ctx.Err(); err != nil {
		return &uplink.Error{Class: uplink.Uncertain, Msg: "no PUBACK before shutdown", Err: err}
	}
	return &uplink.Error{Class: uplink.Uncertain, Msg: "connection lost before PUBACK"}
}

// drop ends s (a broken connection); the next use connects afresh.
func (c *Client) drop(s *session, why error) {
	if s.isLost() {
		return
	}
	c.log.Warn("dropping connection", "err", why)
	c.connLost(s, why)
	go s.pc.Disconnect(0)
}

// session returns the open connection, connecting first if there is none.
func (c *Client) session(ctx context.Context) (*session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, &uplink.Error{Class: uplink.Retry, Err: ErrClosed}
	}
	if s := c.cur; s != nil && !s.isLost() && s.pc.IsConnectionOpen() {
		return s, nil
	}
	s := &session{lost: make(chan struct{}), since: c.opts.Now().UTC()}
	pc := paho.NewClient(c.pahoOptions(s))
	tok := pc.Connect()
	select {
	case <-tok.Done():
	case <-ctx.Done():
		go func() { <-tok.Done(); pc.Disconnect(0) }()
		return nil, &uplink.Error{Class: uplink.Retry, Msg: "connect interrupted", Err: ctx.Err()}
	}
	if err := tok.Error(); err != nil {
		return nil, c.connectFailed(err)
	}
	if c.opts.Confirm == ConfirmConsumer {
		if err := c.subscribeAcks(ctx, pc); err != nil {
			pc.Disconnect(0)
			return nil, c.connectFailed(fmt.Errorf("subscribe to %s: %w", c.topics.Ack(), err))
		}
	}
	s.pc = pc
	c.gen++
	s.gen = c.gen
	c.cur = s
	now := c.opts.Now()
	if c.state.Failures > 0 {
		c.log.Info("connected to broker", "broker", s.brokerURL(), "after_failures", c.state.Failures)
	} else {
		c.log.Info("connected to broker", "broker", s.brokerURL())
	}
	c.state.Broker, c.state.Since, c.state.Failures = s.brokerURL(), now, 0
	// An error from before this connect (refused credentials, a lost
	// connection) is over: status shows only what is still wrong.
	c.state.LastError, c.state.LastErrorAt = "", time.Time{}
	c.state.Connects++
	c.StatusChanged()
	if c.opts.OnConnect != nil {
		go c.opts.OnConnect()
	}
	return s, nil
}

// connectFailed records and classifies a failed connect (c.mu held).
func (c *Client) connectFailed(err error) error {
	ue := loginError(err)
	c.state.Failures++
	c.state.LastError, c.state.LastErrorAt = ue.Error(), c.opts.Now()
	if c.state.Failures == 1 {
		c.log.Warn("connect failed", "err", ue)
	} else {
		c.log.Debug("connect failed again", "err", ue, "failures", c.state.Failures)
	}
	return ue
}

// connLost records the end of s.
func (c *Client) connLost(s *session, err error) {
	if s.isLost() {
		return
	}
	s.markLost()
	c.mu.Lock()
	c.state.LastError, c.state.LastErrorAt = "connection lost: "+err.Error(), c.opts.Now()
	c.mu.Unlock()
	c.log.Warn("connection lost", "broker", s.brokerURL(), "err", err)
}

func (c *Client) pahoOptions(s *session) *paho.ClientOptions {
	po := paho.NewClientOptions()
	for _, u := range c.opts.URLs {
		po.AddBroker(u)
	}
	po.SetClientID(c.opts.ClientID)
	if c.opts.Username != "" {
		po.SetUsername(c.opts.Username)
		po.SetPassword(c.opts.Password)
	}
	po.SetTLSConfig(c.tls)
	po.SetKeepAlive(c.opts.KeepAlive)
	po.SetPingTimeout(min(c.opts.KeepAlive, 10*time.Second))
	po.SetConnectTimeout(c.opts.ConnectTimeout)
	po.SetWriteTimeout(min(c.opts.AckTimeout, 10*time.Second))
	// One connection per paho client: anything unconfirmed is resent from
	// the queue, never from paho's store.
	po.SetProtocolVersion(4) // MQTT 3.1.1; no silent retry as 3.1
	po.SetCleanSession(true)
	po.SetAutoReconnect(false)
	po.SetConnectRetry(false)
	po.SetStore(paho.NewMemoryStore())
	po.SetWill(c.topics.Status(), string(c.will(s)), 1, true)
	po.SetConnectionNotificationHandler(func(_ paho.Client, n paho.ConnectionNotification) {
		if b, ok := n.(paho.ConnectionNotificationBroker); ok {
			u := b.Broker.Redacted()
			s.broker.Store(&u)
		}
	})
	po.SetConnectionLostHandler(func(_ paho.Client, err error) {
		c.connLost(s, err)
		c.StatusChanged()
	})
	return po
}

// will is the retained status the broker publishes when it finds s's
// connection gone. It is fixed when s connects, so it carries no time of
// its own: the retained …/seen says when the terminal was last heard of.
func (c *Client) will(s *session) []byte {
	st := c.offline(ReasonConnectionLost)
	st.OnlineSince = s.since
	data, _ := json.Marshal(st)
	return data
}

// goodbye is the retained status of a clean shutdown, with its time.
func (c *Client) goodbye() []byte {
	st := c.offline(ReasonShutdown)
	st.At = c.opts.Now().UTC()
	data, _ := json.Marshal(st)
	return data
}

func (c *Client) offline(reason string) Status {
	return Status{
		Schema: SchemaVersion, DeviceID: c.opts.DeviceID, Online: false, Version: c.opts.Version, Reason: reason,
		StatusInterval: seconds(c.opts.StatusInterval), KeepAlive: seconds(c.opts.KeepAlive),
	}
}

// seconds rounds d up to whole seconds.
func seconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }

// statusPayload returns the online status of session s.
func (c *Client) statusPayload(s *session) []byte {
	var st Status
	if c.opts.Status != nil {
		st = c.opts.Status()
	}
	now := c.opts.Now().UTC()
	st.Schema, st.DeviceID, st.Online, st.Version, st.At = SchemaVersion, c.opts.DeviceID, true, c.opts.Version, now
	st.Reason, st.OnlineSince = "", s.since
	st.StatusInterval, st.KeepAlive = seconds(c.opts.StatusInterval), seconds(c.opts.KeepAlive)
	data, _ := json.Marshal(st) // plain fields: cannot fail
	return data
}

// publishStatus publishes payload retained on the status topic and waits
// for its PUBACK.
func (c *Client) publishStatus(ctx context.Context, s *session, payload []byte) error {
	return c.publishRetained(ctx, s, c.topics.Status(), payload)
}

// publishRetained publishes payload retained on topic and waits for its
// PUBACK.
func (c *Client) publishRetained(ctx context.Context, s *session, topic string, payload []byte) error {
	tok := c.publish(s, topic, true, payload)
	if tok == nil {
		return fmt.Errorf("mqtt: publish %s: connection lost", topic)
	}
	if err := c.await(ctx, s, tok); err != nil {
		return fmt.Errorf("mqtt: publish %s: %w", topic, err)
	}
	return nil
}

// publishAll publishes the online status of s on the status topic and the
// same on the last-seen topic (which the Last Will does not replace, so it
// keeps the terminal's last known state) and, once per connection, the
// Home Assistant discovery configs.
func (c *Client) publishAll(ctx context.Context, s *session, discovered *uint64) error {
	if c.opts.HomeAssistantPrefix != "" && *discovered != s.gen {
		for _, m := range c.discovery() {
			if err := c.publishRetained(ctx, s, m.Topic, m.Payload); err != nil {
				return err
			}
		}
		*discovered = s.gen
	}
	status := c.statusPayload(s)
	if err := c.publishStatus(ctx, s, status); err != nil {
		return err
	}
	return c.publishRetained(ctx, s, c.topics.Seen(), status)
}

// Run keeps the retained status fresh until ctx is done: it connects when
// needed, publishes the status on connect, on StatusChanged (at most once
// per StatusMinGap) and every StatusInterval. On return it publishes the
// retained offline status and disconnects; the client is closed.
func (c *Client) Run(ctx context.Context) error {
	tick := c.opts.After(c.opts.StatusInterval)
	dirty := true
	// gap ends StatusMinGap after the last publish began; nil: it ended.
	var gap <-chan time.Time
	var discovered uint64 // the session that got the discovery configs
	for {
		if dirty && gap == nil {
			gap = c.opts.After(c.opts.StatusMinGap)
			dirty = false
			if s, err := c.session(ctx); err == nil {
				if err := c.publishAll(ctx, s, &discovered); err != nil && ctx.Err() == nil {
					c.log.Debug("status not published", "err", err)
				}
			}
			continue
		}
		select {
		case <-ctx.Done():
			c.shutdown()
			return nil
		case <-tick:
			tick = c.opts.After(c.opts.StatusInterval)
			dirty = true
		case <-c.nudge:
			dirty = true
		case <-gap:
			gap = nil
		}
	}
}

// shutdown says goodbye on the status topic and disconnects for good.
func (c *Client) shutdown() {
	c.mu.Lock()
	s := c.cur
	c.closed = true
	c.mu.Unlock()
	if s == nil || s.isLost() || !s.pc.IsConnectionOpen() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.publishStatus(ctx, s, c.goodbye()); err != nil {
		c.log.Debug("offline status not published", "err", err)
	}
	s.markLost()
	s.pc.Disconnect(250)
	c.log.Info("disconnected from broker")
}
