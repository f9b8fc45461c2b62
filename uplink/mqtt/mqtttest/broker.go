// Package mqtttest runs an in-process MQTT broker (mochi-mqtt) on a loopback
// port for tests: it records every message published to it and every Last
// Will it sends, keeps the retained messages, checks user names and
// passwords, and can be stopped and restarted on the same port to simulate
// a broker outage.
//
// It is not a conformance test of the broker; it is the broker side of the
// stampclock MQTT uplink's tests and demos.
package mqtttest

import (
	"bytes"
	"fmt"
	"log/slog"
	"sync"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// TB is the part of testing.TB that Start needs.
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
}

// Options configure a Broker. The zero value accepts every client.
type Options struct {
	// Users maps user names to passwords. Empty: any client may connect.
	Users map[string]string
}

// Message is one message the broker received (or a Will it sent).
type Message struct {
	Topic   string
	Payload []byte
	QoS     byte
	Retain  bool
	// Client is the publishing client's id.
	Client string
	// Will is true for a Last Will the broker sent for a lost client.
	Will bool
}

// Broker is a running in-process broker.
type Broker struct {
	opts Options
	addr string
	port *port

	mu       sync.Mutex
	srv      *mochi.Server
	msgs     []Message
	retained map[string]Message
	refused  int
	changed  chan struct{} // closed and replaced on every new message
}

// Start starts a broker on a free loopback port and stops it when the test
// ends. The port stays the broker's until then, also while it is stopped.
func Start(tb TB, o Options) *Broker {
	tb.Helper()
	p, err := listenPort()
	if err != nil {
		tb.Fatalf("mqtttest: listen on a free port: %v", err)
	}
	b := &Broker{opts: o, addr: p.addr(), port: p, retained: map[string]Message{}, changed: make(chan struct{})}
	if err := b.Restart(); err != nil {
		p.close()
		tb.Fatalf("mqtttest: %v", err)
	}
	tb.Cleanup(func() {
		b.Stop()
		p.close()
	})
	return b
}

// Addr is the broker's host:port.
func (b *Broker) Addr() string { return b.addr }

// URL is the broker's tcp:// URL.
func (b *Broker) URL() string { return "tcp://" + b.addr }

// Stop closes the broker and drops every client (mochi sends their Wills
// as it goes); until Restart, connections to its port are reset at once.
// Stopping a stopped broker does nothing.
func (b *Broker) Stop() {
	b.mu.Lock()
	srv := b.srv
	b.srv = nil
	b.mu.Unlock()
	if srv == nil {
		return
	}
	// mochi v2.7.9's Close can deadlock between its client-list locks
	// while clients drop at the same moment (seen once in a 200-cycle
	// crash loop). It closes its listener before it drops the clients, so
	// after a bounded wait the port refuses connections, Restart can serve
	// it again and the test goes on; the stuck goroutine is the broker's,
	// not the terminal's.
	done := make(chan struct{})
	go func() {
		srv.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
}

// Restart starts the broker again on its port (it must be stopped).
// Recorded messages and retained messages are kept.
func (b *Broker) Restart() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.srv != nil {
		return fmt.Errorf("mqtttest: broker on %s is running", b.addr)
	}
	srv := mochi.New(&mochi.Options{Logger: slog.New(slog.DiscardHandler)})
	if err := srv.AddHook(&hook{b: b, gate: &retainGate{writing: map[*mochi.Client]bool{}}}, nil); err != nil {
		return fmt.Errorf("add hook: %w", err)
	}
	l := b.port.open()
	if err := srv.AddListener(l); err != nil {
		l.Close(func(string) {})
		return fmt.Errorf("listen on %s: %w", b.addr, err)
	}
	if err := srv.Serve(); err != nil {
		l.Close(func(string) {})
		return fmt.Errorf("serve: %w", err)
	}
	b.srv = srv
	return nil
}

// Messages returns every message received so far, in arrival order.
func (b *Broker) Messages() []Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Message(nil), b.msgs...)
}

// Retained returns the retained message on topic.
func (b *Broker) Retained(topic string) (Message, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m, ok := b.retained[topic]
	return m, ok
}

// Refused counts connections refused for bad credentials.
func (b *Broker) Refused() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.refused
}

// WaitFor waits until ok holds for the messages received so far, or the
// timeout passes. It reports whether ok held.
func (b *Broker) WaitFor(timeout time.Duration, ok func([]Message) bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		b.mu.Lock()
		done := ok(b.msgs)
		ch := b.changed
		b.mu.Unlock()
		if done {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return false
		}
	}
}

