package durable_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"stampclock/internal/durable"
	"stampclock/internal/powerloss"
)

// onPowerloss mounts a powerloss filesystem and returns it, its mount point
// and its backing directory (what survives a cut).
func onPowerloss(t *testing.T) (*powerloss.FS, string, string) {
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

func cut(t *testing.T, f *powerloss.FS) {
	t.Helper()
	if _, err := f.Cut(powerloss.CutOptions{Tear: true}); err != nil {
		t.Fatal(err)
	}
}

func want(t *testing.T, path string, data []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("%s after the power cut: %q %v, want %q", path, got, err, data)
	}
}

func TestWriteFile_PowerCut_NewFileInNewDirectoryKept(t *testing.T) {
	f, mnt, disk := onPowerloss(t)
	if err := durable.MkdirAll(filepath.Join(mnt, "etc", "stampclock"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := durable.WriteFile(filepath.Join(mnt, "etc", "stampclock", "pw"), []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cut(t, f)
	p := filepath.Join(disk, "etc", "stampclock", "pw")
	want(t, p, []byte("secret\n"))
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode())
	}
	if ents, _ := os.ReadDir(filepath.Dir(p)); len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
}

func TestWriteFile_PowerCut_ReplacedWhole(t *testing.T) {
	f, mnt, disk := onPowerloss(t)
	p := filepath.Join(mnt, "stampd.toml")
	if err := durable.WriteFile(p, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := durable.WriteFile(p, bytes.Repeat([]byte("new "), 3000), 0o640); err != nil {
		t.Fatal(err)
	}
	cut(t, f)
	want(t, filepath.Join(disk, "stampd.toml"), bytes.Repeat([]byte("new "), 3000))
}

func TestReplace_CheckFails_OldKeptNoTemporary(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "c")
	if err := durable.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := errors.New("does not load")
	if err := durable.Replace(p, []byte("new"), 0o644, func(string) error { return bad }); !errors.Is(err, bad) {
		t.Fatalf("err %v, want the check's error", err)
	}
	want(t, p, []byte("old"))
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("temporary file left: %v", ents)
	}
}

func TestRename_PowerCut_OnlyNewName(t *testing.T) {
	f, mnt, disk := onPowerloss(t)
	if err := durable.MkdirAll(filepath.Join(mnt, "aside"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := durable.WriteFile(filepath.Join(mnt, "q.db"), []byte("damaged"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := durable.Rename(filepath.Join(mnt, "q.db"), filepath.Join(mnt, "aside", "q.db.corrupt")); err != nil {
		t.Fatal(err)
	}
	cut(t, f)
	want(t, filepath.Join(disk, "aside", "q.db.corrupt"), []byte("damaged"))
	if _, err := os.Stat(filepath.Join(disk, "q.db")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("old name after the cut: %v", err)
	}
}
