package ctlproto

import "testing"

func TestCommands_NamesUniqueWithARole(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Commands() {
		if seen[c.Name] {
			t.Errorf("command %q listed twice", c.Name)
		}
		seen[c.Name] = true
		if c.Role != Viewer && c.Role != Admin {
			t.Errorf("command %q: role %q; want viewer or admin", c.Name, c.Role)
		}
	}
}

func TestRoleOf(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		role Role
		ok   bool
	}{
		{CmdStatus, Viewer, true},
		{CmdBadgesList, Admin, true},
		{CmdQueueRetry, Admin, true},
		{"queue.drop", "", false},
	} {
		if r, ok := RoleOf(tc.cmd); r != tc.role || ok != tc.ok {
			t.Errorf("RoleOf(%q) = %q, %v; want %q, %v", tc.cmd, r, ok, tc.role, tc.ok)
		}
	}
}

func TestRole_Allows(t *testing.T) {
	for _, tc := range []struct {
		have, need Role
		want       bool
	}{
		{Viewer, Viewer, true},
		{Viewer, Admin, false},
		{Admin, Viewer, true},
		{Admin, Admin, true},
		{"", Viewer, false},
	} {
		if got := tc.have.Allows(tc.need); got != tc.want {
			t.Errorf("%q.Allows(%q) = %v; want %v", tc.have, tc.need, got, tc.want)
		}
	}
}
