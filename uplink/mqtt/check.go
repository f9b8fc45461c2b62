package mqtt

import (
	"context"
	"errors"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"

	"stampclock/internal/mqttopts"
	"stampclock/uplink"
)

// Check logs in to the broker as the client would (its URLs, credentials
// and TLS settings), waits for the broker's CONNACK and disconnects
// cleanly: what `stampctl check` asks. It uses the client id with a
// "-check" suffix, so a running stampd's session is not taken over, and no
// Last Will, so the terminal's status is untouched. It returns the broker
// that accepted the login.
func (c *Client) Check(ctx context.Context) (string, error) {
	po := mqttopts.New(mqttopts.Account{URLs: c.opts.URLs, ClientID: c.opts.ClientID + "-check", Username: c.opts.Username, Password: c.opts.Password, TLS: c.tls})
	po.SetAutoReconnect(false)
	po.SetConnectRetry(false)
	po.SetConnectTimeout(c.opts.ConnectTimeout)
	var broker string
	po.SetConnectionNotificationHandler(func(_ paho.Client, n paho.ConnectionNotification) {
		if b, ok := n.(paho.ConnectionNotificationBroker); ok {
			broker = b.Broker.Redacted()
		}
	})
	pc := paho.NewClient(po)
	tok := pc.Connect()
	select {
	case <-tok.Done():
	case <-ctx.Done():
		go func() { <-tok.Done(); pc.Disconnect(0) }()
		return "", ctx.Err()
	}
	if err := tok.Error(); err != nil {
		return "", loginError(err)
	}
	pc.Disconnect(250)
	return broker, nil
}

// loginError says what a refused CONNECT means for the configuration.
func loginError(err error) *uplink.Error {
	msg := "cannot connect to broker"
	switch {
	case errors.Is(err, packets.ErrorRefusedBadUsernameOrPassword), errors.Is(err, packets.ErrorRefusedNotAuthorised):
		msg = "broker refused the credentials (check mqtt.username and mqtt.password_file)"
	case errors.Is(err, packets.ErrorRefusedIDRejected):
		msg = "broker rejected the client id (check mqtt.client_id)"
	}
	return &uplink.Error{Class: uplink.Retry, Msg: msg, Err: err}
}
