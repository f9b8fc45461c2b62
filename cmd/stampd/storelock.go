package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// storeHolder returns the pid of another process holding a lock on the
// store file at path, from the kernel's table of file locks (/proc/locks,
// which lists every lock even where other processes are hidden), so a
// second stampd can say who holds the store instead of "timeout".
func storeHolder(path string) (pid int, found bool) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, false
	}
	f, err := os.Open("/proc/locks")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	dev := fmt.Sprintf("%02x:%02x:%d", unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 1: FLOCK  ADVISORY  WRITE 26990 fe:00:9977909 0 EOF
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[1] == "->" || fields[5] != dev {
			continue
		}
		p, err := strconv.Atoi(fields[4])
		if err == nil && p != os.Getpid() {
			return p, true
		}
	}
	return 0, false
}

// holderError says which process holds the store, and what to do.
func holderError(path string, pid int) error {
	who := "another process"
	if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err == nil {
		who = "another " + strings.TrimSpace(string(comm))
	}
	return fmt.Errorf("the store %s is in use by %s (pid %d): only one stampd may run per store; stop it first (systemctl stop stampd) or give this one its own store.path", path, who, pid)
}
