package web

import (
	"strings"
	"testing"

	"stampclock/device/ctlproto"
	"stampclock/uplink"
)

// The status page shows the connection of each uplink that keeps one
// (its status entry's Conn), named by the uplink, and none for the others.
func TestStatusPage_ShowsEachUplinksConnection(t *testing.T) {
	f := newFixture(t)
	st := ctlproto.Status{Device: "t1"}
	st.Uplinks = []ctlproto.UplinkStatus{
		{Status: uplink.Status{Uplink: "zeiterfassung"}},
		{Status: uplink.Status{Uplink: "mqtt"}, Conn: &ctlproto.ConnState{Connected: true, Broker: "tcp://broker.example.com:1883"}},
		{Status: uplink.Status{Uplink: "relay"}, Conn: &ctlproto.ConnState{LastError: "connection refused"}},
	}
	f.d.answers["status"] = st
	c := f.client(t)
	c.login("view", viewerPW)
	r := c.get("/")
	for _, want := range []string{"(mqtt)</dt>", "tcp://broker.example.com:1883", "(relay)</dt>", "connection refused"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("status page lacks %q:\n%s", want, r.body)
		}
	}
	if strings.Contains(r.body, "(zeiterfassung)</dt>") {
		t.Errorf("status page shows a connection for an uplink without one:\n%s", r.body)
	}
}
