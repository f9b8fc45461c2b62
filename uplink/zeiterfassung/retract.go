package zeiterfassung

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"stampclock/queue/record"
	"stampclock/uplink"
	"stampclock/uplink/rest"
)

// retract removes from the server the entry a retraction record
// withdraws (record.KindRetract; shifts across terminals). A segment whose
// ids the create's answer named (kept as the entry's receipt) is deleted
// by those ids; a 404 means deleted before. Any other segment (an entry
// delivered before receipts were kept, or found by reconciliation) is
// looked up with the query reconciliation uses and, if the server holds
// more identical entries than this terminal's other entries that may be
// there (Options.Twins), one of them is deleted with
// DELETE /api/time-v2.1/deletetimeentry/{id}. Found nowhere, it is gone
// already: done. Every attempt looks before it deletes, so an attempt
// whose answer was lost deletes nothing more the next time, and an
// identical entry that belongs there (a twin) is never taken.
//
// A retraction of a missing stop (no End) has nothing on the server.
func (c *Client) retract(ctx context.Context, rec record.Record) error {
	switch {
	case rec.End.IsZero():
		return nil
	case rec.Email == "" || rec.Start.IsZero():
		return fmt.Errorf("zeiterfassung: retract seq %d: %w", rec.Seq, &uplink.Error{Class: uplink.Permanent, Msg: "retraction without email or start"})
	case rec.End.Before(rec.Start):
		return fmt.Errorf("zeiterfassung: retract seq %d: %w", rec.Seq, &uplink.Error{Class: uplink.Permanent, Msg: "retracted entry ends before it starts"})
	}
	if never, err := c.neverSent(rec.Retracts); err != nil {
		return fmt.Errorf("zeiterfassung: retract seq %d (entry seq %d): %w", rec.Seq, rec.Retracts, err)
	} else if never {
		// Withdrawn before it was sent: what the server holds with the
		// same times is another entry (the one that replaced it).
		c.log.Info("retracted entry was never sent; nothing to remove", "seq", rec.Seq, "retracts", rec.Retracts, "site_entry", rec.SiteEntry)
		return nil
	}
	segs := Segments(rec.Start, rec.End, c.o.Location)
	made, err := c.createdFor(rec, len(segs))
	if err != nil {
		return fmt.Errorf("zeiterfassung: retract seq %d (entry seq %d): %w", rec.Seq, rec.Retracts, err)
	}
	done := 0 // segments known to be off the server
	for i, seg := range segs {
		start, end := seg.Wall()
		if start == end && len(segs) > 1 {
			done++ // never created (see Send)
			continue
		}
		e := entryBody{StartTime: start, EndTime: end, UserEmail: rec.Email, TimeTypeID: c.o.TimeTypeID, ProjectID: c.o.ProjectID}
		log := c.log.With("seq", rec.Seq, "retracts", rec.Retracts, "site_entry", rec.SiteEntry, "segment", i+1, "segments", len(segs), "start", start, "end", end)
		where := fmt.Sprintf("zeiterfassung: retract seq %d (entry seq %d) segment %d/%d", rec.Seq, rec.Retracts, i+1, len(segs))
		if made != nil && made[i] != nil {
			// The ids its create named: gone means deleted before (an
			// answer lost), and an identical entry is never taken.
			for _, id := range made[i] {
				gone, err := c.deleteEntry(ctx, id, true)
				if err != nil {
					log.Warn("delete failed", "id", id, "class", uplink.ClassOf(err), "err", err)
					return fmt.Errorf("%s: %w", where, uplink.Partial(err, done, len(segs), "segments"))
				}
				if gone {
					log.Info("retracted entry not on the server (gone already)", "id", id)
				} else {
					log.Info("retracted entry deleted", "id", id)
				}
			}
			done++
			continue
		}
		id, err := c.deletable(ctx, rec, seg, e)
		if err != nil {
			log.Warn("looking up the entry to delete failed", "err", err)
			return fmt.Errorf("%s: %w", where, uplink.Partial(err, done, len(segs), "segments"))
		}
		if id == "" {
			log.Info("retracted entry not on the server (gone already)")
			done++
			continue
		}
		if _, err := c.deleteEntry(ctx, id, false); err != nil {
			log.Warn("delete failed", "id", id, "class", uplink.ClassOf(err), "err", err)
			return fmt.Errorf("%s: %w", where, uplink.Partial(err, done, len(segs), "segments"))
		}
		done++
		log.Info("retracted entry deleted", "id", id)
	}
	return nil
}

