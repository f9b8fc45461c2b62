package daemon

import (
	"context"
	"errors"
	"slices"
	"testing"

	"stampclock/device/control"
	"stampclock/device/ctlproto"
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
