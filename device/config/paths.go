package config

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// validatePaths refuses store and socket paths that would make stampd
// remove or "repair" the wrong file: the control socket on the store or
// on the config file, the store on a directory or on the config file, and
// either one below something that is not a directory. It only looks at
// the file system; nothing is created.
func (c *Config) validatePaths() error {
	store, socket := c.Store.Path, c.Control.Socket
	// A relative path would depend on the directory stampd (/, under
	// systemd) or stampctl is started in: another store, another socket.
	for key, p := range map[string]string{"store.path": store, "control.socket": socket} {
		if !filepath.IsAbs(p) {
			return fmt.Errorf("%s: %q is a relative path; write it in full (like %q): it would depend on the directory stampd or stampctl is started in", key, p, defaultOf(key))
		}
	}
	if samePath(socket, store) {
		return fmt.Errorf("control.socket: %s is store.path: the socket must not be the queue file", socket)
	}
	if c.Path != "" && samePath(socket, c.Path) {
		return fmt.Errorf("control.socket: %s is this config file", socket)
	}
	if c.Path != "" && samePath(store, c.Path) {
		return fmt.Errorf("store.path: %s is this config file", store)
	}
	if err := parentIsDir(socket); err != nil {
		return fmt.Errorf("control.socket: %w", err)
	}
	if fi, err := os.Lstat(socket); err == nil && fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("control.socket: %s exists and is not a socket; stampd replaces only a stale socket", socket)
	}
	if err := parentIsDir(store); err != nil {
		return fmt.Errorf("store.path: %w", err)
	}
	if fi, err := os.Stat(store); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("store.path: %s is not a regular file (a directory?); want the queue file, like %s", store, filepath.Join(store, "queue.db"))
	}
	return nil
}

// defaultOf is the default of the path key.
func defaultOf(key string) string {
	if key == "store.path" {
		return DefaultStorePath
	}
	return DefaultSocket
}

// samePath reports whether a and b name the same file: the same cleaned
// absolute path, or the same existing file under two names.
func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	if err1 == nil && err2 == nil && aa == bb {
		return true
	}
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// parentIsDir fails when an existing ancestor of path is not a directory
// (missing directories are created at start).
func parentIsDir(path string) error {
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		switch {
		case err == nil && !fi.IsDir():
			return fmt.Errorf("%s: %s is not a directory", path, dir)
		case err == nil:
			return nil
		case errors.Is(err, fs.ErrNotExist):
			if next := filepath.Dir(dir); next == dir {
				return nil
			}
			continue
		case errors.Is(err, fs.ErrPermission):
			return nil // checked again when the daemon creates it
		default:
			return fmt.Errorf("%s: %w", path, err)
		}
	}
}

// checkFilesAbsolute refuses a relative path for a file the config names
// (password, secret, token, key and CA files): it would be found from the
// directory stampd or stampctl is started in (/ under systemd), not beside
// the config, so `stampctl check` in /etc/stampclock could pass where the
// service fails. The error suggests the path beside the config.
func (c *Config) checkFilesAbsolute() error {
	files := c.Files()
	keys := slices.Sorted(maps.Keys(files))
	for _, key := range keys {
		p := files[key]
		if filepath.IsAbs(p) {
			continue
		}
		dir, err := filepath.Abs(filepath.Dir(c.Path))
		if err != nil {
			dir = filepath.Dir(c.Path)
		}
		return fmt.Errorf("%s: %q is a relative path; write it in full, like %q (it would be looked for in the directory stampd is started in, / under systemd, not beside the config)",
			key, p, filepath.Join(dir, p))
	}
	return nil
}
