package remote

import (
	"context"
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
	"stampclock/internal/mqttopts"
)

// Handler runs one control command with its raw JSON arguments, like
// the daemon's Handle.
type Handler func(ctx context.Context, cmd string, args json.RawMessage) (any, error)

// Request is a command sent to the terminal.
type Request struct {
	// ID identifies the request; the answer carries it. Required, at most
	// MaxIDLen bytes.
	ID string `json:"id"`
	// Cmd is a command of the control protocol, e.g. "status".
	Cmd string `json:"cmd"`
	// Args are the command's arguments, as stampctl sends them.
	Args json.RawMessage `json:"args,omitempty"`
	// ResponseTopic, when set, is where the answer goes: the terminal's
	// answer topic or a topic below it. Default: the answer topic.
	ResponseTopic string `json:"response_topic,omitempty"`
	// From names the sender (its MQTT username or client id) for the log.
	From string `json:"from,omitempty"`
}

// Answer is the terminal's reply to one request.
type Answer struct {
	ID     string `json:"id"`
	Device string `json:"device"`
	Cmd    string `json:"cmd,omitempty"`
	OK     bool   `json:"ok"`
	// Result is the command's answer when OK.
	Result any `json:"result,omitempty"`
	// Error says why the command was not run or failed.
	Error string `json:"error,omitempty"`
}

// MaxIDLen is the longest request id accepted.
const MaxIDLen = 128

// Seen is how many recent request ids are remembered to drop duplicates.
const Seen = 4096

// never lists commands not served over MQTT whatever the role: tap and
// enroll stand for a person at the door; export's answer can exceed any
// broker's message size.
var never = map[string]bool{
	ctlproto.CmdTap:         true,
	ctlproto.CmdEnroll:      true,
	ctlproto.CmdQueueExport: true,
}

// Served reports whether cmd may run over MQTT for a sender limited to
// role allow.
func Served(cmd string, allow ctlproto.Role) error {
	need, ok := ctlproto.RoleOf(cmd)
	switch {
	case !ok:
		return fmt.Errorf("unknown command %q", cmd)
	case never[cmd]:
		return fmt.Errorf("command %q is not served over MQTT", cmd)
	case !allow.Allows(need):
		return fmt.Errorf("command %q needs role %s; this terminal allows %s commands over MQTT", cmd, need, allow)
	}
	return nil
}

// Options configure a Responder.
type Options struct {
	// DeviceID names the terminal in its topics. Required.
	DeviceID string
	// TopicPrefix starts the topics. Default "stampclock".
	TopicPrefix string
	// Allow is the most a remote sender may do: ctlproto.Viewer or
	// ctlproto.Admin. Required.
	Allow ctlproto.Role
	// Account is the broker connection (URLs required).
	mqttopts.Account
	// KeepAlive is the MQTT keepalive. Default 30s.
	KeepAlive time.Duration
	// Timeout bounds one command and the PUBACK of its answer. Default 30s.
	Timeout time.Duration
	// Timers start the wait before a refused subscribe is tried again.
	// Default clock.RealTimers.
	Timers clock.Timers
	// Logger gets one line per request. Default: discard.
	Logger *slog.Logger
}

// Responder answers commands on the terminal's command topic.
type Responder struct {
	o   Options
	run Handler
	log *slog.Logger

	mu    sync.Mutex
	seen  map[string]bool
	order []string
}

