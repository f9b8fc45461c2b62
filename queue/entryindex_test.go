package queue

import (
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func appendRecs(t *testing.T, s *Store, recs ...Record) []Record {
	t.Helper()
	out, err := s.Update(func(tx *Tx) error {
		for _, r := range recs {
			if _, err := tx.Append(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func seqs(recs []Record) []uint64 {
	var out []uint64
	for _, r := range recs {
		out = append(out, r.Seq)
	}
	return out
}

func shift(email string, start time.Time, d time.Duration) Record {
	return Record{Kind: KindEntry, Email: email, Start: start, End: start.Add(d), At: start.Add(d), ClockSynced: true, StartSynced: true}
}

func TestEntries_FoundByStartWhateverTheWriteOrder(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "rest"})
	recs := appendRecs(t, s,
		shift("a@x", t0.Add(48*time.Hour), time.Hour),     // seq 1: Wednesday
		shift("A@X", t0, 8*time.Hour),                     // seq 2: Monday, written later
		shift("b@x", t0, time.Hour),                       // seq 3: someone else
		shift("a@x", t0.Add(-10*time.Hour), 12*time.Hour), // seq 4: Sunday night into Monday
		Record{Kind: KindPunch, Email: "a@x", At: t0},
	)
	got, err := s.Entries("a@x", t0, t0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if g := seqs(got); len(g) != 2 || g[0] != recs[3].Seq || g[1] != recs[1].Seq {
		t.Fatalf("Monday's entries %v, want [4 2] (oldest start first)", g)
	}

	// A store written before the index existed gets it built at Open.
	path := s.Path()
	s.Close()
	writeRaw(t, path, func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketEntryIndex); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Delete([]byte(metaEntryIndex))
	})
	s2, err := Open(path, Options{Uplinks: []UplinkSpec{{Name: "rest"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err = s2.Entries("a@x", t0, t0.Add(24*time.Hour))
	if err != nil || len(got) != 2 {
		t.Fatalf("after rebuilding the index: %v %v", seqs(got), err)
	}
}

func TestEntries_CorrectedEntryMovesPrunedEntryStays(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "rest"})
	wrong := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) // the clock before it synchronised
	r := shift("a@x", wrong, time.Hour)
	r.ClockSynced, r.StartSynced = false, false
	r.Boot, r.StartBoot, r.Mono, r.StartMono = "b1", "b1", 2*time.Hour, time.Hour
	appendRecs(t, s, r)
	// Synchronised at mono 3h: the entry ran 08:00–09:00 on t0's day.
	if n, err := s.CorrectBoot("b1", t0.Add(3*time.Hour), 3*time.Hour); err != nil || n != 1 {
		t.Fatalf("corrected %d, %v", n, err)
	}
	if got, _ := s.Entries("a@x", wrong, wrong.Add(24*time.Hour)); len(got) != 0 {
		t.Fatalf("entry still found at its wrong time: %v", seqs(got))
	}
	got, err := s.Entries("a@x", t0, t0.Add(24*time.Hour))
	if err != nil || len(got) != 1 || !got[0].Start.Equal(t0.Add(time.Hour)) {
		t.Fatalf("corrected entry: %+v %v", got, err)
	}
	claims, _ := s.Claim("rest", 10, t0)
	if err := s.Settle("rest", []Outcome{{Seq: claims[0].Record.Seq, Result: Delivered}}, t0); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Prune(t0.Add(48*time.Hour), 10); err != nil || n != 1 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	// The pruned entry still counts, for day totals and as a delivered twin.
	got, err = s.Entries("a@x", t0, t0.Add(24*time.Hour))
	if err != nil || len(got) != 1 || !got[0].Start.Equal(t0.Add(time.Hour)) || !got[0].End.Equal(t0.Add(2*time.Hour)) || got[0].Kind != KindEntry {
		t.Fatalf("pruned entry as listed: %+v %v", got, err)
	}
	if sent, err := s.EntriesSent("rest", 0, "a@x", t0, t0.Add(24*time.Hour)); err != nil || len(sent) != 1 {
		t.Fatalf("pruned entry as sent: %+v %v", sent, err)
	}
}

func TestEntriesSent_DeliveredAndUncertainOnly(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "rest"})
	recs := appendRecs(t, s,
		shift("a@x", t0, time.Hour), // delivered
		shift("a@x", t0, time.Hour), // answer lost: uncertain
		shift("a@x", t0, time.Hour), // rejected, nothing stored
		shift("a@x", t0, time.Hour), // never tried
	)
	claims, err := s.Claim("rest", 3, t0)
	if err != nil || len(claims) != 3 {
		t.Fatal(claims, err)
	}
	if err := s.Settle("rest", []Outcome{
		{Seq: recs[0].Seq, Result: Delivered},
		{Seq: recs[1].Seq, Result: MaybeSent},
		{Seq: recs[2].Seq, Result: Rejected},
	}, t0); err != nil {
		t.Fatal(err)
	}
	got, err := s.EntriesSent("rest", 0, "a@x", t0, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if g := seqs(got); len(g) != 2 || g[0] != recs[0].Seq || g[1] != recs[1].Seq {
		t.Fatalf("sent entries %v, want [1 2]", g)
	}
	if _, err := s.EntriesSent("nope", 0, "a@x", t0, t0); err == nil {
		t.Fatal("unknown uplink accepted")
	}
}

// In a batch being sent oldest first, an in-flight twin with a lower seq
// has gone out before the one reconciled and counts; one with a higher
// seq has not been sent yet and does not (counting it would send the
// reconciled entry again: a duplicate).
func TestEntriesSent_InFlightCountsOnlyBeforeSeq(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "rest"})
	recs := appendRecs(t, s, shift("a@x", t0, time.Hour), shift("a@x", t0, time.Hour), shift("a@x", t0, time.Hour))
	if _, err := s.Claim("rest", 3, t0); err != nil {
		t.Fatal(err)
	}
	got, err := s.EntriesSent("rest", recs[1].Seq, "a@x", t0, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if g := seqs(got); len(g) != 1 || g[0] != recs[0].Seq {
		t.Fatalf("twins of seq %d in flight: %v, want only the lower seq %d", recs[1].Seq, g, recs[0].Seq)
	}
}

// Entries answers from the index alone (a stop's day total decodes no
// record): an entry whose record is unreadable still counts with the
// times its index key holds.
func TestEntries_FromTheIndexAlone(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "rest"})
	recs := appendRecs(t, s, shift("A@x", t0.Add(time.Hour), 2*time.Hour))
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRecords).Put(itob(recs[0].Seq), []byte("{not json"))
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Entries("a@X", t0, t0.Add(24*time.Hour))
	if err != nil || len(got) != 1 {
		t.Fatalf("entries = %+v, %v; want the one entry", got, err)
	}
	if g := got[0]; g.Seq != recs[0].Seq || g.Kind != KindEntry || g.Email != "a@x" || !g.Start.Equal(t0.Add(time.Hour)) || !g.End.Equal(t0.Add(3*time.Hour)) {
		t.Fatalf("entry = %+v; want seq %d, a@x, %s–%s", g, recs[0].Seq, t0.Add(time.Hour), t0.Add(3*time.Hour))
	}
}

