package queue

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stampclock/internal/powerloss"
)

// These tests keep the fixes for what the power-loss crash loop
// (cmd/stampd) found. bbolt mmaps its file, and a process must not mmap a
// file of a FUSE filesystem it serves itself, so the store is used on the
// mount by a child process: this test binary, running
// only its TestMain, with the env variable below set.
const childEnv = "QUEUE_POWERLOSS_CHILD"

// childCommit is the child's part (see TestMain): open the store at path,
// commit one punch and exit without closing, as if killed.
func childCommit(path string) int {
	s, err := Open(path, Options{})
	if err == nil {
		_, err = s.Update(func(tx *Tx) error {
			_, err := tx.Append(Record{Kind: KindPunch, Action: ActionStart, At: t0, Email: "a@x"})
			return err
		})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0 // no Close: the commit alone must make the punch durable
}

func commitInChild(t *testing.T, path string) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func mountPowerloss(t *testing.T) (*powerloss.FS, string, string) {
	t.Helper()
	powerloss.Require(t)
	dir := t.TempDir()
	disk, mnt := filepath.Join(dir, "disk"), filepath.Join(dir, "mnt")
	os.Mkdir(disk, 0o755)
	os.Mkdir(mnt, 0o755)
	f, err := powerloss.Mount(disk, mnt, powerloss.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Unmount() })
	return f, mnt, disk
}

func wantPunch(t *testing.T, path string) {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("store after the power cut: %v", err)
	}
	defer checkClosed(t, s)
	if _, err := s.Record(1); err != nil {
		t.Fatalf("the committed punch is gone after the power cut: %v", err)
	}
}

// Found by the crash loop in its first cycle: bbolt syncs a new file but
// not the directories it and its name were created in, so the first
// punches of a new store vanished with the whole file.
func TestOpen_NewStoreInNewDirectory_PowerCut_PunchKept(t *testing.T) {
	f, mnt, disk := mountPowerloss(t)
	commitInChild(t, filepath.Join(mnt, "var", "lib", "stampclock", "queue.db"))
	if _, err := f.Cut(powerloss.CutOptions{Tear: true}); err != nil {
		t.Fatal(err)
	}
	wantPunch(t, filepath.Join(disk, "var", "lib", "stampclock", "queue.db"))
}

// A damaged store moved aside must stay aside: if the rename is undone by
// a power cut, the damaged file is back in place and the fresh store with
// every punch acknowledged since is gone.
func TestMoveAside_PowerCut_StaysAsideAndFreshStoreKept(t *testing.T) {
	powerloss.Require(t)
	dir := t.TempDir()
	disk, mnt := filepath.Join(dir, "disk"), filepath.Join(dir, "mnt")
	os.Mkdir(disk, 0o755)
	os.Mkdir(mnt, 0o755)
	// Four pages with both meta pages overwritten: damaged, yet plainly a
	// store by its size, so MoveAside takes it.
	damaged := strings.Repeat("damaged!", 4*4096/8)
	if err := os.WriteFile(filepath.Join(disk, "queue.db"), []byte(damaged), 0o640); err != nil {
		t.Fatal(err)
	}
	f, err := powerloss.Mount(disk, mnt, powerloss.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Unmount() })
	to, err := MoveAside(filepath.Join(mnt, "queue.db"), time.Date(2026, 11, 23, 9, 45, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	commitInChild(t, filepath.Join(mnt, "queue.db"))
	if _, err := f.Cut(powerloss.CutOptions{Tear: true}); err != nil {
		t.Fatal(err)
	}
	aside := filepath.Join(disk, strings.TrimPrefix(to, mnt))
	if b, err := os.ReadFile(aside); err != nil || string(b) != damaged {
		t.Fatalf("%s after the power cut: %d bytes, %v", aside, len(b), err)
	}
	wantPunch(t, filepath.Join(disk, "queue.db"))
}
