package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"stampclock/device/agent"
	"stampclock/device/control"
	"stampclock/device/ctlproto"
	"stampclock/uplink/mqtt"
)

// The daemon serves exactly the protocol's commands: one table, no command
// only one side knows.
func TestCommands_TableIsTheProtocol(t *testing.T) {
	var want []string
	for _, c := range ctlproto.Commands() {
		want = append(want, c.Name)
	}
	var got []string
	for name := range (&Daemon{}).commands() {
		got = append(got, name)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("daemon serves %v;\nprotocol lists %v", got, want)
	}
}

func TestHandle_UnknownCommand(t *testing.T) {
	d := &Daemon{}
	d.cmds = d.commands()
	_, err := d.Handle(context.Background(), "queue.drop", nil)
	if !errors.Is(err, control.ErrUnknownCommand) || err.Error() != `unknown command "queue.drop"` {
		t.Fatalf("Handle(queue.drop) = %v; want unknown command \"queue.drop\"", err)
	}
}

// Status carries the MQTT client's and the agent's state as protocol types
// of the same fields; the JSON on the socket is the same as before.
func TestStatus_ConvertedStatesSameJSON(t *testing.T) {
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	cs := mqtt.ConnState{Connected: true, Broker: "mqtts://broker:8883", Since: at, Connects: 3, LastError: "eof", LastErrorAt: at, Failures: 2}
	ts := agent.Stats{Taps: 9, Starts: 4, Stops: 3, Ignored: 1, Unknown: 1, StoreErrors: 0, LastError: "disk full"}
	for _, c := range []struct {
		name     string
		was, now any
	}{
		{"mqtt", cs, ctlproto.ConnState(cs)},
		{"taps", ts, ctlproto.TapStats(ts)},
	} {
		was, _ := json.Marshal(c.was)
		now, _ := json.Marshal(c.now)
		if string(was) != string(now) {
			t.Errorf("%s: %s\nwas %s", c.name, now, was)
		}
	}
}