// reopenAfter closes s, lets write change the file as another program
// would (an older stampd), and opens it again.
func reopenAfter(t *testing.T, s *Store, write func(tx *bolt.Tx) error) *Store {
	t.Helper()
	path := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	writeRaw(t, path, write)
	s2, err := Open(path, Options{Uplinks: []UplinkSpec{{Name: "rest"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s2.Close() })
	return s2
}

// appendAsBefore appends r as a stampd from before the entry index did
// (ab93579: the record and its pending mark, nothing else).
func appendAsBefore(tx *bolt.Tx, r Record) error {
	recs := tx.Bucket(bucketRecords)
	seq, err := recs.NextSequence()
	if err != nil {
		return err
	}
	r.Seq = seq
	if err := putJSON(recs, itob(seq), r); err != nil {
		return err
	}
	return tx.Bucket(uplinkBucket("rest")).Put(itob(seq), encodeState(entryState{}))
}

// A downgrade, then an upgrade again: the entries the older stampd wrote
// in between count in day totals (and reconciliation) after the upgrade.
func TestOpen_EntriesAnOlderVersionAppended_Indexed(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "rest"})
	appendRecs(t, s, shift("a@x", t0, time.Hour)) // seq 1, by this version
	s = reopenAfter(t, s, func(tx *bolt.Tx) error {
		return appendAsBefore(tx, shift("a@x", t0.Add(2*time.Hour), time.Hour)) // seq 2, by the older one
	})
	got, err := s.Entries("a@x", t0, t0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if g := seqs(got); len(g) != 2 || g[0] != 1 || g[1] != 2 {
		t.Fatalf("entries after the upgrade %v, want [1 2]", g)
	}
	// This version's own appends move the mark: the next Open has nothing to walk.
	appendRecs(t, s, shift("a@x", t0.Add(4*time.Hour), time.Hour))
	var mark uint64
	s.db.View(func(tx *bolt.Tx) error {
		mark = btoi(tx.Bucket(bucketMeta).Get([]byte(metaEntryIndex)))
		return nil
	})
	if mark != 3 {
		t.Fatalf("entry index mark %d after appending seq 3", mark)
	}
}

// A store marked complete by a version that kept no seq with the mark ("1")
// is walked once: an entry an older version appended is indexed, one a
// retraction withdrew is not indexed again.
func TestOpen_MarkWithoutSeq_WalkedOnce(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "rest"})
	recs := appendRecs(t, s,
		shift("a@x", t0, time.Hour),                  // seq 1: stays
		shift("a@x", t0.Add(2*time.Hour), time.Hour), // seq 2: withdrawn
	)
	s = reopenAfter(t, s, func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketMeta).Put([]byte(metaEntryIndex), []byte("1")); err != nil {
			return err
		}
		rb, err := tx.CreateBucketIfNotExists(bucketRetractions)
		if err != nil {
			return err
		}
		if err := rb.Put(itob(recs[1].Seq), itob(99)); err != nil {
			return err
		}
		if err := unindexEntry(tx, recs[1]); err != nil {
			return err
		}
		return appendAsBefore(tx, shift("a@x", t0.Add(4*time.Hour), time.Hour)) // seq 3
	})
	got, err := s.Entries("a@x", t0, t0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if g := seqs(got); len(g) != 2 || g[0] != 1 || g[1] != 3 {
		t.Fatalf("entries after the walk %v, want [1 3] (2 withdrawn)", g)
	}
}

// writeRaw changes the store file at path as another program would (an
// older stampd, or damage), through bbolt alone.
func writeRaw(t *testing.T, path string, write func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(write); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}
