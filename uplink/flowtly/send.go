package flowtly

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"stampclock/queue/record"
	"stampclock/uplink"
)

// collectionPath is the work-time collection below BaseURL.
const collectionPath = "/employee_working_hours"

// Day is the part of an entry on one local calendar day.
type Day struct {
	// Date is the local calendar day at midnight in the Location.
	Date time.Time
	// Start and End bound the part (End exclusive), whole seconds.
	Start, End time.Time
}

// Seconds is the part's length in whole seconds.
func (d Day) Seconds() int64 { return int64(d.End.Sub(d.Start) / time.Second) }

// DateString is the day as sent in "date": the local calendar date at
// midnight written with offset +00:00, as in the snapshot's example
// ("2024-07-04T00:00:00+00:00"). The date, not the instant, is what counts:
// writing the local offset would let a server working in UTC book the
// record on the day before.
func (d Day) DateString() string { return d.Date.Format("2006-01-02") + "T00:00:00+00:00" }

// date is the day as sent in "date": DateString, or with
// Options.LocalMidnight the local midnight with its offset.
func (c *Client) date(d Day) string {
	if c.o.LocalMidnight {
		return d.Date.Format(time.RFC3339)
	}
	return d.DateString()
}

// SplitDays cuts [start, end) at local midnights in loc. start and end are
// first truncated to whole seconds; parts of zero length are dropped, so an
// entry ending exactly at midnight gives one part, and an entry shorter
// than a second none. The parts' seconds add up to the entry's.
func SplitDays(start, end time.Time, loc *time.Location) []Day {
	start, end = start.Truncate(time.Second), end.Truncate(time.Second)
	var days []Day
	for cur := start; cur.Before(end); {
		y, m, d := cur.In(loc).Date()
		next := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
		partEnd := end
		if next.Before(end) {
			partEnd = next
		}
		days = append(days, Day{Date: time.Date(y, m, d, 0, 0, 0, 0, loc), Start: cur, End: partEnd})
		cur = partEnd
	}
	return days
}

// workTimeBody is the POST /employee_working_hours request.
type workTimeBody struct {
	Employee    string  `json:"employee"`
	Project     string  `json:"project"`
	Date        string  `json:"date"`
	Seconds     int64   `json:"seconds"`
	Description *string `json:"description"`
}

// description renders the template for one day of rec.
func (c *Client) description(rec record.Record, d Day) *string {
	if c.o.Description == DescriptionNone {
		return nil
	}
	end := d.End.In(c.o.Location).Format("15:04")
	if !d.End.Before(d.Date.AddDate(0, 0, 1)) {
		end = "24:00"
	}
	s := strings.NewReplacer(
		"{date}", d.Date.Format("2006-01-02"),
		"{start}", d.Start.In(c.o.Location).Format("15:04"),
		"{end}", end,
		"{email}", rec.Email,
		"{seq}", strconv.FormatUint(rec.Seq, 10),
	).Replace(c.o.Description)
	return &s
}

// Send delivers rec if it is an entry (record.KindEntry); other kinds are
// not for this API and return nil. A retraction (record.KindRetract,
// shifts across terminals) is skipped with a warning: this uplink does
// not remove entries from its receiver, so the withdrawn entry stays
// there for someone to remove by hand.
//
// The entry is split at local midnights (SplitDays) and each day is
// created as its own WorkTime. With reconcile set, each day is first looked
// up in the list and not created again when the server holds more
// identical records (employee, project, date, seconds, description;
// soft-deleted records do not count) than this terminal sent other entries
// with such a day (Options.Twins). An entry shorter than a second sends
// nothing.
//
// Errors are *uplink.Error (wrapped). Once a day is on the server, a later
// day's Retry or Uncertain failure is returned as Uncertain, so the next
// attempt reconciles; a Permanent failure stays Permanent and its message
// says how many days were delivered. A reconcile list that fails is
// returned as Uncertain (Permanent if the server rejected the query with a
// 4xx other than 401, 403, 408 and 429) and nothing is created.
func (c *Client) Send(ctx context.Context, rec record.Record, reconcile bool) error {
	if rec.Kind == record.KindRetract {
		uplink.SkipRetraction(c.log, rec)
		return nil
	}
	if rec.Kind != record.KindEntry {
		return nil
	}
	where := fmt.Sprintf("flowtly: send seq %d", rec.Seq)
	if err := uplink.CheckEntry(rec); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	employee, ok := c.EmployeeIRI(rec.Email)
	if !ok {
		return fmt.Errorf("%s: %w", where, &uplink.Error{Class: uplink.Permanent,
			Msg: fmt.Sprintf("no Flowtly employee configured for %q", rec.Email)})
	}
	days := SplitDays(rec.Start, rec.End, c.o.Location)
	if len(days) == 0 {
		c.log.Info("entry shorter than a second, nothing to send", "seq", rec.Seq)
		return nil
	}
	bodies := make([]workTimeBody, len(days))
	for i, d := range days {
		bodies[i] = workTimeBody{
			Employee:    employee,
			Project:     c.project,
			Date:        c.date(d),
			Seconds:     d.Seconds(),
			Description: c.description(rec, d),
		}
	}
	return uplink.Parts{
		N: len(days), Nouns: "days", Item: "record", Lookup: "list",
		Where: func(i int) string {
			return fmt.Sprintf("%s day %s (%d/%d)", where, days[i].Date.Format("2006-01-02"), i+1, len(days))
		},
		Attrs: func(i int) []slog.Attr {
			return []slog.Attr{slog.Uint64("seq", rec.Seq), slog.String("day", days[i].Date.Format("2006-01-02")),
				slog.Int("part", i+1), slog.Int("parts", len(days)), slog.Int64("seconds", bodies[i].Seconds)}
		},
		Present: func(ctx context.Context, i int) (bool, error) { return c.present(ctx, rec, days[i], bodies[i]) },
		Create:  func(ctx context.Context, i int) error { return c.create(ctx, bodies[i]) },
		Created: slog.LevelInfo,
		Log:     c.log,
	}.Send(ctx, reconcile)
}

