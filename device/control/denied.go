package control

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// ErrDenied means the caller may not use the socket: it is neither root
// nor in the socket's group, or a directory on the way is closed to it.
var ErrDenied = errors.New("permission denied")

// deniedError explains a refused connect to the socket at path: whose
// socket it is and what to do (join its group and log in again, or sudo).
func deniedError(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		// A directory on the way cannot be searched.
		return fmt.Errorf("control: %w: cannot reach %s (%v); run stampctl with sudo, or as a member of the service's group", ErrDenied, path, err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("control: %w: %s; run stampctl with sudo, or as a member of the socket's group", ErrDenied, path)
	}
	owner, group := idName(st.Uid, true), idName(st.Gid, false)
	return fmt.Errorf("control: %w: %s is %s:%s %04o: only %s and the group %s may use it. "+
		"Join the group: sudo usermod -a -G %s \"$USER\" and log in again (then `id` lists %s); or run stampctl with sudo",
		ErrDenied, path, owner, group, fi.Mode().Perm(), owner, group, group, group)
}

// idName is the name of user (or group) id, or the number where none is
// known.
func idName(id uint32, isUser bool) string {
	s := strconv.FormatUint(uint64(id), 10)
	if isUser {
		if u, err := user.LookupId(s); err == nil {
			return u.Username
		}
		return s
	}
	if g, err := user.LookupGroupId(s); err == nil {
		return g.Name
	}
	return s
}
