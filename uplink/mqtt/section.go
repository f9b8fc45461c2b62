package mqtt

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"strings"
	"time"

	"stampclock/internal/mqttopts"
	"stampclock/uplink"
)

// Name is the uplink's config section and pending set.
const Name = "mqtt"

// Config is the [mqtt] section. The uplink is enabled when URLs is set;
// its zero fields get DefaultOptions' values (ClientID: device.id).
type Config struct {
	// URLs of the brokers, tried in order: tcp://, ssl:// (tls://), ws://,
	// wss://, each with a port.
	URLs []string `toml:"urls"`
	// ClientID is the MQTT client id. Default: device.id.
	ClientID string `toml:"client_id"`
	// Username, and Password or PasswordFile (root:stampclock 0640), authenticate to the
	// broker. Default: none.
	Username     string `toml:"username"`
	Password     string `toml:"password"`
	PasswordFile string `toml:"password_file"`
	// CAFile verifies the broker's certificate (default: system roots);
	// CertFile and KeyFile are a client certificate for mutual TLS.
	CAFile   string `toml:"ca_file"`
	CertFile string `toml:"cert_file"`
	KeyFile  string `toml:"key_file"`
	// KeepAlive is the MQTT keepalive. Default 30s.
	KeepAlive uplink.Duration `toml:"keepalive"`
	// TopicPrefix starts every topic. Default "stampclock".
	TopicPrefix string `toml:"topic_prefix"`
	// QoS of record publishes: 1 or 2. Default 1.
	QoS int `toml:"qos"`
	// StatusInterval: the retained status is refreshed at least this often.
	// Default 60s.
	StatusInterval uplink.Duration `toml:"status_interval"`
	// Window is how many publishes may await their PUBACK at once. Default 256.
	Window int `toml:"window"`
	// Delivered says what makes a record delivered: "broker" (its PUBACK)
	// or "consumer" (a consumer's ack on <prefix>/<device>/ack). Default
	// "broker".
	Delivered string `toml:"delivered"`
	// ConsumerAckTimeout: with delivered = "consumer", how long a published
	// record waits for the consumer's ack before it is published again
	// later. Default 60s.
	ConsumerAckTimeout uplink.Duration `toml:"consumer_ack_timeout"`
	// HomeAssistant is the Home Assistant MQTT discovery prefix (usually
	// "homeassistant"): set, the terminal announces its status as sensors.
	// Default "" (off).
	HomeAssistant string `toml:"homeassistant_discovery"`
	// RemoteCommands lets control commands arrive on <prefix>/<device>/cmd:
	// "viewer" (status only) or "admin" (also reload, queue and badges
	// commands). Default "" (off).
	RemoteCommands string `toml:"remote_commands"`
}

// Of returns the [mqtt] section among a parsed config's uplink sections
// (config.Config.Uplinks), for the features that share the uplink's
// broker (site badges, remote commands, stampctl fleet). It is never nil:
// without the section it is an empty, disabled one.
func Of(sections map[string]uplink.Section) *Config {
	if c, ok := sections[Name].(*Config); ok {
		return c
	}
	return &Config{}
}

// Enabled reports whether the section configures the uplink.
func (c *Config) Enabled() bool { return len(c.URLs) > 0 }

