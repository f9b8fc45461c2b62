package mqttopts

import (
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

func TestConn_Defaults(t *testing.T) {
	var none Conn
	if err := none.Defaults("door-taps"); err == nil {
		t.Fatal("no broker: no error")
	}
	c := Conn{Account: Account{URLs: []string{"tcp://a:1883"}}}
	if err := c.Defaults("door-taps"); err != nil {
		t.Fatal(err)
	}
	if c.ClientID != "door-taps" || c.TopicPrefix != "stampclock" || c.KeepAlive != 30*time.Second || c.Reconnect != 10*time.Second || c.AckTimeout != 30*time.Second {
		t.Fatalf("defaults %+v", c)
	}
	set := Conn{Account: Account{URLs: []string{"tcp://a:1883"}, ClientID: "mine"}, TopicPrefix: "site/hq", KeepAlive: time.Second, Reconnect: 2 * time.Second, AckTimeout: 3 * time.Second}
	kept := set
	if err := set.Defaults("door-taps"); err != nil || set.ClientID != kept.ClientID || set.TopicPrefix != kept.TopicPrefix || set.KeepAlive != kept.KeepAlive || set.Reconnect != kept.Reconnect || set.AckTimeout != kept.AckTimeout {
		t.Fatalf("given values replaced: %+v, %v", set, err)
	}
	r := paho.NewOptionsReader(set.Options())
	if r.ClientID() != "mine" || r.KeepAlive() != time.Second || r.MaxReconnectInterval() != 2*time.Second || !r.AutoReconnect() {
		t.Errorf("paho options: client %q keepalive %s reconnect %s auto %v", r.ClientID(), r.KeepAlive(), r.MaxReconnectInterval(), r.AutoReconnect())
	}
}

func TestTopicLevel(t *testing.T) {
	for name, want := range map[string]bool{"hq": true, "werk-2": true, "": false, "a/b": false, "a+": false, "#": false, "$SYS": false} {
		if got := TopicLevel(name); got != want {
			t.Errorf("TopicLevel(%q) = %v, want %v", name, got, want)
		}
	}
}
