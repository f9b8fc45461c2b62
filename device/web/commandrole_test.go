package web

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"stampclock/device/ctlproto"
)

// Whatever route asks, a command reaches the daemon only for a session
// whose role the protocol's table allows.
func TestCall_CommandRoleFromTheProtocol(t *testing.T) {
	f := newFixture(t)
	r := httptest.NewRequest("GET", "/", nil)
	viewer := &request{sess: session{user: "view", role: Viewer}}
	admin := &request{sess: session{user: "admin", role: Admin}}

	err := f.s.call(context.Background(), r, viewer, ctlproto.CmdBadgesList, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "admin") {
		t.Fatalf("viewer badges.list: %v; want refused naming the admin role", err)
	}
	if slices.Contains(f.d.called(), ctlproto.CmdBadgesList) {
		t.Fatal("a viewer's badges.list reached the daemon")
	}
	if err := f.s.call(context.Background(), r, viewer, ctlproto.CmdStatus, nil, nil); err != nil {
		t.Fatalf("viewer status: %v", err)
	}
	if err := f.s.call(context.Background(), r, admin, ctlproto.CmdBadgesList, nil, nil); err != nil {
		t.Fatalf("admin badges.list: %v", err)
	}
	if got, want := f.d.called(), []string{ctlproto.CmdStatus, ctlproto.CmdBadgesList}; !slices.Equal(got, want) {
		t.Fatalf("daemon ran %v; want %v", got, want)
	}
}