// create sends one POST /employee_working_hours.
func (c *Client) create(ctx context.Context, body workTimeBody) error {
	a, err := c.do(ctx, http.MethodPost, c.endpoint(collectionPath, nil), body)
	if err != nil {
		return err
	}
	if a.Status < 200 || a.Status > 299 {
		return c.statusError(a)
	}
	return nil
}

// present tells whether the day d of rec, sent as body, is on the server.
// It lists the employee's records from the day before to the day after d
// (a server in another zone may file the date next to ours), compares them
// here, so it does not depend on the server applying every filter, and
// counts the identical ones (employee, project, date, seconds,
// description; soft-deleted records do not count). The day is there only
// if the server holds more of them than this terminal sent other entries
// with such a day (Options.Twins): two equally long shifts of a day whose
// descriptions are equal (no {seq}, or {start} in the repeated hour at the
// end of summer time) are two records.
func (c *Client) present(ctx context.Context, rec record.Record, d Day, body workTimeBody) (bool, error) {
	q := url.Values{}
	q.Set("employee", body.Employee)
	q.Set("date[after]", d.Date.AddDate(0, 0, -1).Format("2006-01-02"))
	q.Set("date[before]", d.Date.AddDate(0, 0, 1).Format("2006-01-02"))
	want := ""
	if body.Description != nil {
		want = *body.Description
	}
	onServer := 0
	err := c.List(ctx, q, func(w WorkTime) bool {
		if !w.Deleted && w.Employee == body.Employee && w.Project == body.Project &&
			w.Seconds == body.Seconds && w.Description == want && sameDate(w.Date, body.Date) {
			onServer++
		}
		return true
	})
	if err != nil || onServer == 0 {
		return false, err
	}
	twins, err := c.o.Twins.Count(rec.Seq, rec.Email,
		d.Start.Add(-record.MaxEntryLength-twinSlack), d.End.Add(twinSlack),
		func(o record.Record) bool {
			for _, od := range SplitDays(o.Start, o.End, c.o.Location) {
				desc := ""
				if p := c.description(o, od); p != nil {
					desc = *p
				}
				if c.date(od) == body.Date && od.Seconds() == body.Seconds && desc == want {
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

// List reads GET /employee_working_hours with query q, following the
// collection's next links (same host only) for at most Options.MaxPages
// pages, and calls yield for every record until it returns false. Errors
// are *uplink.Error (wrapped).
func (c *Client) List(ctx context.Context, q url.Values, yield func(WorkTime) bool) error {
	u := c.endpoint(collectionPath, q)
	for page := 1; ; page++ {
		if page > c.o.MaxPages {
			return &uplink.Error{Class: uplink.Uncertain,
				Msg: fmt.Sprintf("list longer than %d pages (does the server ignore the filters?)", c.o.MaxPages)}
		}
		a, err := c.do(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		if a.Status != http.StatusOK {
			return c.statusError(a)
		}
		items, next, err := ParseList(a.Body)
		if err != nil {
			return &uplink.Error{Class: uplink.Uncertain, Status: a.Status, Msg: "unusable list answer", Err: err}
		}
		for _, w := range items {
			if !yield(w) {
				return nil
			}
		}
		if next == "" {
			return nil
		}
		nu, err := u.Parse(next)
		if err != nil || nu.Scheme != u.Scheme || nu.Host != u.Host {
			return &uplink.Error{Class: uplink.Uncertain, Status: a.Status, Msg: fmt.Sprintf("unusable next page link %q", next)}
		}
		if nu.String() == u.String() {
			return &uplink.Error{Class: uplink.Uncertain, Status: a.Status, Msg: "next page link points to the same page"}
		}
		u = nu
	}
}
