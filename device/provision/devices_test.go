package provision

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"stampclock/device/config"
)

// The reader's device files are checked as the reader opens them: a
// keyboard's event device for reading, a serial port for reading and
// writing; each failure names the key and the file.
func TestCheck_ReaderDevicesOpenableByTheServiceUser(t *testing.T) {
	dir := t.TempDir()
	dev := func(name string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, nil, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	kbd, tty := dev("event-kbd", 0o640), dev("ttyS9", 0o640)
	fi, err := os.Stat(tty)
	if err != nil {
		t.Fatal(err)
	}
	service := config.Account{Name: "svc", UID: 65000, GIDs: []int{65000, int(fi.Sys().(*syscall.Stat_t).Gid)}}
	step := func(reader string) (Step, bool) {
		cfg := loadConfig(t, "[store]\npath = \"DIR/q.db\"\n"+reader)
		s, ok := stepsByName(Check(context.Background(), cfg, Env{Service: &service}))["reader devices for svc"]
		return s, ok
	}

	if s, ok := step("[reader]\ntype = \"keyboard\"\n[reader.keyboard]\ndevice = \"" + kbd + "\"\n"); !ok || !s.OK || s.Detail != kbd+" (read)" {
		t.Errorf("keyboard, device 0640 in the group: %+v", s)
	}
	rdm := "[reader]\ntype = \"rdm6300\"\n[reader.rdm6300]\ndevice = \"" + tty + "\"\n"
	if s, _ := step(rdm); s.OK || !strings.Contains(s.Detail, "reader.rdm6300.device: "+tty) || !strings.Contains(s.Detail, "cannot read and write") {
		t.Errorf("rdm6300, port 0640: %+v; want the key, the file and the write refused", s)
	}
	os.Chmod(tty, 0o660)
	if s, _ := step(rdm); !s.OK || s.Detail != tty+" (read, write)" {
		t.Errorf("rdm6300, port 0660 in the group: %+v", s)
	}
	missing := filepath.Join(dir, "ttyUSB7")
	if s, _ := step("[reader]\ntype = \"rdm6300\"\n[reader.rdm6300]\ndevice = \"" + missing + "\"\n"); s.OK || !strings.Contains(s.Detail, "reader.rdm6300.device: ") || !strings.Contains(s.Detail, missing) {
		t.Errorf("rdm6300, no port: %+v", s)
	}
	if s, ok := step(""); ok {
		t.Errorf("simulator: a device step %+v; it opens none", s)
	}
}
