package sitebadges

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/queue"
)

// Tombstones are collected by one rule, with one promise to a terminal
// that was away:
//
//   - A removal (tombstone) is kept, in every store and retained on the
//     broker, until its version is older than the horizon (default 90
//     days) by the collecting terminal's clock. Then each terminal forgets
//     it, and its writer clears its retained message (an empty retained
//     publish); any terminal does so a Skew later, when the writer is gone
//     (one clear, not one per terminal, each sent to the whole site).
//   - A terminal away from the site for longer than the horizon less Skew
//     (its last contact is stored at least hourly) may have missed a
//     tombstone that is collected by now. Before it subscribes again it
//     drops the site's state it holds (the badges it got from the site,
//     and its own unpublished changes older than the horizon) and takes
//     the site's badges afresh from the retained messages. So no removal
//     is undone by a terminal that never heard of it.
//
// A terminal away for less than that finds every tombstone written while
// it was away still retained. A clear that races with a new enrolment of
// the same badge is repaired: a terminal holding a live entry for a
// cleared badge publishes it again.

// DefaultTombstoneHorizon is how long a removal is kept: 90 days.
const DefaultTombstoneHorizon = 90 * 24 * time.Hour

// Skew is the margin between collecting a tombstone and treating a
// terminal as away for too long: the most the site's clocks may differ
// plus the hour by which the stored last contact may lag.
const Skew = 24 * time.Hour

// housekeeping is how often (by the injected clock) tombstones are
// collected and the last contact is stored.
const housekeeping = time.Hour

// metaContact is the site_meta key of the last contact with the site.
const metaContact = "contact"

