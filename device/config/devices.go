package config

import (
	"fmt"
	"io/fs"
	"os/user"
	"strconv"
	"syscall"
)

// AddGroups adds the groups named (those that exist) to a's: the
// supplementary groups the service unit gives stampd (SupplementaryGroups=
// in deploy/systemd/stampd.service).
func (a *Account) AddGroups(names []string) {
	for _, n := range names {
		g, err := user.LookupGroup(n)
		if err != nil {
			continue
		}
		if gid, err := strconv.Atoi(g.Gid); err == nil && !a.inGroup(gid) {
			a.GIDs = append(a.GIDs, gid)
		}
	}
}

// CanOpen reports whether a may open the device file described by fi for
// reading and, with write, for writing too (by its mode bits; root opens
// everything). A reader's device belongs to a group (gpio, spi, i2c,
// input, dialout: deploy/udev/99-stampclock.rules) that the package's
// postinst puts the service user in; the error says which access is
// missing and how to put it right.
func (a Account) CanOpen(path string, fi fs.FileInfo, write bool) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || a.UID == 0 {
		return nil
	}
	want := fs.FileMode(0o4)
	access := "read"
	if write {
		want, access = 0o6, "read and write"
	}
	perm := fi.Mode().Perm()
	var have fs.FileMode
	switch {
	case int(st.Uid) == a.UID:
		have = perm >> 6 & 0o7
	case a.inGroup(int(st.Gid)):
		have = perm >> 3 & 0o7
	default:
		have = perm & 0o7
	}
	if have&want == want {
		return nil
	}
	owner, group := ownerNames(st)
	fix := fmt.Sprintf("usermod -aG %s %s and restart stampd", group, a.Name)
	if st.Gid == 0 || perm>>3&want != want {
		fix = "install the udev rules (/lib/udev/rules.d/99-stampclock.rules) and run: udevadm control --reload && udevadm trigger"
	}
	return fmt.Errorf("%s is %s:%s %04o: user %s cannot %s it; %s", path, owner, group, perm, a.Name, access, fix)
}
