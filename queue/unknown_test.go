package queue

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

// UnknownBadges answers what Stats lists as unknown badges, capped alike,
// without reading the rest of the store.
func TestUnknownBadges_SameAsStats(t *testing.T) {
	s := openTest(t)
	if got, err := s.UnknownBadges(); err != nil || len(got) != 0 {
		t.Fatalf("empty store: %+v, %v", got, err)
	}
	if _, err := s.Update(func(tx *Tx) error {
		for i := range maxListed + 20 {
			if err := tx.NoteUnknown(fmt.Sprintf("04%06X", i), t0.Add(time.Duration(i)*time.Minute), i%3 == 0); err != nil {
				return err
			}
		}
		_, err := tx.Append(Record{Kind: KindPunch, Action: "start", At: t0, UID: "04A1", Email: "a@x"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.UnknownBadges()
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != maxListed || !reflect.DeepEqual(got, st.Unknown) {
		t.Fatalf("UnknownBadges: %d badges, Stats: %d; want the same %d", len(got), len(st.Unknown), maxListed)
	}
	if got[0].UID != "04000000" || !got[3].Pending || got[1].Pending {
		t.Fatalf("first badges %+v", got[:4])
	}
}