// loadContact reads the stored last contact (zero: none stored yet).
func (s *Syncer) loadContact() (time.Time, error) {
	var at time.Time
	err := s.store.View(func(tx *queue.Tx) error {
		data := tx.SiteMeta(metaContact)
		if data == nil {
			return nil
		}
		return at.UnmarshalText(data)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("sitebadges: stored last contact: %w", err)
	}
	return at, nil
}

// noteContact stores now as the last contact with the site when the
// stored one is an hour old or more (or force).
func (s *Syncer) noteContact(force bool) {
	now := s.o.Now().UTC()
	s.mu.Lock()
	last := s.contact
	s.mu.Unlock()
	if !force && now.Sub(last) < housekeeping {
		return
	}
	data, _ := now.MarshalText()
	if _, err := s.store.Update(func(tx *queue.Tx) error { return tx.PutSiteMeta(metaContact, data) }); err != nil {
		s.log.Error("last contact with the site not stored", "err", err)
		return
	}
	s.mu.Lock()
	s.contact = now
	s.mu.Unlock()
}

// rejoin drops the site's state when the terminal was away longer than
// the horizon less Skew; it runs before each subscription. It returns
// how many badges were dropped.
func (s *Syncer) rejoin() (int, error) {
	s.mu.Lock()
	last := s.contact
	s.mu.Unlock()
	now := s.o.Now()
	away := now.Sub(last)
	if last.IsZero() || away <= s.o.TombstoneHorizon-Skew {
		return 0, nil
	}
	oldest := now.Add(-s.o.TombstoneHorizon).UnixMilli()
	var dropped []Entry
	_, err := s.store.Update(func(tx *queue.Tx) error {
		dropped = dropped[:0]
		var drop []record
		if err := tx.EachSiteBadge(func(uid string, data []byte) error {
			var r record
			if err := json.Unmarshal(data, &r); err != nil {
				return fmt.Errorf("sitebadges: stored badge %s: %w", uid, err)
			}
			if !r.Pending || r.Entry.Version.Wall < oldest {
				drop = append(drop, r)
			}
			return nil
		}); err != nil {
			return err
		}
		for _, r := range drop {
			if err := tx.DeleteSiteBadge(r.Entry.UID); err != nil {
				return err
			}
			if !r.Entry.Deleted {
				// The badge goes with its record, or the next scan
				// would take it for a local enrolment and publish it.
				if _, err := tx.RemoveBadge(r.Entry.UID); err != nil {
					return err
				}
			}
			dropped = append(dropped, r.Entry)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sitebadges: drop the site's state after %s away: %w", away.Round(time.Hour), err)
	}
	s.log.Warn("away from the site longer than the tombstone horizon: its badges are taken afresh from the broker",
		"away", away.Round(time.Hour).String(), "horizon", s.o.TombstoneHorizon.String(), "dropped", len(dropped))
	for _, e := range dropped {
		if e.Version.Node == s.o.DeviceID && e.Version.Wall < oldest {
			s.log.Warn("unpublished badge change older than the horizon dropped; enrol again if still wanted", "badge", e.UID, "email", e.Email, "removed", e.Deleted)
		}
	}
	s.mu.Lock()
	s.st.Rejoined++
	s.mu.Unlock()
	return len(dropped), nil
}

// collect forgets the tombstones older than the horizon and clears the
// retained messages of those it wrote, and of all a Skew older; it runs
// while connected, at most hourly. A tombstone whose clear the broker did
// not confirm is kept for the next time. A terminal that forgot a
// tombstone still retained gets it again on its next connect, and
// forgets it again.
func (s *Syncer) collect(ctx context.Context, pc paho.Client) {
	oldest := s.o.Now().Add(-s.o.TombstoneHorizon).UnixMilli()
	orphaned := oldest - Skew.Milliseconds()
	var old []Entry
	if err := s.store.View(func(tx *queue.Tx) error {
		return tx.EachSiteBadge(func(uid string, data []byte) error {
			var r record
			if err := json.Unmarshal(data, &r); err != nil {
				return fmt.Errorf("sitebadges: stored badge %s: %w", uid, err)
			}
			if r.Entry.Deleted && !r.Pending && r.Entry.Version.Wall < oldest {
				old = append(old, r.Entry)
			}
			return nil
		})
	}); err != nil {
		s.log.Error("tombstones not read", "err", err)
		return
	}
	var cleared []Entry
	for _, e := range old {
		if ctx.Err() != nil {
			break
		}
		if e.Version.Node != s.o.DeviceID && e.Version.Wall >= orphaned {
			cleared = append(cleared, e) // its writer clears it
			continue
		}
		tok := pc.Publish(s.Topic(e.UID), 1, true, []byte{})
		if !tok.WaitTimeout(s.o.AckTimeout) || tok.Error() != nil {
			s.log.Warn("retained tombstone not cleared; tried again later", "badge", e.UID, "err", tok.Error())
			break
		}
		cleared = append(cleared, e)
	}
	if len(cleared) == 0 {
		return
	}
	if _, err := s.store.Update(func(tx *queue.Tx) error {
		for _, e := range cleared {
			r, have, err := getRecord(tx, e.UID)
			if err != nil {
				return err
			}
			// Only the tombstone read above: a newer entry that arrived
			// meanwhile stays.
			if have && r.Entry.Deleted && r.Entry.Version == e.Version {
				if err := tx.DeleteSiteBadge(e.UID); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		s.log.Error("collected tombstones not forgotten; tried again later", "err", err)
		return
	}
	s.mu.Lock()
	s.st.Collected += uint64(len(cleared))
	s.mu.Unlock()
	s.log.Info("tombstones older than the horizon collected", "count", len(cleared), "horizon", s.o.TombstoneHorizon.String())
}

// housekeep stores the last contact and collects tombstones, each at most
// hourly by the injected clock; it runs while subscribed.
func (s *Syncer) housekeep(ctx context.Context, pc paho.Client) {
	s.noteContact(false)
	now := s.o.Now()
	s.mu.Lock()
	due := s.lastCollect.IsZero() || now.Sub(s.lastCollect) >= housekeeping
	if due {
		s.lastCollect = now
	}
	s.mu.Unlock()
	if due {
		s.collect(ctx, pc)
	}
}

// cleared handles emptied retained messages (a collected tombstone, or a
// clear by hand): a live entry held for such a badge is published again,
// so a clear that raced with a new enrolment does not hide it from
// newcomers.
func (s *Syncer) cleared(uids []string) {
	var again []string
	if err := s.store.View(func(tx *queue.Tx) error {
		for _, uid := range uids {
			r, have, err := getRecord(tx, uid)
			if err != nil {
				return err
			}
			if have && !r.Entry.Deleted {
				again = append(again, uid)
			}
		}
		return nil
	}); err != nil {
		s.log.Error("cleared badges not looked up", "err", err)
		return
	}
	if len(again) == 0 {
		return
	}
	slices.Sort(again)
	s.mu.Lock()
	for _, uid := range again {
		s.republish[uid] = true
	}
	s.unsent = true
	s.mu.Unlock()
	s.log.Info("retained badge cleared on the broker while enrolled here; published again", "badges", again)
	s.Kick()
}
