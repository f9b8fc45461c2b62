package remote

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/internal/mqttopts"
)

// ErrNoAnswer is returned by Call when no answer came in time: the
// terminal is offline, does not serve remote commands, or the broker's
// ACL dropped the request. Whether the command ran is unknown.
var ErrNoAnswer = errors.New("remote: no answer")

// AnswerError is a terminal's answer that its command was refused or
// failed: Msg is the terminal's own words.
type AnswerError struct{ Device, Msg string }

func (e *AnswerError) Error() string { return e.Device + ": " + e.Msg }

// CallerOptions configure a Caller, the sending side (an office's
// stampctl). Zero values mean the documented defaults.
type CallerOptions struct {
	// Account is the broker connection: its URLs (required), the client
	// id (default "stampctl-" and 8 random hex digits, so two operators
	// never take over each other's session), login and TLS. The password
	// is never part of an error.
	mqttopts.Account
	// TopicPrefix starts the topics. Default "stampclock".
	TopicPrefix string
	// Timeout bounds the connect and the subscription. Default 10s.
	Timeout time.Duration
}

// Caller sends requests to terminals and waits for their answers, each
// on a response topic of its own below the terminal's answer topic.
type Caller struct {
	o  CallerOptions
	pc paho.Client

	mu      sync.Mutex
	waiting map[string]chan Answer
	subbed  map[string]bool // answer topics subscribed
}

// Dial connects to the broker.
func Dial(ctx context.Context, o CallerOptions) (*Caller, error) {
	if len(o.URLs) == 0 {
		return nil, errors.New("remote: no broker URL")
	}
	if o.TopicPrefix == "" {
		o.TopicPrefix = "stampclock"
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.ClientID == "" {
		o.ClientID = "stampctl-" + randomHex(4)
	}
	po := mqttopts.New(o.Account)
	po.SetAutoReconnect(false)
	po.SetConnectTimeout(o.Timeout)
	c := &Caller{o: o, waiting: map[string]chan Answer{}, subbed: map[string]bool{}}
	c.pc = paho.NewClient(po)
	tok := c.pc.Connect()
	if err := wait(ctx, tok, o.Timeout); err != nil {
		return nil, fmt.Errorf("remote: connect to %s as %q: %w", strings.Join(o.URLs, ", "), o.Username, err)
	}
	return c, nil
}

// Close disconnects.
func (c *Caller) Close() { c.pc.Disconnect(100) }

// answerTopic is where the answers to this caller's requests to device
// come.
func (c *Caller) answerTopic(device string) string {
	return c.o.TopicPrefix + "/" + device + "/cmd/answer/" + c.o.ClientID
}

// Call sends cmd with args (encoded as JSON) to device and decodes the
// answer's result into out (nil: ignored). It returns ErrNoAnswer when
// ctx ends first, and an *AnswerError when the terminal answered with an
// error.
func (c *Caller) Call(ctx context.Context, device, cmd string, args, out any) error {
	if !mqttopts.TopicLevel(device) {
		return fmt.Errorf("remote: device %q: want a device id, one topic level", device)
	}
	req := Request{ID: randomHex(12), Cmd: cmd, ResponseTopic: c.answerTopic(device), From: c.o.ClientID}
	if c.o.Username != "" {
		req.From = c.o.Username
	}
	if args != nil {
		b, err := json.Marshal(args)
		if err != nil {
			return fmt.Errorf("remote: encode %s: %w", cmd, err)
		}
		req.Args = b
	}
	if err := c.subscribe(ctx, device); err != nil {
		return err
	}
	ch := make(chan Answer, 1)
	c.mu.Lock()
	c.waiting[req.ID] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiting, req.ID)
		c.mu.Unlock()
	}()
	payload, _ := json.Marshal(req) // plain fields
	topic := c.o.TopicPrefix + "/" + device + "/cmd"
	if err := wait(ctx, c.pc.Publish(topic, 1, false, payload), c.o.Timeout); err != nil {
		return fmt.Errorf("remote: send %s to %s: %w", cmd, topic, err)
	}
	select {
	case <-ctx.Done():
		return fmt.Errorf("%w from %s to %s (id %s): %w", ErrNoAnswer, device, cmd, req.ID, ctx.Err())
	case a := <-ch:
		if !a.OK {
			return &AnswerError{Device: device, Msg: a.Error}
		}
		if out == nil || a.Result == nil {
			return nil
		}
		// Result arrived as JSON; decode it once more into out.
		raw, err := json.Marshal(a.Result)
		if err == nil {
			err = json.Unmarshal(raw, out)
		}
		if err != nil {
			return fmt.Errorf("remote: decode answer to %s from %s: %w", cmd, device, err)
		}
		return nil
	}
}

// subscribe subscribes once per device to this caller's answer topic.
func (c *Caller) subscribe(ctx context.Context, device string) error {
	topic := c.answerTopic(device)
	c.mu.Lock()
	done := c.subbed[topic]
	c.mu.Unlock()
	if done {
		return nil
	}
	tok := c.pc.Subscribe(topic, 1, func(_ paho.Client, m paho.Message) {
		var a Answer
		if json.Unmarshal(m.Payload(), &a) != nil {
			return // not an answer; the wait ends by its deadline
		}
		c.mu.Lock()
		ch := c.waiting[a.ID]
		c.mu.Unlock()
		if ch != nil {
			select {
			case ch <- a:
			default: // a second answer to one id is dropped
			}
		}
	})
	err := wait(ctx, tok, c.o.Timeout)
	if st, ok := tok.(*paho.SubscribeToken); ok && err == nil && st.Result()[topic] == 0x80 {
		err = errors.New("refused by the broker (check the account's read access)")
	}
	if err != nil {
		return fmt.Errorf("remote: subscribe %s: %w", topic, err)
	}
	c.mu.Lock()
	c.subbed[topic] = true
	c.mu.Unlock()
	return nil
}

// wait waits for tok until ctx ends or d passes.
func wait(ctx context.Context, tok paho.Token, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-tok.Done():
		return tok.Error()
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return fmt.Errorf("no answer from the broker within %s", d)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
