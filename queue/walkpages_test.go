package queue

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Damaged page headers made CheckFile panic inside bbolt's Tx.Check
// goroutine, which ended the process: stampd crashed at start-up instead of
// moving the store aside. The check reports them as corrupt.
func TestCheckFile_DamagedPageHeaders_CorruptNotPanic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(func(tx *Tx) error {
		for i := 0; i < 500; i++ {
			at := t0.Add(time.Duration(i) * time.Minute)
			if _, err := tx.Append(Record{Kind: KindEntry, At: at, Email: "anna@example.com", Start: at.Add(-time.Hour), End: at}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := CheckFile(path, time.Second); err != nil {
		t.Fatalf("intact store: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Scramble the header of every other page after the meta pages.
	page := os.Getpagesize()
	for pg := 2; pg < len(data)/page; pg += 2 {
		for i := pg * page; i < pg*page+16; i++ {
			data[i] ^= 0x5A
		}
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckFile(path, time.Second); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("CheckFile of damaged pages = %v, want ErrCorrupt", err)
	}
}
