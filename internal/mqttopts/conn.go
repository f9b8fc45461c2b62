package mqttopts

import (
	"errors"
	"strings"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// Conn is a terminal's lasting connection to its site's broker, beside
// the MQTT uplink's: where it goes and as whom, the topics' prefix, and its
// timings. Zero values mean the documented defaults (Defaults).
type Conn struct {
	// Account is where the connection goes: URLs are required; the
	// client id defaults to what Defaults is given.
	Account
	// TopicPrefix starts every topic. Default "stampclock".
	TopicPrefix string
	// KeepAlive is the MQTT keepalive. Default 30s.
	KeepAlive time.Duration
	// Reconnect is the longest wait between two connection attempts.
	// Default 10s.
	Reconnect time.Duration
	// AckTimeout bounds the wait for a PUBACK or SUBACK. Default 30s.
	AckTimeout time.Duration
}

// Defaults fills c's defaults, the client id with clientID, and fails
// when no broker is given.
func (c *Conn) Defaults(clientID string) error {
	if len(c.URLs) == 0 {
		return errors.New("a broker URL is required")
	}
	if c.ClientID == "" {
		c.ClientID = clientID
	}
	if c.TopicPrefix == "" {
		c.TopicPrefix = "stampclock"
	}
	if c.KeepAlive <= 0 {
		c.KeepAlive = 30 * time.Second
	}
	if c.Reconnect <= 0 {
		c.Reconnect = 10 * time.Second
	}
	if c.AckTimeout <= 0 {
		c.AckTimeout = 30 * time.Second
	}
	return nil
}

// Options are paho's options for c: a clean 3.1.1 session of its account
// that lasts (Lasting).
func (c Conn) Options() *paho.ClientOptions {
	return Lasting(New(c.Account), c.KeepAlive, c.Reconnect)
}

// TopicLevel reports whether name can be one level of a topic a terminal
// publishes under: not empty, no '/', '+' or '#', no leading '$'.
func TopicLevel(name string) bool {
	return name != "" && !strings.ContainsAny(name, "/+#") && !strings.HasPrefix(name, "$")
}
