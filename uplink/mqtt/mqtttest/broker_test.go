package mqtttest

import (
	"net"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

func connect(t *testing.T, url, user, pw string) (paho.Client, error) {
	t.Helper()
	o := paho.NewClientOptions().AddBroker(url).SetClientID("t").SetUsername(user).SetPassword(pw).SetAutoReconnect(false).SetProtocolVersion(4)
	o.SetWill("w/status", "gone", 1, true)
	c := paho.NewClient(o)
	tok := c.Connect()
	if !tok.WaitTimeout(5 * time.Second) {
		t.Fatal("connect timed out")
	}
	return c, tok.Error()
}

func TestBroker_RecordsRetainsAuthenticatesAndRestarts(t *testing.T) {
	b := Start(t, Options{Users: map[string]string{"u": "p"}})
	if _, err := connect(t, b.URL(), "u", "wrong"); err == nil || b.Refused() != 1 {
		t.Fatalf("wrong password: err %v, refused %d", err, b.Refused())
	}
	c, err := connect(t, b.URL(), "u", "p")
	if err != nil {
		t.Fatal(err)
	}
	if tok := c.Publish("a/b", 1, true, "x"); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("publish: %v", tok.Error())
	}
	if m, ok := b.Retained("a/b"); !ok || string(m.Payload) != "x" || m.QoS != 1 {
		t.Fatalf("retained = %+v %v", m, ok)
	}
	b.Stop()
	if err := b.Restart(); err != nil {
		t.Fatal(err)
	}
	if _, err := connect(t, b.URL(), "u", "p"); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if ms := b.Messages(); len(ms) == 0 || ms[0].Topic != "a/b" {
		t.Fatalf("messages = %+v, want a/b kept across restart", ms)
	}
}

// A stopped broker keeps its port (no other listener can take it), refuses
// connections at once, and serves them again after Restart.
func TestBroker_StoppedKeepsPortRefusesAndRestarts(t *testing.T) {
	b := Start(t, Options{})
	for cycle := 0; cycle < 3; cycle++ {
		b.Stop()
		if l, err := net.Listen("tcp", b.Addr()); err == nil {
			l.Close()
			t.Fatalf("cycle %d: %s could be taken while the broker was stopped", cycle, b.Addr())
		}
		if _, err := connect(t, b.URL(), "", ""); err == nil {
			t.Fatalf("cycle %d: connected to a stopped broker", cycle)
		}
		if err := b.Restart(); err != nil {
			t.Fatal(err)
		}
		c, err := connect(t, b.URL(), "", "")
		if err != nil {
			t.Fatalf("cycle %d: after restart: %v", cycle, err)
		}
		c.Disconnect(0)
	}
}

func TestProxy_CutMakesBrokerSendWill(t *testing.T) {
	b := Start(t, Options{})
	p := StartProxy(t, b.Addr())
	if _, err := connect(t, p.URL(), "", ""); err != nil {
		t.Fatal(err)
	}
	p.Cut()
	if !b.WaitFor(5*time.Second, func(ms []Message) bool { return len(ms) == 1 && ms[0].Will && string(ms[0].Payload) == "gone" }) {
		t.Fatalf("no will: %+v", b.Messages())
	}
}
