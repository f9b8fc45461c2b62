package sitebadges

import (
	"encoding/json"
	"fmt"
	"time"

	"stampclock/queue"
)

// Store is what the sync needs of the terminal's store.
type Store interface {
	Update(fn func(*queue.Tx) error) ([]queue.Record, error)
	View(fn func(*queue.Tx) error) error
}

// record is what the store holds per badge: the newest entry known and
// whether it still has to be published.
type record struct {
	Entry   Entry `json:"entry"`
	Pending bool  `json:"pending,omitempty"`
}

func getRecord(tx *queue.Tx, uid string) (record, bool, error) {
	data := tx.SiteBadge(uid)
	if data == nil {
		return record{}, false, nil
	}
	var r record
	if err := json.Unmarshal(data, &r); err != nil {
		return record{}, false, fmt.Errorf("sitebadges: stored badge %s: %w", uid, err)
	}
	return r, true, nil
}

func putRecord(tx *queue.Tx, r record) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return tx.PutSiteBadge(r.Entry.UID, data)
}

// localChange compares the store's badge uid (b, ok) with its site record
// and returns the entry a local change needs, if any: the badge was
// enrolled or changed here (or through stampctl, the web page, an
// import), or removed.
func localChange(b queue.Badge, ok bool, r record, have bool) (Entry, bool) {
	switch {
	case ok && (!have || r.Entry.Deleted || r.Entry.Email != b.Email || r.Entry.Name != b.Name):
		return Entry{UID: b.UID, Email: b.Email, Name: b.Name, Base: r.Entry.Version}, true
	case !ok && have && !r.Entry.Deleted:
		return Entry{UID: r.Entry.UID, Deleted: true, Base: r.Entry.Version}, true
	}
	return Entry{}, false
}

// apply makes the store's badge follow e (already merged and held).
func apply(tx *queue.Tx, e Entry) error {
	if e.Deleted {
		_, err := tx.RemoveBadge(e.UID)
		return err
	}
	old, ok, err := tx.Badge(e.UID)
	if err != nil {
		return err
	}
	b := queue.Badge{UID: e.UID, Email: e.Email, Name: e.Name, Enrolled: time.UnixMilli(e.Version.Wall).UTC()}
	if ok && old.Email == e.Email {
		// The same employee: keep what this terminal found out about
		// the email.
		b.Enrolled, b.Unverified, b.Problem = old.Enrolled, old.Unverified, old.Problem
	}
	return tx.PutBadge(b)
}
