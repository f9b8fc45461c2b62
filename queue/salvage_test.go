package queue

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Issue 11 (weakness): salvage recovered 0 records from a half-truncated
// store whose record bodies were still in the file. It must recover every
// intact record it finds and name the seqs it could not.
func TestSalvage_HalfTruncatedStore_EveryIntactRecordAndMissingSeqs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	appendEntries(t, s, 400)
	s.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	half := data[:len(data)/2]
	if err := os.WriteFile(path, half, 0o600); err != nil {
		t.Fatal(err)
	}
	// What is still in the file, byte for byte.
	intact := map[uint64]bool{}
	for seq := uint64(1); seq <= 400; seq++ {
		if bytes.Contains(half, []byte(fmt.Sprintf(`{"seq":%d,"kind":"entry"`, seq))) {
			intact[seq] = true
		}
	}
	if len(intact) == 0 || len(intact) == 400 {
		t.Fatalf("%d of 400 records left in the first half: the test does not cut through them", len(intact))
	}
	got := map[uint64]bool{}
	rep, err := SalvageFile(path, func(r Record) error {
		if got[r.Seq] {
			t.Errorf("seq %d exported twice", r.Seq)
		}
		got[r.Seq] = true
		return nil
	})
	if err != nil {
		t.Fatalf("salvage: %v", err)
	}
	for seq := range intact {
		if !got[seq] {
			t.Errorf("intact seq %d not recovered", seq)
		}
	}
	if rep.Recovered != len(got) || rep.Recovered < len(intact) {
		t.Fatalf("report %+v; recovered %d, intact %d", rep, len(got), len(intact))
	}
	missing := 0
	for _, r := range rep.Missing {
		missing += int(r.Last - r.First + 1)
	}
	if uint64(missing+rep.Recovered) != rep.Highest {
		t.Fatalf("recovered %d + missing %d does not account for seqs 1..%d: %+v", rep.Recovered, missing, rep.Highest, rep.Missing)
	}
	t.Logf("recovered %d of 400 (%d intact in the file), missing %v", rep.Recovered, len(intact), rep.Missing)
}
