package mqtt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/uplink"
)

// Confirm says what counts as delivered for a record.
type Confirm string

const (
	// ConfirmBroker: the broker's PUBACK (PUBCOMP for QoS 2). The broker
	// has taken the record over; whether a consumer ever reads it depends
	// on the broker's persistence and queue limits.
	ConfirmBroker Confirm = "broker"
	// ConfirmConsumer: a consumer's acknowledgement on the ack topic,
	// after the PUBACK. The record leaves the queue only when a consumer
	// says it has it.
	ConfirmConsumer Confirm = "consumer"
)

// Ack is the JSON a consumer publishes on <prefix>/<device_id>/ack to
// acknowledge records in ConfirmConsumer mode. A consumer acknowledges a
// key after it has stored the record (or found it already stored): a
// redelivery must be acknowledged again.
type Ack struct {
	IdempotencyKeys []string `json:"idempotency_keys"`
}

// Ack returns the topic consumers acknowledge on: <prefix>/<device>/ack.
func (t Topics) Ack() string { return t.Prefix + "/" + t.Device + "/ack" }

// ackWaiter holds the records published in ConfirmConsumer mode that wait
// for a consumer's acknowledgement, by idempotency key.
type ackWaiter struct {
	mu      sync.Mutex
	waiting map[string]chan struct{}
	bad     uint64 // unreadable ack messages
}

// expect registers key before its record is published, so an ack that
// comes back at once is not missed.
func (w *ackWaiter) expect(key string) chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.waiting == nil {
		w.waiting = map[string]chan struct{}{}
	}
	ch, ok := w.waiting[key]
	if !ok {
		ch = make(chan struct{})
		w.waiting[key] = ch
	}
	return ch
}

// forget drops key once its record is answered either way.
func (w *ackWaiter) forget(key string) {
	w.mu.Lock()
	delete(w.waiting, key)
	w.mu.Unlock()
}

// acked marks keys acknowledged; keys nobody waits for (a late ack, another
// device's key) are ignored.
func (w *ackWaiter) acked(keys []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, k := range keys {
		if ch, ok := w.waiting[k]; ok {
			close(ch)
			delete(w.waiting, k)
		}
	}
}

// onAck handles a message on the ack topic (paho's goroutine).
func (c *Client) onAck(_ paho.Client, m paho.Message) {
	var a Ack
	if err := json.Unmarshal(m.Payload(), &a); err != nil || len(a.IdempotencyKeys) == 0 {
		c.acks.mu.Lock()
		c.acks.bad++
		first := c.acks.bad == 1
		c.acks.mu.Unlock()
		if first {
			c.log.Warn("unreadable message on the ack topic; want {\"idempotency_keys\":[…]}", "topic", m.Topic(), "bytes", len(m.Payload()))
		}
		return
	}
	c.acks.acked(a.IdempotencyKeys)
}

// subscribeAcks subscribes s to the ack topic (ConfirmConsumer mode), on
// every connect: sessions are clean.
func (c *Client) subscribeAcks(ctx context.Context, pc paho.Client) error {
	tok := pc.Subscribe(c.topics.Ack(), 1, c.onAck)
	select {
	case <-tok.Done():
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(c.opts.ConnectTimeout):
		return fmt.Errorf("no SUBACK within %s", c.opts.ConnectTimeout)
	}
	if err := tok.Error(); err != nil {
		return err
	}
	if st, ok := tok.(*paho.SubscribeToken); ok {
		if q := st.Result()[c.topics.Ack()]; q > 2 {
			return errors.New("the broker refused the subscription (check its ACL)")
		}
	}
	return nil
}

// awaitConsumer waits, after the PUBACK, for a consumer's ack of a record
// published at sent. Every failure is Uncertain: the broker has the record.
func (c *Client) awaitConsumer(ctx context.Context, s *session, ch chan struct{}, sent time.Time) error {
	wait := c.opts.ConsumerAckTimeout - time.Since(sent)
	t := time.NewTimer(max(wait, 0))
	defer t.Stop()
	select {
	case <-ch:
		return nil
	default:
	}
	select {
	case <-ch:
		return nil
	case <-s.lost:
		return &uplink.Error{Class: uplink.Uncertain, Msg: "connection lost before a consumer acknowledged the record"}
	case <-ctx.Done():
		return &uplink.Error{Class: uplink.Uncertain, Msg: "no consumer ack before shutdown", Err: ctx.Err()}
	case <-t.C:
		return &uplink.Error{Class: uplink.Uncertain, Msg: fmt.Sprintf("the broker accepted the record but no consumer acknowledged it within %s (mqtt.consumer_ack_timeout)", c.opts.ConsumerAckTimeout)}
	}
}
