package queue

import "testing"

// The site sync's records and facts: stored, read back, and a record
// deleted without touching the others; a fresh store has neither bucket.
func TestSiteBadgesAndMeta_PutGetDelete(t *testing.T) {
	s := openTest(t)
	if err := s.View(func(tx *Tx) error {
		if tx.SiteMeta("contact") != nil || tx.SiteBadge("04A1") != nil {
			t.Error("a fresh store holds site data")
		}
		return tx.DeleteSiteBadge("04A1") // no bucket yet: nothing to do
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(func(tx *Tx) error {
		for _, uid := range []string{"04A1", "04B2"} {
			if err := tx.PutSiteBadge(uid, []byte("rec-"+uid)); err != nil {
				return err
			}
		}
		return tx.PutSiteMeta("contact", []byte("2026-01-05T08:00:00Z"))
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(func(tx *Tx) error { return tx.DeleteSiteBadge("04A1") }); err != nil {
		t.Fatal(err)
	}
	var uids []string
	if err := s.View(func(tx *Tx) error {
		if got := string(tx.SiteMeta("contact")); got != "2026-01-05T08:00:00Z" {
			t.Errorf("contact = %q", got)
		}
		return tx.EachSiteBadge(func(uid string, data []byte) error {
			uids = append(uids, uid+"="+string(data))
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	if len(uids) != 1 || uids[0] != "04B2=rec-04B2" {
		t.Fatalf("site badges after deleting 04A1: %v", uids)
	}
}
