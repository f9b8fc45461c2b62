package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// PathError names the config key of a file stampd could not create or
// open (store.path, control.socket) and, when it was refused for
// permission, who owns what stood in the way and as which user stampd
// runs: "store.path: /srv/q/queue.db: permission denied for user
// stampclock: /srv/q is root:root 0755 (the package's
// /var/lib/stampclock is stampclock:stampclock 0750)".
func PathError(key, path string, err error) error {
	if !errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("%s: %w", key, err)
	}
	me := strconv.Itoa(os.Geteuid())
	if u, uerr := user.LookupId(me); uerr == nil {
		me = u.Username
	}
	// The file itself when it exists, else the nearest directory that does.
	blocker := path
	fi, serr := os.Stat(blocker)
	for serr != nil && filepath.Dir(blocker) != blocker {
		blocker = filepath.Dir(blocker)
		fi, serr = os.Stat(blocker)
	}
	if serr != nil {
		return fmt.Errorf("%s: %s: permission denied for user %s: %w", key, path, me, err)
	}
	owner, group := "?", "?"
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		owner, group = ownerNames(st)
	}
	return fmt.Errorf("%s: %s: permission denied for user %s: %s is %s:%s %04o; make it %s for %s, or choose another %s",
		key, path, me, blocker, owner, group, fi.Mode().Perm(), accessNeeded(fi), me, key)
}

func accessNeeded(fi fs.FileInfo) string {
	if fi.IsDir() {
		return "writable"
	}
	return "readable and writable"
}
