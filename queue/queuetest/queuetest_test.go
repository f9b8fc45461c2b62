package queuetest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stampclock/queue"
	"stampclock/queue/queuetest"
)

func fill(t *testing.T, s *queue.Store, n int) {
	t.Helper()
	start := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	if _, err := s.Update(func(tx *queue.Tx) error {
		for i := 0; i < n; i++ {
			at := start.Add(time.Duration(i) * time.Minute)
			if _, err := tx.Append(queue.Record{Kind: queue.KindEntry, At: at, Email: "anna@example.com", Start: at.Add(-time.Hour), End: at}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestOpen_UsedStorePassesCheck(t *testing.T) {
	s := queuetest.Open(t, queue.Options{Uplinks: []queue.UplinkSpec{{Name: "rest"}}})
	fill(t, s, 500)
	claims, err := s.Claim("rest", 100, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	outs := make([]queue.Outcome, len(claims))
	for i, c := range claims {
		outs[i] = queue.Outcome{Seq: c.Record.Seq, Result: queue.Delivered}
	}
	if err := s.Settle("rest", outs, time.Now()); err != nil {
		t.Fatal(err)
	}
	// Closing early is allowed; the cleanup closes again and checks.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestCheck_DamagedMetaPages_Reported(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	s, err := queue.Open(path, queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, s, 500)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := queuetest.Check(path); err != nil {
		t.Fatalf("intact store: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Break both meta pages' checksums (page 0 and 1): no valid root.
	page := os.Getpagesize()
	for _, pg := range []int{0, 1} {
		data[pg*page+60] ^= 0xFF
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	err = queuetest.Check(path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Check of a damaged store = %v, want an error naming the file", err)
	}
	t.Log(err)
}
