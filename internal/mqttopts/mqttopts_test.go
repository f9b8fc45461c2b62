package mqttopts

import (
	"crypto/tls"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

func TestNew_AccountCleanSession311(t *testing.T) {
	cfg := &tls.Config{ServerName: "broker"}
	r := paho.NewOptionsReader(New(Account{URLs: []string{"tcp://a:1883", "ssl://b:8883"}, ClientID: "front", Username: "front", Password: "pw", TLS: cfg}))
	if got := r.Servers(); len(got) != 2 || got[0].Host != "a:1883" || got[1].Scheme != "ssl" {
		t.Errorf("servers %v", got)
	}
	if r.ClientID() != "front" || r.Username() != "front" || r.Password() != "pw" {
		t.Errorf("client id %q, user %q, password %q", r.ClientID(), r.Username(), r.Password())
	}
	if r.TLSConfig() != cfg {
		t.Error("TLS config not used")
	}
	if r.ProtocolVersion() != 4 || !r.CleanSession() {
		t.Errorf("protocol %d, clean %v; want 4 (3.1.1), clean", r.ProtocolVersion(), r.CleanSession())
	}
}

func TestNew_NoUsername_NoCredentials(t *testing.T) {
	r := paho.NewOptionsReader(New(Account{URLs: []string{"tcp://a:1883"}, ClientID: "x", Password: "stray"}))
	if r.Username() != "" || r.Password() != "" {
		t.Errorf("user %q, password %q; want none without a username", r.Username(), r.Password())
	}
}

func TestLasting_ReconnectsWithinTheBound(t *testing.T) {
	for _, c := range []struct{ reconnect, first time.Duration }{
		{30 * time.Second, time.Second},
		{200 * time.Millisecond, 200 * time.Millisecond},
	} {
		r := paho.NewOptionsReader(Lasting(New(Account{ClientID: "x"}), 15*time.Second, c.reconnect))
		if r.KeepAlive() != 15*time.Second || !r.AutoReconnect() || !r.ConnectRetry() {
			t.Errorf("keepalive %s, auto reconnect %v, connect retry %v", r.KeepAlive(), r.AutoReconnect(), r.ConnectRetry())
		}
		if r.ConnectRetryInterval() != c.first || r.MaxReconnectInterval() != c.reconnect {
			t.Errorf("reconnect %s: first retry %s, max %s; want %s, %s", c.reconnect, r.ConnectRetryInterval(), r.MaxReconnectInterval(), c.first, c.reconnect)
		}
	}
}