// deletable returns the server id of a copy of segment seg of the entry
// rec retracts, sent as e, that is the retracted entry's; "" when the
// server holds no more such copies than this terminal's other entries
// that may be there (they are twins, not the retracted one).
func (c *Client) deletable(ctx context.Context, rec record.Record, seg Segment, e entryBody) (string, error) {
	t := seg.Start.Truncate(time.Minute)
	list, err := c.entries(ctx, e.UserEmail, t.Add(-time.Minute).Format(TimeLayout), t.Add(time.Minute).Format(TimeLayout))
	if err != nil {
		return "", err
	}
	var ids []string
	for _, se := range list {
		if strings.EqualFold(se.UserEmail, e.UserEmail) &&
			sameTime(se.StartTime, e.StartTime) && sameTime(se.EndTime, e.EndTime) &&
			se.TimeTypeID == e.TimeTypeID &&
			(e.ProjectID == "" || se.ProjectID == e.ProjectID) && se.ID != "" {
			ids = append(ids, se.ID)
		}
	}
	if len(ids) == 0 {
		return "", nil
	}
	wantStart, wantEnd := seg.Wall()
	// Entries sent before this retraction (delivered, uncertain, or
	// earlier in its batch) other than the retracted one: the entry index
	// no longer lists the retracted entry, which is also left out here.
	twins, err := c.o.Twins.Count(rec.Seq, rec.Email,
		seg.Start.Add(-record.MaxEntryLength-twinSlack), seg.Start.Add(twinSlack),
		func(r record.Record) bool {
			if r.Seq == rec.Retracts {
				return false
			}
			for _, s := range Segments(r.Start, r.End, c.o.Location) {
				if a, b := s.Wall(); a == wantStart && b == wantEnd {
					return true
				}
			}
			return false
		})
	if err != nil {
		return "", err
	}
	if len(ids) <= twins {
		return "", nil
	}
	return ids[len(ids)-1], nil
}

// deleteEntry sends one deletetimeentry. A 404 says the entry is not
// there: with goneOK (an id this terminal's create was given) it is gone
// already; otherwise (an id just listed) it vanished since, a Retry, and
// the next attempt looks again.
func (c *Client) deleteEntry(ctx context.Context, id string, goneOK bool) (gone bool, err error) {
	a, err := c.call(ctx, rest.Request{Method: http.MethodDelete, Path: "/api/time-v2.1/deletetimeentry/" + url.PathEscape(id)}, true)
	if err != nil {
		return false, err
	}
	switch {
	case a.Status == http.StatusNotFound && goneOK:
		return true, nil
	case a.Status == http.StatusNotFound:
		return false, &uplink.Error{Class: uplink.Retry, Status: a.Status, Msg: "entry " + id + " vanished before it was deleted; looking again: " + serverMessage(a)}
	case a.Status < 200 || a.Status > 299:
		return false, c.statusError(a)
	}
	return false, nil
}

// neverSent tells whether the entry seq certainly never reached the
// server (see uplink.Ledger); false without a ledger.
func (c *Client) neverSent(seq uint64) (bool, error) {
	if c.o.Twins.Ledger == nil {
		return false, nil
	}
	never, err := c.o.Twins.Ledger.NeverSent(c.o.Twins.Uplink, seq)
	if err != nil {
		return false, &uplink.Error{Class: uplink.Retry, Msg: "read whether the entry was sent", Err: err}
	}
	return never, nil
}

// createdFor returns what the server created for the entry rec retracts,
// as its receipt was kept (see receipt), if it was and fits the entry's
// segments; nil to look the entry up instead (an entry delivered before
// receipts were kept, or without a ledger).
func (c *Client) createdFor(rec record.Record, segments int) (receipt, error) {
	if c.o.Twins.Ledger == nil {
		return nil, nil
	}
	kept, err := c.o.Twins.Ledger.Receipt(c.o.Twins.Uplink, rec.Retracts)
	if err != nil {
		return nil, &uplink.Error{Class: uplink.Retry, Msg: "read what was created for the entry", Err: err}
	}
	r, ok := parseReceipt(kept)
	if !ok || len(r) != segments {
		return nil, nil
	}
	return r, nil
}
