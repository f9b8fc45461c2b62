package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// damagedStore writes a bbolt file whose branch pages were overwritten, on
// which bbolt's checker panics in a goroutine of its own.
func damagedStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "queue.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"records", "meta"} {
			b, err := tx.CreateBucket([]byte(name))
			if err != nil {
				return err
			}
			for i := range 3000 {
				if err := b.Put(fmt.Appendf(nil, "%08d", i), make([]byte, 100)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	junk := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x13, 0, 0xff, 0xff, 0xff, 0xff, 0x7f, 0}
	for p := int64(4); p < 40; p += 3 {
		if _, err := f.WriteAt(junk, p*int64(os.Getpagesize())); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestCheckStore_CheckerCrash_Exit3OneLine(t *testing.T) {
	path := damagedStore(t)
	// bbolt's checker crashed on this file before queue.CheckFile read the
	// bucket pages itself first; whether the child panics or reports the
	// damage, --check-store must say it in one line and exit 3.
	worker, _ := exec.Command(filepath.Join(binDir, "stampd"), checkStoreWorkerFlag, "records", path).CombinedOutput()
	t.Logf("checker child: %s", strings.TrimSpace(string(worker)))
	out, err := exec.Command(filepath.Join(binDir, "stampd"), "--check-store", path).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitCorrupt {
		t.Fatalf("--check-store: %v, want exit %d\n%s", err, exitCorrupt, out)
	}
	s := strings.TrimSpace(string(out))
	if strings.Contains(s, "goroutine") || strings.Count(s, "\n") != 0 || !strings.Contains(s, "corrupt") || !strings.Contains(s, path) {
		t.Fatalf("--check-store output, want one line naming the file:\n%s", s)
	}
}

func TestCheckStore_GoodAndMissing(t *testing.T) {
	good := filepath.Join(t.TempDir(), "queue.db")
	db, err := bolt.Open(good, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		tx.CreateBucket([]byte("records"))
		_, err := tx.CreateBucket([]byte("meta"))
		return err
	})
	db.Close()
	for _, p := range []string{good, filepath.Join(t.TempDir(), "none.db")} {
		if out, err := exec.Command(filepath.Join(binDir, "stampd"), "--check-store", p).CombinedOutput(); err != nil {
			t.Errorf("--check-store %s: %v\n%s", p, err, out)
		}
	}
}

func TestStampdHelpAndVersion_OnStdoutExitZero(t *testing.T) {
	for _, arg := range []string{"-h", "--version"} {
		cmd := exec.Command(filepath.Join(binDir, "stampd"), arg)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil || len(out) == 0 || stderr.Len() != 0 {
			t.Errorf("stampd %s: %v, stdout %q, stderr %q", arg, err, out, stderr.String())
		}
	}
	out, err := exec.Command(filepath.Join(binDir, "stampd"), "--bogus").CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || strings.Count(strings.TrimSpace(string(out)), "\n") != 1 {
		t.Errorf("stampd --bogus: %v\n%s; want exit 2 and two lines", err, out)
	}
}
