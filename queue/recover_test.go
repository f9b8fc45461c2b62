package queue

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestMain lets a test run CheckFile in a child process, as stampd does,
// or commit to a store on a powerloss filesystem.
func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" { // see powerloss_test.go
		os.Exit(childCommit(path))
	}
	if path := os.Getenv(handoffChildEnv); path != "" { // see handoff_powerloss_test.go
		os.Exit(childHandoff(path))
	}
	if path := os.Getenv("QUEUE_TEST_CHECK_FILE"); path != "" {
		err := CheckFile(path, time.Second)
		if errors.Is(err, ErrCorrupt) {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// checkInChild runs CheckFile on path in a child process and reports
// whether the file counts as corrupt (exit 3, or a crash).
func checkInChild(t *testing.T, path string) (corrupt bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "QUEUE_TEST_CHECK_FILE="+path)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return false
	case errors.As(err, &ee) && ee.ExitCode() == 1:
		t.Fatalf("check failed without corruption: %s", out)
	}
	return true // exit 3, or killed by a panic in bbolt's checker
}

func TestCheckFile_GoodMissingAndDamaged(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "q.db")
	if err := CheckFile(path, time.Second); err != nil {
		t.Fatalf("missing file: %v", err)
	}
	s, err := Open(path, Options{Uplinks: []UplinkSpec{{Name: "rest"}}})
	if err != nil {
		t.Fatal(err)
	}
	appendEntries(t, s, 300)
	s.Close()
	if checkInChild(t, path) {
		t.Fatal("good file reported corrupt")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := os.Getpagesize()
	bad := filepath.Join(dir, "bad.db")
	// Damage the records bucket's root page. (A fixed page number is
	// sometimes a free page: the map freelist allocates in random order.)
	root := recordsRoot(t, path)
	damaged := append([]byte(nil), data...)
	for i := int(root) * page; i < int(root+1)*page && i < len(damaged); i++ {
		damaged[i] = 0xA5
	}
	os.WriteFile(bad, damaged, 0o600)
	if !checkInChild(t, bad) {
		t.Fatal("damaged page not detected")
	}
	// Garbage from the start, page-aligned like a store: both meta pages
	// are gone.
	os.WriteFile(bad, []byte(strings.Repeat("not a bbolt file", 1024)), 0o600)
	if err := CheckFile(bad, time.Second); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("garbage: err = %v, want ErrCorrupt", err)
	}
	// Text of no store's size is not a store at all (store.path on the
	// wrong file): not damage.
	os.WriteFile(bad, []byte(strings.Repeat("not a bbolt file ", 1000)), 0o600)
	if err := CheckFile(bad, time.Second); !errors.Is(err, ErrNotStore) {
		t.Fatalf("text: err = %v, want ErrNotStore", err)
	}
}

func TestMoveAsideAndSalvage(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "q.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	appendEntries(t, s, 5)
	s.Close()
	now := time.Date(2026, 11, 23, 9, 45, 0, 0, time.UTC)
	to, err := MoveAside(path, now)
	if err != nil || to != path+".corrupt-20261123T094500Z" {
		t.Fatalf("moved to %q, %v", to, err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("original still there")
	}
	var seqs []uint64
	rep, err := SalvageFile(to, func(r Record) error { seqs = append(seqs, r.Seq); return nil })
	if err != nil || rep.Recovered != 5 || len(seqs) != 5 || seqs[4] != 5 || len(rep.Missing) != 0 {
		t.Fatalf("salvage = %+v %v, %v", rep, seqs, err)
	}
	if _, err := MoveAside(path, now); err == nil {
		t.Fatal("moved a missing file")
	}
}

// recordsRoot returns the page id of the records bucket's root.
func recordsRoot(t *testing.T, path string) uint64 {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var root uint64
	db.View(func(tx *bolt.Tx) error {
		root = uint64(tx.Bucket(bucketRecords).Root())
		return nil
	})
	if root < 2 {
		t.Fatalf("records bucket root = page %d", root)
	}
	return root
}
