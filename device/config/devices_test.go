package config

import (
	"io/fs"
	"os/user"
	"strings"
	"syscall"
	"testing"
	"time"
)

// devInfo is a device node's FileInfo: owner, group and mode as the
// kernel reports them.
type devInfo struct {
	mode     fs.FileMode
	uid, gid uint32
}

func (d devInfo) Name() string       { return "dev" }
func (d devInfo) Size() int64        { return 0 }
func (d devInfo) Mode() fs.FileMode  { return fs.ModeDevice | fs.ModeCharDevice | d.mode }
func (d devInfo) ModTime() time.Time { return time.Time{} }
func (d devInfo) IsDir() bool        { return false }
func (d devInfo) Sys() any           { return &syscall.Stat_t{Uid: d.uid, Gid: d.gid} }

func TestAccount_CanOpen_ByOwnerGroupAndMode(t *testing.T) {
	const dialout, other = 65020, 65021
	svc := Account{Name: "svc", UID: 65000, GIDs: []int{65000, dialout}}
	for _, c := range []struct {
		name  string
		fi    devInfo
		write bool
		want  string // "" = may open; else in the error
	}{
		{"group rw, in group, read and write", devInfo{0o660, 0, dialout}, true, ""},
		{"group r, in group, read", devInfo{0o640, 0, dialout}, false, ""},
		{"group r, in group, write refused", devInfo{0o640, 0, dialout}, true, "cannot read and write it; install the udev rules"},
		{"not in the group", devInfo{0o660, 0, other}, false, "cannot read it; usermod -aG "},
		{"root only", devInfo{0o600, 0, 0}, false, "cannot read it; install the udev rules"},
		{"others rw", devInfo{0o666, 0, other}, true, ""},
		{"owned by the service, owner r only", devInfo{0o400, 65000, other}, true, "cannot read and write it"},
	} {
		err := svc.CanOpen("/dev/ttyX", c.fi, c.write)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "/dev/ttyX")):
			t.Errorf("%s: %v; want the path and %q", c.name, err, c.want)
		}
	}
	if err := (Account{Name: "root"}).CanOpen("/dev/ttyX", devInfo{0o600, 1, 1}, true); err != nil {
		t.Errorf("root: %v", err)
	}
}

func TestAccount_AddGroups_ExistingGroupsOnce(t *testing.T) {
	g, err := user.LookupGroupId("0")
	if err != nil {
		t.Skipf("no group 0 here: %v", err)
	}
	a := Account{Name: "svc", UID: 65000, GIDs: []int{65000}}
	a.AddGroups([]string{g.Name, "no-such-group-stampclock", g.Name})
	if len(a.GIDs) != 2 || a.GIDs[1] != 0 {
		t.Fatalf("GIDs %v; want 65000 and %s (0) once", a.GIDs, g.Name)
	}
}
