package mqtt

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"stampclock/uplink"
)

// Options configure a Client. Zero values mean the documented defaults.
type Options struct {
	// URLs are the brokers, tried in order on every connect: tcp://,
	// ssl:// (or tls://, mqtts://), ws:// or wss://, with host:port.
	// Required. Credentials go in Username/Password, never in a URL.
	URLs []string
	// DeviceID names the terminal in topics and payloads. Required; it may
	// not contain '/', '+' or '#'.
	DeviceID string
	// ClientID is the MQTT client id. Default DeviceID.
	ClientID string
	// Username and Password authenticate to the broker. Default none.
	Username, Password string
	// CAFile is a PEM file of CAs that sign the broker's certificate.
	// Default: the system's roots.
	CAFile string
	// CertFile and KeyFile are a PEM client certificate and key for
	// mutual TLS. Default none; set both or neither.
	CertFile, KeyFile string
	// KeepAlive is the MQTT keepalive. Default 30s.
	KeepAlive time.Duration
	// TopicPrefix starts every topic. Default "stampclock".
	TopicPrefix string
	// QoS of record publishes: 1 (PUBACK) or 2 (PUBCOMP). Default 1. QoS 0
	// is refused: it gives no evidence of delivery.
	QoS byte
	// Window is how many publishes may wait for their PUBACK at once.
	// Default 256; at most 1024.
	Window int
	// ConnectTimeout bounds one connection attempt (per broker URL).
	// Default 10s.
	ConnectTimeout time.Duration
	// AckTimeout is how long a publish may wait for its PUBACK before the
	// connection is given up as broken. Default 30s.
	AckTimeout time.Duration
	// Confirm is what makes a record delivered: ConfirmBroker (the PUBACK)
	// or ConfirmConsumer (a consumer's ack on <prefix>/<device>/ack).
	// Default ConfirmBroker.
	Confirm Confirm
	// ConsumerAckTimeout is how long a published record waits for a
	// consumer's ack (ConfirmConsumer) before it is left pending, to be
	// published again after a backoff. Default 60s.
	ConsumerAckTimeout time.Duration
	// StatusInterval is how often the retained status is refreshed when
	// nothing changes. Default 60s.
	StatusInterval time.Duration
	// StatusMinGap is the least time between two status publishes (changes
	// in between are folded into one). Default 1s.
	StatusMinGap time.Duration
	// Status returns the device's part of the status message. Default: no
	// device details, only online/version.
	Status func() Status
	// Version is reported in the status message.
	Version string
	// HomeAssistantPrefix turns on Home Assistant MQTT discovery: on every
	// connect the client publishes retained sensor configs under this
	// prefix (Home Assistant's default is "homeassistant") that read the
	// status topic. Default "" (off).
	HomeAssistantPrefix string
	// OnConnect is called (in its own goroutine) after every successful
	// connect, e.g. to end the delivery loop's backoff (uplink.Runner.Resume).
	// Default none.
	OnConnect func()
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// After starts the status loop's waits (StatusInterval, StatusMinGap).
	// Default time.After.
	After  func(time.Duration) <-chan time.Time
	Logger *slog.Logger
}

// DefaultOptions holds the defaults applied to zero fields.
var DefaultOptions = Options{
	KeepAlive:          30 * time.Second,
	TopicPrefix:        "stampclock",
	QoS:                1,
	Window:             256,
	ConnectTimeout:     10 * time.Second,
	AckTimeout:         30 * time.Second,
	Confirm:            ConfirmBroker,
	ConsumerAckTimeout: 60 * time.Second,
	StatusInterval:     60 * time.Second,
	StatusMinGap:       time.Second,
}

// DefaultBatch is the uplink.Runner batch size suited to Client: records
// claimed per commit (they are settled as they are confirmed, in groups of
// at most uplink.MaxUnsettled). Measured on a 2-core VM draining to a
// local mosquitto, when a batch was also settled in one commit: 512 → 8k
// records/s, 2048 → 20k, 4096 → 23k.
const DefaultBatch = 4096

// Errors from New.
var (
	ErrNoBroker = errors.New("mqtt: no broker URL")
	ErrClosed   = errors.New("mqtt: client closed")
)

