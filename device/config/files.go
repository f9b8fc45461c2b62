package config

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// The one rule for the files in /etc/stampclock, kept by `stampctl init`,
// the package's postinst, `stampctl check` and stampd itself:
//
//	/etc/stampclock                      root:stampclock 0750
//	/etc/stampclock/stampd.toml          root:stampclock 0640
//	/etc/stampclock/*.secret (and keys)  root:stampclock 0640
//
// root writes them; the service (user stampclock, group stampclock) and the
// technicians in group stampclock read them (so `stampctl check` works
// without sudo); others cannot even list the directory. stampd refuses a
// secret file that others may access or its group may write (0600 and 0640
// pass).
const (
	// ServiceUser and ServiceGroup are the account stampd runs as (the
	// unit's User= and Group=).
	ServiceUser  = "stampclock"
	ServiceGroup = "stampclock"
	// FileMode is the mode of the config and the secret files.
	FileMode fs.FileMode = 0o640
	// DirMode is the mode of the config directory.
	DirMode fs.FileMode = 0o750
)

// fixHint is the command that puts path right.
func fixHint(path string) string {
	return fmt.Sprintf("chown root:%s %s && chmod %o %s", ServiceGroup, path, FileMode, path)
}

// secretMask is what a secret file's mode must not have: any access by
// others, write by the group.
const secretMask fs.FileMode = 0o027

// checkPrivate refuses a secret file that others may access or its group
// may write.
func checkPrivate(path string, fi fs.FileInfo) error {
	m := fi.Mode().Perm()
	if m&secretMask == 0 {
		return nil
	}
	what := "readable by others"
	if m&0o007 == 0 {
		what = "writable by its group"
	}
	return fmt.Errorf("%s is %s (mode %04o); run: %s", path, what, m, fixHint(path))
}

// readError says why path could not be read, with the rule when it is a
// permission problem.
func readError(path string, err error) error {
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("%s: permission denied for uid %d; want root:%s %04o (run: %s)", path, os.Getuid(), ServiceGroup, FileMode, fixHint(path))
	}
	return err
}

// Account is a user with its groups, to tell whether it may read a file.
type Account struct {
	Name string
	UID  int
	GIDs []int // primary group first
}

// LookupAccount returns the account name with its groups.
func LookupAccount(name string) (Account, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return Account{}, err
	}
	a := Account{Name: name}
	a.UID, _ = strconv.Atoi(u.Uid)
	gids, err := u.GroupIds()
	if err != nil {
		gids = []string{u.Gid}
	}
	for _, g := range append([]string{u.Gid}, gids...) {
		if n, err := strconv.Atoi(g); err == nil {
			a.GIDs = append(a.GIDs, n)
		}
	}
	return a, nil
}

// CanRead reports whether a may read the file described by fi (by its
// mode bits; root reads everything). The error says why not, and how to
// put it right.
func (a Account) CanRead(path string, fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || a.UID == 0 {
		return nil
	}
	perm := fi.Mode().Perm()
	switch {
	case int(st.Uid) == a.UID:
		if perm&0o400 != 0 {
			return nil
		}
	case a.inGroup(int(st.Gid)):
		if perm&0o040 != 0 {
			return nil
		}
	default:
		if perm&0o004 != 0 {
			return nil
		}
	}
	owner, group := ownerNames(st)
	return fmt.Errorf("%s is %s:%s %04o: user %s cannot read it; run: %s", path, owner, group, perm, a.Name, fixHint(path))
}

func (a Account) inGroup(gid int) bool {
	for _, g := range a.GIDs {
		if g == gid {
			return true
		}
	}
	return false
}

// Files returns the config file and every secret or key file c names, by
// config key: what the service must be able to read.
func (c *Config) Files() map[string]string {
	m := map[string]string{
		"daytotal.timesheets.token_file": c.DayTotal.Timesheets.TokenFile,
		"daytotal.clockodo.api_key_file": c.DayTotal.Clockodo.APIKeyFile,
	}
	for _, u := range c.EnabledUplinks() {
		maps.Copy(m, u.Section.Files())
	}
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	return m
}

// ownerNames are the names of the user and group owning a file (their ids
// where no name is known).
func ownerNames(st *syscall.Stat_t) (owner, group string) {
	owner, group = strconv.Itoa(int(st.Uid)), strconv.Itoa(int(st.Gid))
	if u, err := user.LookupId(owner); err == nil {
		owner = u.Username
	}
	if g, err := user.LookupGroupId(group); err == nil {
		group = g.Name
	}
	return owner, group
}
