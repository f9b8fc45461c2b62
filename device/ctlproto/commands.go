package ctlproto

// Command names, as sent in control.Request.Cmd.
const (
	CmdStatus = "status"
	CmdTap    = "tap"
	CmdReload = "reload"

	CmdQueueList       = "queue.list"
	CmdQueueRetry      = "queue.retry"
	CmdQueueExport     = "queue.export"
	CmdQueueQuarantine = "queue.quarantine"
	CmdQueueRelease    = "queue.release"
	CmdQueueCorrect    = "queue.correct"
	CmdQueueDiscard    = "queue.discard"

	CmdDayTotal = "daytotal"

	CmdBadgesList    = "badges.list"
	CmdBadgesPending = "badges.pending"
	CmdBadgesAdd     = "badges.add"
	CmdBadgesAssign  = "badges.assign"
	CmdBadgesRemove  = "badges.remove"
	CmdBadgesImport  = "badges.import"
	CmdEnroll        = "enroll"
)

// Role is who may run a command from the web page. On the control socket
// the socket's file mode decides (root and the service's group).
type Role string

// Roles, from least to most allowed.
const (
	// Viewer may look at the terminal's state.
	Viewer Role = "viewer"
	// Admin may also see employees' data and change things.
	Admin Role = "admin"
)

// Command is one command of the protocol.
type Command struct {
	Name string
	// Role is the least role that may run it from the web page.
	Role Role
}

// Commands lists every command of the protocol. The daemon serves exactly
// these (its test checks it).
func Commands() []Command {
	return []Command{
		{CmdStatus, Viewer},
		{CmdTap, Admin},
		{CmdReload, Admin},
		{CmdQueueList, Admin},
		{CmdQueueRetry, Admin},
		{CmdQueueExport, Admin},
		{CmdQueueQuarantine, Admin},
		{CmdQueueRelease, Admin},
		{CmdQueueCorrect, Admin},
		{CmdQueueDiscard, Admin},
		{CmdDayTotal, Admin},
		{CmdBadgesList, Admin},
		{CmdBadgesPending, Admin},
		{CmdBadgesAdd, Admin},
		{CmdBadgesAssign, Admin},
		{CmdBadgesRemove, Admin},
		{CmdBadgesImport, Admin},
		{CmdEnroll, Admin},
	}
}

// RoleOf returns the role a command needs; ok is false for a name that is
// not a command.
func RoleOf(name string) (r Role, ok bool) {
	for _, c := range Commands() {
		if c.Name == name {
			return c.Role, true
		}
	}
	return "", false
}

// Allows reports whether a login of role have may run a command that
// needs role need.
func (have Role) Allows(need Role) bool {
	return have == Admin || have == need
}

// ReloadResult answers CmdReload: the badges now configured, and the
// sections that changed in the file but take effect only when stampd
// restarts (a reload applies the badges alone).
type ReloadResult struct {
	Badges  int      `json:"badges"`
	Restart []string `json:"restart,omitempty"`
}