// Prepare fills the defaults, reads the password file and validates.
func (c *Config) Prepare(g uplink.Globals) error {
	d := DefaultOptions
	if c.ClientID == "" {
		c.ClientID = g.DeviceID
	}
	if c.KeepAlive.Duration == 0 {
		c.KeepAlive.Duration = d.KeepAlive
	}
	if c.TopicPrefix == "" {
		c.TopicPrefix = d.TopicPrefix
	}
	if c.QoS == 0 {
		c.QoS = int(d.QoS)
	}
	if c.StatusInterval.Duration == 0 {
		c.StatusInterval.Duration = d.StatusInterval
	}
	if c.Window == 0 {
		c.Window = d.Window
	}
	if c.Delivered == "" {
		c.Delivered = string(d.Confirm)
	}
	if c.ConsumerAckTimeout.Duration == 0 {
		c.ConsumerAckTimeout.Duration = d.ConsumerAckTimeout
	}
	for _, k := range []struct {
		key string
		d   uplink.Duration
	}{{"keepalive", c.KeepAlive}, {"status_interval", c.StatusInterval}} {
		if k.d.Duration < 0 {
			return fmt.Errorf("%s.%s: %s is negative", Name, k.key, k.d)
		}
	}
	for i, u := range c.URLs {
		if _, err := CheckURL(u); err != nil {
			return fmt.Errorf("%s.urls[%d]: %w", Name, i, err)
		}
	}
	if g.DeviceID != "" && !mqttopts.TopicLevel(g.DeviceID) {
		return fmt.Errorf("device.id: %q is used in MQTT topics and may not contain '/', '+' or '#' or start with '$'", g.DeviceID)
	}
	if badPrefix(c.TopicPrefix) {
		return fmt.Errorf("%s.topic_prefix: %q; want topic levels like \"stampclock\" or \"site/berlin\" without '+', '#', '$' or a leading or trailing '/'", Name, c.TopicPrefix)
	}
	if h := c.HomeAssistant; h != "" && badPrefix(h) {
		return fmt.Errorf("%s.homeassistant_discovery: %q; want Home Assistant's discovery prefix, usually \"homeassistant\"", Name, h)
	}
	if c.QoS != 1 && c.QoS != 2 {
		return fmt.Errorf("%s.qos: %d; want 1 or 2 (qos 0 gives no evidence of delivery)", Name, c.QoS)
	}
	if c.Window < 1 || c.Window > 1024 {
		return fmt.Errorf("%s.window: %d; want 1 to 1024", Name, c.Window)
	}
	if cf := Confirm(c.Delivered); cf != ConfirmBroker && cf != ConfirmConsumer {
		return fmt.Errorf("%s.delivered: %q; want %q (the broker's PUBACK) or %q (a consumer's ack)", Name, c.Delivered, ConfirmBroker, ConfirmConsumer)
	}
	for _, k := range []struct {
		key string
		d   uplink.Duration
	}{{"consumer_ack_timeout", c.ConsumerAckTimeout}, {"keepalive", c.KeepAlive}, {"status_interval", c.StatusInterval}} {
		if k.d.Duration < time.Second {
			return fmt.Errorf("%s.%s: %s; want at least 1s", Name, k.key, k.d)
		}
	}
	if r := c.RemoteCommands; r != "" && r != "viewer" && r != "admin" {
		return fmt.Errorf("%s.remote_commands: %q; want \"viewer\", \"admin\" or \"\" (off)", Name, r)
	}
	return c.prepareSecrets(g)
}

// badPrefix tells whether p is not a topic prefix: a wildcard, a leading
// '$' or a '/' at either end.
func badPrefix(p string) bool {
	return strings.ContainsAny(p, "+#") || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.HasPrefix(p, "$")
}

// prepareSecrets reads the password file and checks the TLS files.
func (c *Config) prepareSecrets(g uplink.Globals) error {
	if c.Password != "" && c.PasswordFile != "" {
		return fmt.Errorf("%s.password and %s.password_file: set only one", Name, Name)
	}
	if c.PasswordFile != "" {
		p, err := g.ReadSecret(c.PasswordFile)
		if err != nil {
			return fmt.Errorf("%s.password_file: %w", Name, err)
		}
		c.Password = p
	}
	if c.Password != "" && c.Username == "" {
		return fmt.Errorf("%s.username: required with a password", Name)
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		return fmt.Errorf("%s.cert_file and %s.key_file: set both or neither", Name, Name)
	}
	for key, path := range map[string]string{"ca_file": c.CAFile, "cert_file": c.CertFile, "key_file": c.KeyFile} {
		if path == "" {
			continue
		}
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("%s.%s: %w", Name, key, err)
		}
	}
	if c.KeyFile != "" && g.CheckPrivate != nil {
		if err := g.CheckPrivate(c.KeyFile); err != nil {
			return fmt.Errorf("%s.key_file: %w", Name, err)
		}
	}
	return nil
}

// Files returns the password and TLS files by key.
func (c *Config) Files() map[string]string {
	return map[string]string{
		Name + ".password_file": c.PasswordFile,
		Name + ".ca_file":       c.CAFile,
		Name + ".cert_file":     c.CertFile,
		Name + ".key_file":      c.KeyFile,
	}
}

