package fleet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/internal/mqttopts"
	"stampclock/uplink/mqtt"
)

// Options configure Collect. Zero values mean the documented defaults.
type Options struct {
	// Account is the broker connection: its URLs, tried in order
	// (required), login and TLS, and the client id (default
	// "stampctl-fleet-" and random hex, so two looks never take over each
	// other's connection). The account needs read access to
	// <prefix>/+/status and <prefix>/+/seen.
	mqttopts.Account
	// TopicPrefix is the site's mqtt.topic_prefix. Default "stampclock".
	TopicPrefix string
	// Quiet ends the collection once no retained message came for this
	// long after the subscription was granted (the broker sends the
	// retained messages at once, back to back). Default 500ms.
	Quiet time.Duration
	// Wait bounds the whole collection, connect included. Default 10s.
	Wait time.Duration
	// Grace is how much older than promised an online status may be before
	// the terminal counts as silent: the terminals' clocks against Now.
	// Default 30s.
	Grace time.Duration
	// Now is the clock. Default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// DefaultOptions holds the defaults applied to zero fields.
var DefaultOptions = Options{
	TopicPrefix: "stampclock",
	Quiet:       500 * time.Millisecond,
	Wait:        10 * time.Second,
	Grace:       30 * time.Second,
}

// ErrNoBroker is returned by Collect without a broker URL.
var ErrNoBroker = errors.New("fleet: no broker URL (set mqtt.urls in the config or give --broker)")

// View is a site's terminals, sorted by device id.
type View struct {
	// At is when the view was taken (Options.Now).
	At        time.Time  `json:"at"`
	Terminals []Terminal `json:"terminals"`
}

// Count returns how many terminals are in state.
func (v View) Count(state string) int {
	n := 0
	for _, t := range v.Terminals {
		if t.State == state {
			n++
		}
	}
	return n
}

func (o *Options) defaults() error {
	d := DefaultOptions
	if len(o.URLs) == 0 {
		return ErrNoBroker
	}
	for _, u := range o.URLs {
		if _, err := mqtt.CheckURL(u); err != nil {
			return fmt.Errorf("fleet: %w", err)
		}
	}
	if o.TopicPrefix == "" {
		o.TopicPrefix = d.TopicPrefix
	}
	if strings.ContainsAny(o.TopicPrefix, "+#") {
		return fmt.Errorf("fleet: topic prefix %q may not contain '+' or '#'", o.TopicPrefix)
	}
	if o.ClientID == "" {
		var b [6]byte
		rand.Read(b[:])
		o.ClientID = "stampctl-fleet-" + hex.EncodeToString(b[:])
	}
	if o.Quiet <= 0 {
		o.Quiet = d.Quiet
	}
	if o.Wait <= 0 {
		o.Wait = d.Wait
	}
	if o.Grace <= 0 {
		o.Grace = d.Grace
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// messages gathers the retained messages by device.
type messages struct {
	mu     sync.Mutex
	status map[string]*mqtt.Status
	seen   map[string]*mqtt.Status
	got    chan struct{} // one token per message (the quiet timer restarts)
}

// Collect connects, subscribes to the site's status and last-seen topics,
// gathers the retained messages until the broker has been quiet for
// Options.Quiet, and judges every terminal found.
func Collect(ctx context.Context, o Options) (View, error) {
	if err := o.defaults(); err != nil {
		return View{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.Wait)
	defer cancel()
	po := mqttopts.New(o.Account)
	po.SetAutoReconnect(false)
	po.SetConnectRetry(false)
	po.SetConnectTimeout(o.Wait)
	pc := paho.NewClient(po)
	if err := wait(ctx, pc.Connect()); err != nil {
		return View{}, fmt.Errorf("fleet: connect to %s: %w", strings.Join(o.URLs, ", "), err)
	}
	defer pc.Disconnect(0)

	m := &messages{status: map[string]*mqtt.Status{}, seen: map[string]*mqtt.Status{}, got: make(chan struct{}, 1)}
	filters := map[string]byte{o.TopicPrefix + "/+/status": 1, o.TopicPrefix + "/+/seen": 1}
	tok := pc.SubscribeMultiple(filters, func(_ paho.Client, msg paho.Message) { m.add(o, msg) })
	if err := wait(ctx, tok); err != nil {
		return View{}, fmt.Errorf("fleet: subscribe to %s/+/status and …/seen: %w", o.TopicPrefix, err)
	}
	for topic, qos := range tok.(*paho.SubscribeToken).Result() {
		if qos == 0x80 {
			return View{}, fmt.Errorf("fleet: the broker refused the subscription to %s (check the account's read access)", topic)
		}
	}
	quiet := time.NewTimer(o.Quiet)
	defer quiet.Stop()
collect:
	for {
		select {
		case <-m.got:
			quiet.Reset(o.Quiet)
		case <-quiet.C:
			break collect
		case <-ctx.Done():
			o.Logger.Warn("fleet: the broker kept sending; the view may be incomplete", "wait", o.Wait)
			break collect
		}
	}
	return m.view(o), nil
}

// add records one retained message (live ones are taken too: a status
// that changes during the look is as good as the retained one).
func (m *messages) add(o Options, msg paho.Message) {
	rest, ok := strings.CutPrefix(msg.Topic(), o.TopicPrefix+"/")
	if !ok {
		return
	}
	device, kind, ok := strings.Cut(rest, "/")
	if !ok || device == "" {
		return
	}
	defer func() {
		select {
		case m.got <- struct{}{}:
		default:
		}
	}()
	var st mqtt.Status
	if len(msg.Payload()) == 0 {
		return // a retained message being cleared
	}
	if err := json.Unmarshal(msg.Payload(), &st); err != nil {
		o.Logger.Warn("fleet: not a status message", "topic", msg.Topic(), "err", err)
		return
	}
	if st.DeviceID == "" {
		st.DeviceID = device
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch kind {
	case "status":
		m.status[device] = &st
	case "seen":
		m.seen[device] = &st
	}
}

func (m *messages) view(o Options) View {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := o.Now()
	v := View{At: now, Terminals: []Terminal{}}
	devices := map[string]bool{}
	for d := range m.status {
		devices[d] = true
	}
	for d := range m.seen {
		devices[d] = true
	}
	for d := range devices {
		t := Judge(now, m.status[d], m.seen[d], o.Grace)
		t.DeviceID = d
		v.Terminals = append(v.Terminals, t)
	}
	slices.SortFunc(v.Terminals, func(a, b Terminal) int { return strings.Compare(a.DeviceID, b.DeviceID) })
	return v
}

// wait waits for tok or ctx.
func wait(ctx context.Context, tok paho.Token) error {
	select {
	case <-tok.Done():
		return tok.Error()
	case <-ctx.Done():
		return ctx.Err()
	}
}
