package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// stampd cannot create its store or socket: the error names the key, the
// user stampd runs as and what is in the way, with its owner and mode.
func TestPathError_PermissionNamesKeyUserAndBlocker(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "queue.db")
	if err := os.WriteFile(file, nil, 0o400); err != nil {
		t.Fatal(err)
	}
	denied := syscall.EACCES
	for _, tc := range []struct {
		name, key, path string
		want            []string
	}{
		{"missing directory below one not writable", "store.path", filepath.Join(dir, "sub", "queue.db"),
			[]string{"store.path: " + filepath.Join(dir, "sub", "queue.db") + ": permission denied for user ", dir + " is ", " 0555; make it writable for ", "or choose another store.path"}},
		{"socket in a directory not writable", "control.socket", filepath.Join(dir, "s.sock"),
			[]string{"control.socket: ", dir + " is ", "0555"}},
		{"existing file not writable", "store.path", file,
			[]string{file + " is ", " 0400; make it readable and writable for "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := PathError(tc.key, tc.path, &fs.PathError{Op: "open", Path: tc.path, Err: denied})
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
	other := errors.New("disk on fire")
	if err := PathError("store.path", file, other); !errors.Is(err, other) || !strings.HasPrefix(err.Error(), "store.path: ") {
		t.Errorf("other error = %v, want it wrapped under the key", err)
	}
}
