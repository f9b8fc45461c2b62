// Package mqttopts holds how every MQTT connection of stampclock begins:
// its brokers, client id, account and TLS, MQTT 3.1.1 (no silent retry
// as 3.1) and a clean session. Each user adds what is its own: timeouts,
// reconnects, handlers, a Will.
package mqttopts

import (
	"crypto/tls"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// Account is where a connection goes and as whom.
type Account struct {
	URLs     []string
	ClientID string
	// Username and Password are sent only when Username is set.
	Username string
	Password string
	// TLS is used for ssl:// and tls:// brokers; nil: the defaults.
	TLS *tls.Config
}

// New returns paho options for a clean MQTT 3.1.1 session of a.
func New(a Account) *paho.ClientOptions {
	po := paho.NewClientOptions()
	for _, u := range a.URLs {
		po.AddBroker(u)
	}
	po.SetClientID(a.ClientID)
	if a.Username != "" {
		po.SetUsername(a.Username)
		po.SetPassword(a.Password)
	}
	if a.TLS != nil {
		po.SetTLSConfig(a.TLS)
	}
	po.SetProtocolVersion(4)
	po.SetCleanSession(true)
	return po
}

// Lasting sets po up for a connection that lives as long as the daemon:
// keepAlive pings, and paho reconnecting by itself, first after a second
// (or reconnect, if shorter), then backing off to reconnect.
func Lasting(po *paho.ClientOptions, keepAlive, reconnect time.Duration) *paho.ClientOptions {
	po.SetKeepAlive(keepAlive)
	po.SetAutoReconnect(true)
	po.SetConnectRetry(true)
	po.SetConnectRetryInterval(min(time.Second, reconnect))
	po.SetMaxReconnectInterval(reconnect)
	return po
}
