package control

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A user not in the socket's group runs stampctl: the error says whose
// socket it is and how to get in, not only "connect: permission denied".
func TestCall_PermissionDenied_SaysWhatToDo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	serve(t, path)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	group := idName(st.Gid, false)
	refused := &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", syscall.EACCES)}

	check := func(t *testing.T, err error) {
		t.Helper()
		if !errors.Is(err, ErrDenied) {
			t.Fatalf("err = %v, want ErrDenied", err)
		}
		for _, want := range []string{path, ":" + group + " 0660", "usermod -a -G " + group, "log in again", "sudo"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error lacks %q: %v", want, err)
			}
		}
	}
	t.Run("the socket's group", func(t *testing.T) { check(t, dialError(path, refused)) })
	if os.Geteuid() != 0 {
		// Root connects whatever the mode; anyone else meets the refusal.
		t.Run("a real refusal", func(t *testing.T) {
			if err := os.Chmod(path, 0); err != nil {
				t.Fatal(err)
			}
			defer os.Chmod(path, 0o660)
			err := Call(context.Background(), path, "status", nil, nil)
			if !errors.Is(err, ErrDenied) || !strings.Contains(err.Error(), "0000") {
				t.Fatalf("err = %v, want ErrDenied naming mode 0000", err)
			}
		})
	}
	t.Run("a directory on the way closed", func(t *testing.T) {
		err := dialError(filepath.Join(t.TempDir(), "none", "s.sock"), refused)
		if !errors.Is(err, ErrDenied) || !strings.Contains(err.Error(), "sudo") {
			t.Fatalf("err = %v, want ErrDenied with what to do", err)
		}
	})
}
