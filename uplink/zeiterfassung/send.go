package zeiterfassung

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"stampclock/queue/record"
	"stampclock/uplink"
	"stampclock/uplink/rest"
)

// entryBody is the createtimeentry request.
type entryBody struct {
	StartTime  string `json:"starttime"`
	EndTime    string `json:"endtime"`
	UserEmail  string `json:"useremail"`
	TimeTypeID string `json:"timetypeid"`
	ProjectID  string `json:"projectid,omitempty"`
	Comment    string `json:"comment,omitempty"`
}

// Send delivers rec if it is an entry (record.KindEntry) and removes the
// entry a retraction (record.KindRetract) withdraws (see retract); other
// kinds are not for this API and return nil.
//
// The entry is split at the time zone's offset changes (see Segments) and
// each segment is created with its own createtimeentry; a segment that
// starts and ends in the same minute (seconds beside an offset change) is
// left out. With reconcile set
// (the previous attempt's outcome was unknown), each segment is first
// looked up with the timeentries query and not created again if the
// server holds more identical entries (useremail, starttime, endtime,
// timetypeid and, if configured, projectid) than this terminal sent other
// entries with such a segment (Options.Twins).
//
// Errors are *uplink.Error (wrapped): Retry when nothing was stored,
// Uncertain when something may have been, Permanent when the server
// rejected the entry. Once a segment is on the server, a later segment's
// Retry or Uncertain failure is returned as Uncertain, so the next attempt
// reconciles; a Permanent failure stays Permanent and its message says how
// many segments were delivered. A reconcile query that fails is returned
// as Uncertain (or Permanent if the server rejected the query with a 4xx)
// and nothing is created.
func (c *Client) Send(ctx context.Context, rec record.Record, reconcile bool) error {
	if rec.Kind == record.KindRetract {
		return c.retract(ctx, rec)
	}
	if rec.Kind != record.KindEntry {
		return nil
	}
	if err := uplink.CheckEntry(rec); err != nil {
		return fmt.Errorf("zeiterfassung: send seq %d: %w", rec.Seq, err)
	}
	segs := Segments(rec.Start, rec.End, c.o.Location)
	// A site entry may be retracted later: what the server created for
	// it is kept (receipt), so the retraction deletes exactly that.
	var made receipt
	if rec.SiteEntry != "" {
		made = make(receipt, len(segs))
	}
	bodies := make([]entryBody, len(segs))
	for i, seg := range segs {
		start, end := seg.Wall()
		bodies[i] = entryBody{
			StartTime:  start,
			EndTime:    end,
			UserEmail:  rec.Email,
			TimeTypeID: c.o.TimeTypeID,
			ProjectID:  c.o.ProjectID,
			Comment:    c.o.Comment,
		}
	}
	err := uplink.Parts{
		N: len(segs), Nouns: "segments", Item: "entry", Lookup: "query",
		Where: func(i int) string {
			return fmt.Sprintf("zeiterfassung: send seq %d segment %d/%d", rec.Seq, i+1, len(segs))
		},
		Attrs: func(i int) []slog.Attr {
			return []slog.Attr{slog.Uint64("seq", rec.Seq), slog.Int("segment", i+1), slog.Int("segments", len(segs)),
				slog.String("start", bodies[i].StartTime), slog.String("end", bodies[i].EndTime)}
		},
		// Less than a minute on one side of an offset change: on the
		// minute clock it holds no time, and an entry that ends when it
		// starts may be refused.
		Skip: func(i int) bool {
			if len(segs) == 1 || bodies[i].StartTime != bodies[i].EndTime {
				return false
			}
			if made != nil {
				made[i] = []string{}
			}
			return true
		},
		Present: func(ctx context.Context, i int) (bool, error) { return c.present(ctx, rec, segs[i], bodies[i]) },
		Create: func(ctx context.Context, i int) error {
			ids, err := c.create(ctx, bodies[i], made != nil)
			if err == nil && made != nil {
				made[i] = ids // nil (not known) if the answer named none
			}
			return err
		},
		// At info, SendBatch says what a batch created.
		Created: slog.LevelDebug,
		Log:     c.log,
	}.Send(ctx, reconcile)
	if err != nil {
		return err
	}
	if made != nil {
		c.keepReceipt(rec.Seq, made)
	}
	return nil
}

// create sends one createtimeentry and, with wantIDs (or at debug level),
// returns the ids the answer names.
func (c *Client) create(ctx context.Context, e entryBody, wantIDs bool) ([]string, error) {
	a, err := c.call(ctx, rest.Request{Method: http.MethodPost, Path: "/api/time-v2.1/createtimeentry", JSON: e}, true)
	if err != nil {
		return nil, err
	}
	if a.Status < 200 || a.Status > 299 {
		return nil, c.statusError(a)
	}
	// Parsing the answer costs more than the rest of a create: only when
	// it is used.
	debug := c.log.Enabled(ctx, slog.LevelDebug)
	if !wantIDs && !debug {
		return nil, nil
	}
	ids := parseIDs(a.Body)
	if debug {
		c.log.Debug("created", "ids", ids)
	}
	return ids, nil
}

// present tells whether the segment seg of rec, sent as e, is on the
// server. It queries the minute before to the minute after the segment's
// start and counts the identical entries (useremail, starttime, endtime,
// timetypeid and, if configured, projectid): the API keeps no offset, so
// two shifts in the repeated hour at the end of summer time look the
// same. The segment is there only if the server holds more of them than
// this terminal sent other entries with such a segment (Options.Twins).
func (c *Client) present(ctx context.Context, rec record.Record, seg Segment, e entryBody) (bool, error) {
	t := seg.Start.Truncate(time.Minute)
	from := t.Add(-time.Minute).Format(TimeLayout)
	to := t.Add(time.Minute).Format(TimeLayout)
	list, err := c.entries(ctx, e.UserEmail, from, to)
	if err != nil {
		return false, err
	}
	onServer := 0
	for _, se := range list {
		if strings.EqualFold(se.UserEmail, e.UserEmail) &&
			sameTime(se.StartTime, e.StartTime) && sameTime(se.EndTime, e.EndTime) &&
			se.TimeTypeID == e.TimeTypeID &&
			(e.ProjectID == "" || se.ProjectID == e.ProjectID) {
			onServer++
		}
	}
	if onServer == 0 {
		return false, nil
	}
	// The same wall clock can be up to a day's offset change away in real
	// time; an entry holding the segment starts at most MaxEntryLength
	// before it.
	wantStart, wantEnd := seg.Wall()
	twins, err := c.o.Twins.Count(rec.Seq, rec.Email,
		seg.Start.Add(-record.MaxEntryLength-twinSlack), seg.Start.Add(twinSlack),
		func(r record.Record) bool {
			for _, s := range Segments(r.Start, r.End, c.o.Location) {
				if a, b := s.Wall(); a == wantStart && b == wantEnd {
					return true
				}
			}
			return false
		})
	if err != nil {
		return false, err
	}
	return onServer > twins, nil
}

// twinSlack widens the search for local twins beyond any UTC offset change.
const twinSlack = 26 * time.Hour

// serverLayouts are the time formats accepted in query answers.
var serverLayouts = []string{
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
}

// sameTime compares a server's wall-clock time with ours (TimeLayout),
// liberal in the server's format.
func sameTime(server, ours string) bool {
	if server == ours {
		return true
	}
	server = strings.TrimSpace(server)
	for _, l := range serverLayouts {
		if t, err := time.Parse(l, server); err == nil {
			return t.Truncate(time.Minute).Format(TimeLayout) == ours
		}
	}
	return false
}