// New returns a Responder that runs requests through h.
func New(h Handler, o Options) (*Responder, error) {
	if o.DeviceID == "" || len(o.URLs) == 0 {
		return nil, errors.New("remote: a device id and broker URLs are needed")
	}
	if o.Allow != ctlproto.Viewer && o.Allow != ctlproto.Admin {
		return nil, fmt.Errorf("remote: allow %q; want %q or %q", o.Allow, ctlproto.Viewer, ctlproto.Admin)
	}
	if o.TopicPrefix == "" {
		o.TopicPrefix = "stampclock"
	}
	if o.KeepAlive <= 0 {
		o.KeepAlive = 30 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Timers == nil {
		o.Timers = clock.RealTimers{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Responder{o: o, run: h, log: o.Logger, seen: map[string]bool{}}, nil
}

// CommandTopic is where requests arrive.
func (r *Responder) CommandTopic() string { return r.o.TopicPrefix + "/" + r.o.DeviceID + "/cmd" }

// AnswerTopic is where answers go by default.
func (r *Responder) AnswerTopic() string { return r.CommandTopic() + "/answer" }

// Run connects, answers requests until ctx ends, then disconnects.
func (r *Responder) Run(ctx context.Context) error {
	inbox := make(chan []byte, 64)
	// A clean session: a command sent while the terminal was away is not
	// run when it comes back, perhaps hours later.
	po := mqttopts.Lasting(mqttopts.New(r.o.Account), r.o.KeepAlive, 30*time.Second)
	po.SetOnConnectHandler(func(c paho.Client) { go r.subscribe(ctx, c, inbox) })
	po.SetConnectionLostHandler(func(_ paho.Client, err error) {
		r.log.Warn("remote commands: connection lost", "err", err)
	})
	pc := paho.NewClient(po)
	pc.Connect() // retries in the background until ctx ends
	defer pc.Disconnect(250)
	for {
		select {
		case <-ctx.Done():
			return nil
		case p := <-inbox:
			r.handle(ctx, pc, p)
		}
	}
}

// subscribe subscribes to the command topic after a connect, trying
// again every second while the connection is up and the broker refuses.
func (r *Responder) subscribe(ctx context.Context, c paho.Client, inbox chan<- []byte) {
	for {
		tok := c.Subscribe(r.CommandTopic(), 1, func(_ paho.Client, m paho.Message) {
			select {
			case inbox <- m.Payload():
			case <-ctx.Done():
			}
		})
		err := tok.Error()
		if !tok.WaitTimeout(r.o.Timeout) {
			err = errors.New("no SUBACK")
		} else if st, ok := tok.(*paho.SubscribeToken); ok && err == nil && st.Result()[r.CommandTopic()] == 0x80 {
			err = errors.New("refused by the broker")
		}
		if err == nil {
			return
		}
		r.log.Warn("remote commands: subscribe failed", "topic", r.CommandTopic(), "err", err)
		select {
		case <-ctx.Done():
			return
		case <-r.o.Timers.After(time.Second):
		}
		if !c.IsConnectionOpen() {
			return // the next connect subscribes again
		}
	}
}

// handle runs one request and publishes its answer.
func (r *Responder) handle(ctx context.Context, pc paho.Client, payload []byte) {
	var req Request
	a := Answer{Device: r.o.DeviceID}
	topic := r.AnswerTopic()
	if err := json.Unmarshal(payload, &req); err != nil {
		a.Error = fmt.Sprintf("bad request: %v", err)
		r.log.Warn("remote command refused", "err", a.Error)
		r.publish(pc, topic, a)
		return
	}
	a.ID, a.Cmd = req.ID, req.Cmd
	if req.ResponseTopic != "" {
		if req.ResponseTopic != topic && !strings.HasPrefix(req.ResponseTopic, topic+"/") || strings.ContainsAny(req.ResponseTopic, "+#") {
			a.Error = fmt.Sprintf("response_topic %q: want %s or a topic below it", req.ResponseTopic, topic)
			r.log.Warn("remote command refused", "id", req.ID, "cmd", req.Cmd, "from", req.From, "err", a.Error)
			r.publish(pc, topic, a)
			return
		}
		topic = req.ResponseTopic
	}
	if req.ID == "" || len(req.ID) > MaxIDLen {
		a.Error = fmt.Sprintf("id: want 1 to %d bytes", MaxIDLen)
		r.log.Warn("remote command refused", "cmd", req.Cmd, "from", req.From, "err", a.Error)
		r.publish(pc, topic, a)
		return
	}
	if !r.first(req.ID) {
		r.log.Debug("remote command: duplicate id dropped", "id", req.ID, "cmd", req.Cmd)
		return
	}
	if err := Served(req.Cmd, r.o.Allow); err != nil {
		a.Error = err.Error()
		r.log.Warn("remote command refused", "id", req.ID, "cmd", req.Cmd, "from", req.From, "err", a.Error)
		r.publish(pc, topic, a)
		return
	}
	cctx, cancel := context.WithTimeout(ctx, r.o.Timeout)
	res, err := r.run(cctx, req.Cmd, req.Args)
	cancel()
	if err != nil {
		a.Error = err.Error()
		r.log.Warn("remote command failed", "id", req.ID, "cmd", req.Cmd, "from", req.From, "err", err)
	} else {
		a.OK, a.Result = true, res
		r.log.Info("remote command", "id", req.ID, "cmd", req.Cmd, "from", req.From)
	}
	r.publish(pc, topic, a)
}

// first records id and reports whether it was new; the oldest of Seen ids
// is forgotten.
func (r *Responder) first(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen[id] {
		return false
	}
	r.seen[id] = true
	r.order = append(r.order, id)
	if len(r.order) > Seen {
		delete(r.seen, r.order[0])
		r.order = r.order[1:]
	}
	return true
}

func (r *Responder) publish(pc paho.Client, topic string, a Answer) {
	b, err := json.Marshal(a)
	if err != nil {
		a = Answer{ID: a.ID, Device: a.Device, Cmd: a.Cmd, Error: fmt.Sprintf("answer not encodable: %v", err)}
		b, _ = json.Marshal(a)
	}
	tok := pc.Publish(topic, 1, false, b)
	if !tok.WaitTimeout(r.o.Timeout) || tok.Error() != nil {
		r.log.Warn("remote command: answer not published", "id", a.ID, "topic", topic, "err", tok.Error())
	}
}