// TLS is the TLS configuration of the section's files, for another
// connection to the same broker (site badges, remote commands, fleet).
func (c *Config) TLS() (*tls.Config, error) { return TLSConfig(c.CAFile, c.CertFile, c.KeyFile) }

// Conn is the section's broker connection for another connection of the
// terminal: the same brokers, login, TLS, topic prefix and keepalive, the
// client id with suffix (e.g. "-badges") so the connections never take
// over each other.
func (c *Config) Conn(suffix string) (mqttopts.Conn, error) {
	tlsCfg, err := c.TLS()
	if err != nil {
		return mqttopts.Conn{}, err
	}
	return mqttopts.Conn{
		Account:     mqttopts.Account{URLs: c.URLs, ClientID: c.ClientID + suffix, Username: c.Username, Password: c.Password, TLS: tlsCfg},
		TopicPrefix: c.TopicPrefix, KeepAlive: c.KeepAlive.Duration,
	}, nil
}

// options are the client's options from the section; the caller adds
// the hooks.
func (c *Config) options(deviceID string) Options {
	return Options{
		URLs: c.URLs, DeviceID: deviceID, ClientID: c.ClientID,
		Username: c.Username, Password: c.Password,
		CAFile: c.CAFile, CertFile: c.CertFile, KeyFile: c.KeyFile,
		KeepAlive: c.KeepAlive.Duration, TopicPrefix: c.TopicPrefix, QoS: byte(c.QoS),
		Window: c.Window, StatusInterval: c.StatusInterval.Duration, HomeAssistantPrefix: c.HomeAssistant,
		Confirm: Confirm(c.Delivered), ConsumerAckTimeout: c.ConsumerAckTimeout.Duration,
	}
}

// Kind declares the uplink for the list in uplink/uplinks: every record,
// published with the client's window (DefaultBatch records per claim), its
// status refreshed on every change and its broker connection shown.
func Kind() uplink.Kind {
	return uplink.Kind{
		Name:    Name,
		Section: func() uplink.Section { return &Config{} },
		New: func(s uplink.Section, env uplink.Env) (uplink.Built, error) {
			c, err := NewFrom(*s.(*Config), env)
			if err != nil {
				return uplink.Built{}, err
			}
			// Large batches keep a backlog flowing through the in-flight
			// window; the client answers each record as it is confirmed
			// and the runner settles those answers in small group
			// commits, so a crash mid-batch costs at most the window and
			// two groups of redeliveries (same keys).
			return uplink.Built{Sender: c, Batch: DefaultBatch, Run: c.Run, Changed: c.StatusChanged, Conn: c.State}, nil
		},
		Check: func(ctx context.Context, s uplink.Section, env uplink.CheckEnv) []uplink.CheckStep {
			return CheckSection(ctx, *s.(*Config), env)
		},
	}
}

// NewFrom returns a client for the prepared section cfg: its status has
// the device's part env.Report, and a connect ends the runner's backoff
// (env.Resume).
func NewFrom(cfg Config, env uplink.Env) (*Client, error) {
	o := cfg.options(env.DeviceID)
	o.Version, o.Now, o.After, o.Logger = env.Version, env.Now, env.After, env.Logger
	if env.Report != nil {
		o.Status = func() Status { return statusOf(env.Report()) }
	}
	o.OnConnect = env.Resume // ends a backoff: the broker is back
	return New(o)
}

// CheckSection is the uplink's `stampctl check` step: it logs in to the
// broker as stampd would and waits for its CONNACK (an open TCP port
// proves neither the credentials nor TLS).
func CheckSection(ctx context.Context, cfg Config, env uplink.CheckEnv) []uplink.CheckStep {
	const step = "mqtt broker login"
	c, err := New(cfg.options(env.DeviceID))
	if err != nil {
		return []uplink.CheckStep{{Name: step, Err: err}}
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	broker, err := c.Check(ctx)
	if err != nil {
		return []uplink.CheckStep{{Name: step, Err: fmt.Errorf("%s: %s", strings.Join(cfg.URLs, ", "), uplink.Explain(err))}}
	}
	return []uplink.CheckStep{{Name: step, Detail: "CONNACK from " + broker}}
}