func (b *Broker) record(m Message) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.msgs = append(b.msgs, m)
	if m.Retain {
		if len(m.Payload) == 0 {
			delete(b.retained, m.Topic)
		} else {
			b.retained[m.Topic] = m
		}
	}
	close(b.changed)
	b.changed = make(chan struct{})
}

// hook records publishes (before the PUBACK goes out) and Wills, checks
// credentials, and keeps mochi's retained index from being read and
// written at once (see retainGate).
type hook struct {
	mochi.HookBase
	b    *Broker
	gate *retainGate
}

func (h *hook) ID() string { return "mqtttest" }

func (h *hook) Provides(x byte) bool {
	return bytes.Contains([]byte{mochi.OnConnectAuthenticate, mochi.OnACLCheck, mochi.OnPublish, mochi.OnWill, mochi.OnWillSent,
		mochi.OnRetainMessage, mochi.OnSubscribe, mochi.OnPacketProcessed}, []byte{x})
}

func (h *hook) OnConnectAuthenticate(cl *mochi.Client, pk packets.Packet) bool {
	if len(h.b.opts.Users) == 0 {
		return true
	}
	pw, ok := h.b.opts.Users[string(pk.Connect.Username)]
	if ok && pw == string(pk.Connect.Password) {
		return true
	}
	h.b.mu.Lock()
	h.b.refused++
	h.b.mu.Unlock()
	return false
}

func (h *hook) OnACLCheck(cl *mochi.Client, topic string, write bool) bool { return true }

func (h *hook) OnPublish(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	if pk.FixedHeader.Retain {
		h.gate.beginWrite(cl)
	}
	h.b.record(Message{Topic: pk.TopicName, Payload: append([]byte(nil), pk.Payload...), QoS: pk.FixedHeader.Qos, Retain: pk.FixedHeader.Retain, Client: cl.ID})
	return pk, nil
}

func (h *hook) OnWill(cl *mochi.Client, will mochi.Will) (mochi.Will, error) {
	if will.Retain && will.WillDelayInterval == 0 {
		h.gate.beginWrite(cl)
	}
	return will, nil
}

func (h *hook) OnRetainMessage(cl *mochi.Client, pk packets.Packet, r int64) { h.gate.endWrite(cl) }

func (h *hook) OnSubscribe(cl *mochi.Client, pk packets.Packet) packets.Packet {
	if !cl.Net.Inline {
		h.gate.index.RLock()
	}
	return pk
}

func (h *hook) OnPacketProcessed(cl *mochi.Client, pk packets.Packet, err error) {
	if pk.FixedHeader.Type == packets.Subscribe {
		h.gate.index.RUnlock()
	}
}

func (h *hook) OnWillSent(cl *mochi.Client, pk packets.Packet) {
	h.b.record(Message{Topic: pk.TopicName, Payload: append([]byte(nil), pk.Payload...), QoS: pk.FixedHeader.Qos, Retain: pk.FixedHeader.Retain, Client: cl.ID, Will: true})
}

// retainGate works around a data race in mochi v2.7.9's retained-message
// index. TopicsIndex.RetainMessage (a retained PUBLISH, or a retained Will
// of a lost client) writes the topic node's retainPath holding the index's
// root and node locks; TopicsIndex.scanMessages, which a SUBSCRIBE to a
// filter with a wildcard runs to send the retained messages, reads
// retainPath of every node it visits holding neither lock. A retained
// publish and a wildcard subscription on two connections at the same
// moment therefore race (the race detector reports it in fleet's site
// test; mochi-mqtt/server issue #200 reports the same pair of functions).
//
// The gate makes them take turns, using the hooks mochi calls around the
// two: a SUBSCRIBE holds index for reading from OnSubscribe (the first
// thing processSubscribe does) to OnPacketProcessed (called when it
// returns); a retained PUBLISH holds it for writing from OnPublish to
// OnRetainMessage (mochi retains right after OnPublish when the hook
// returns no error, as ours never does), a retained Will from OnWill to
// OnRetainMessage. A Will with a delay (MQTT 5) is retained later without
// OnWill; it takes no turn, and endWrite, finding no turn taken, leaves
// index alone.
type retainGate struct {
	index sync.RWMutex

	mu      sync.Mutex
	writing map[*mochi.Client]bool // clients whose retain holds index for writing
}

func (g *retainGate) beginWrite(cl *mochi.Client) {
	g.index.Lock()
	g.mu.Lock()
	g.writing[cl] = true
	g.mu.Unlock()
}

func (g *retainGate) endWrite(cl *mochi.Client) {
	g.mu.Lock()
	held := g.writing[cl]
	delete(g.writing, cl)
	g.mu.Unlock()
	if held {
		g.index.Unlock()
	}
}