func (o *Options) defaults() {
	d := DefaultOptions
	if o.ClientID == "" {
		o.ClientID = o.DeviceID
	}
	if o.KeepAlive <= 0 {
		o.KeepAlive = d.KeepAlive
	}
	if o.TopicPrefix == "" {
		o.TopicPrefix = d.TopicPrefix
	}
	if o.QoS == 0 {
		o.QoS = d.QoS
	}
	if o.Window <= 0 {
		o.Window = d.Window
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = d.ConnectTimeout
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = d.AckTimeout
	}
	if o.Confirm == "" {
		o.Confirm = d.Confirm
	}
	if o.ConsumerAckTimeout <= 0 {
		o.ConsumerAckTimeout = d.ConsumerAckTimeout
	}
	if o.StatusInterval <= 0 {
		o.StatusInterval = d.StatusInterval
	}
	if o.StatusMinGap <= 0 {
		o.StatusMinGap = d.StatusMinGap
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = time.After
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// CheckURL checks a broker URL; it returns whether the URL needs TLS.
func CheckURL(raw string) (tlsNeeded bool, err error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false, fmt.Errorf("%q is not a broker URL like \"tcp://broker.example.com:1883\"", raw)
	}
	if u.User != nil {
		return false, fmt.Errorf("broker URL %s carries credentials; use username and password_file", u.Redacted())
	}
	if u.Port() == "" {
		return false, fmt.Errorf("broker URL %q has no port (1883 for tcp, 8883 for ssl)", raw)
	}
	switch u.Scheme {
	case "tcp", "mqtt", "ws":
		return false, nil
	case "ssl", "tls", "mqtts", "wss":
		return true, nil
	}
	return false, fmt.Errorf("broker URL %q: scheme %q; want tcp, ssl, tls, ws or wss", raw, u.Scheme)
}

// CheckTopicLevel checks a device id or topic prefix level.
func checkTopic(name, v string, allowSlash bool) error {
	if v == "" {
		return fmt.Errorf("mqtt: %s is empty", name)
	}
	bad := "+#\x00"
	if !allowSlash {
		bad += "/"
	}
	if strings.ContainsAny(v, bad) || strings.HasPrefix(v, "/") || strings.HasSuffix(v, "/") || strings.HasPrefix(v, "$") {
		return fmt.Errorf("mqtt: %s %q may not contain %q, start with '$' or start or end with '/'", name, v, bad)
	}
	return nil
}

func (o *Options) validate() error {
	if len(o.URLs) == 0 {
		return ErrNoBroker
	}
	for _, u := range o.URLs {
		if _, err := CheckURL(u); err != nil {
			return fmt.Errorf("mqtt: %w", err)
		}
	}
	if err := checkTopic("device id", o.DeviceID, false); err != nil {
		return err
	}
	if err := checkTopic("topic prefix", o.TopicPrefix, true); err != nil {
		return err
	}
	if o.HomeAssistantPrefix != "" {
		if err := checkTopic("homeassistant prefix", o.HomeAssistantPrefix, true); err != nil {
			return err
		}
	}
	if o.QoS != 1 && o.QoS != 2 {
		return fmt.Errorf("mqtt: qos %d; want 1 or 2 (qos 0 gives no evidence of delivery)", o.QoS)
	}
	if o.Confirm != ConfirmBroker && o.Confirm != ConfirmConsumer {
		return fmt.Errorf("mqtt: delivered %q; want %q or %q", o.Confirm, ConfirmBroker, ConfirmConsumer)
	}
	if o.Window > 1024 {
		return fmt.Errorf("mqtt: window %d; want at most 1024", o.Window)
	}
	if (o.CertFile == "") != (o.KeyFile == "") {
		return errors.New("mqtt: set both cert_file and key_file, or neither")
	}
	return nil
}

// tlsConfig builds the TLS configuration from the files in o.
func (o *Options) tlsConfig() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CAFile != "" {
		pool, err := uplink.CertPool("ca_file", o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("mqtt: %w", err)
		}
		cfg.RootCAs = pool
	}
	if o.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("mqtt: cert_file/key_file: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
