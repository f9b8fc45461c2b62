package blikk

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"stampclock/queue/record"
	"stampclock/uplink"
	"stampclock/uplink/rest"
)

// reportBody is the POST /v1/Core/TimeReports request: the document's
// required fields and the optional ones this client uses.
type reportBody struct {
	Date              string  `json:"date"`
	ClockStart        string  `json:"clockStart,omitempty"`
	ClockEnd          string  `json:"clockEnd,omitempty"`
	Hours             float64 `json:"hours"`
	InvoiceableHours  float64 `json:"invoiceableHours"`
	BreakMinutes      int     `json:"breakMinutes,omitempty"`
	Comment           string  `json:"comment,omitempty"`
	InternalComment   string  `json:"internalComment,omitempty"`
	UserID            int     `json:"userId"`
	ProjectID         int     `json:"projectId,omitempty"`
	InternalProjectID int     `json:"internalProjectId,omitempty"`
	ActivityID        int     `json:"activityId"`
	TimeCodeID        int     `json:"timeCodeId"`
	TimeArticleID     int     `json:"timeArticleId"`
}

// Send delivers rec if it is an entry (record.KindEntry); other kinds are
// not for this API and return nil. A retraction (record.KindRetract,
// shifts across terminals) is skipped with a warning: this uplink does
// not remove entries from its receiver, so the withdrawn entry stays
// there for someone to remove by hand.
//
// The entry becomes one time report per local date (see Split), each
// created with POST /v1/Core/TimeReports. With reconcile set (the previous
// attempt's outcome was unknown), each report is first looked up in the
// user's reports of its date and not created again if the server holds
// more reports with the same date, clockStart and clockEnd (and, for a
// report without a clock, the same hours) than this terminal sent other
// entries with such a report (Options.Twins).
//
// Errors are *uplink.Error (wrapped): Retry when nothing was stored,
// Uncertain when something may have been, Permanent when the server
// rejected the report (its modelState messages are in Msg) or the
// employee has no Blikk user id. Once a report of the entry is on the
// server, a later report's Retry or Uncertain failure is returned as
// Uncertain, so the next attempt reconciles.
func (c *Client) Send(ctx context.Context, rec record.Record, reconcile bool) error {
	if rec.Kind == record.KindRetract {
		uplink.SkipRetraction(c.log, rec)
		return nil
	}
	if rec.Kind != record.KindEntry {
		return nil
	}
	where := fmt.Sprintf("blikk: send seq %d", rec.Seq)
	if err := uplink.CheckEntry(rec); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	permanent := func(msg string) error {
		return fmt.Errorf("%s: %w", where, &uplink.Error{Class: uplink.Permanent, Msg: msg})
	}
	uid, ok := c.UserID(rec.Email)
	if !ok {
		return permanent(fmt.Sprintf("employee %q has no Blikk user id (add it to the uplink's users)", rec.Email))
	}
	reps, err := Split(rec.Start, rec.End, c.o.Location, c.o.BreakRules)
	if err != nil {
		return permanent(err.Error())
	}
	bodies := make([]reportBody, len(reps))
	for i, r := range reps {
		bodies[i] = c.body(uid, r)
	}
	return uplink.Parts{
		N: len(reps), Nouns: "reports", Item: "report", Lookup: "query",
		Where: func(i int) string {
			r := reps[i]
			return fmt.Sprintf("%s report %d/%d (%s %s–%s)", where, i+1, len(reps), r.Date, r.ClockStart, r.ClockEnd)
		},
		Attrs: func(i int) []slog.Attr {
			r := reps[i]
			return []slog.Attr{slog.Uint64("seq", rec.Seq), slog.Int("user_id", uid), slog.Int("report", i+1), slog.Int("reports", len(reps)),
				slog.String("date", r.Date), slog.String("clock_start", r.ClockStart), slog.String("clock_end", r.ClockEnd),
				slog.Float64("hours", bodies[i].Hours)}
		},
		Present: func(ctx context.Context, i int) (bool, error) { return c.present(ctx, rec, uid, reps[i]) },
		Create:  func(ctx context.Context, i int) error { return c.create(ctx, bodies[i]) },
		Created: slog.LevelInfo,
		Log:     c.log,
	}.Send(ctx, reconcile)
}

// body returns the create request for r of user uid.
func (c *Client) body(uid int, r Report) reportBody {
	h := r.Hours()
	if c.o.HoursGross {
		h = float64(Hundredths(r.Elapsed)) / 100
	}
	return reportBody{
		Date:              r.Date + " 00:00:00",
		ClockStart:        r.ClockStart,
		ClockEnd:          r.ClockEnd,
		Hours:             h,
		InvoiceableHours:  h,
		BreakMinutes:      r.BreakMinutes(),
		Comment:           c.o.Comment,
		InternalComment:   c.o.InternalComment,
		UserID:            uid,
		ProjectID:         c.o.ProjectID,
		InternalProjectID: c.o.InternalProjectID,
		ActivityID:        c.o.ActivityID,
		TimeCodeID:        c.o.TimeCodeID,
		TimeArticleID:     c.o.TimeArticleID,
	}
}

// create sends one POST /v1/Core/TimeReports.
func (c *Client) create(ctx context.Context, b reportBody) error {
	a, err := c.call(ctx, rest.Request{Method: http.MethodPost, Path: "/v1/Core/TimeReports", JSON: b})
	if err != nil {
		return err
	}
	if a.Status < 200 || a.Status > 299 {
		return c.statusError(a)
	}
	return nil
}

// present tells whether the report r of rec (user uid) is on the server.
// It counts the identical reports of the date (see ServerReport.Matches):
// two shifts in the repeated hour at the end of summer time carry the same
// clock. The report is there only if the server holds more of them than
// this terminal sent other entries with such a report (Options.Twins).
func (c *Client) present(ctx context.Context, rec record.Record, uid int, r Report) (bool, error) {
	list, err := c.reports(ctx, uid, r.Date, r.Date)
	if err != nil {
		return false, err
	}
	onServer := 0
	gross := r
	gross.Break = 0
	for _, sr := range list {
		// With HoursGross, a report without a clock is found by its gross
		// hours or, if the server deducted the break, its net hours.
		if sr.Matches(uid, r) || c.o.HoursGross && sr.Matches(uid, gross) {
			onServer++
		}
	}
	if onServer == 0 {
		return false, nil
	}
	twins, err := c.o.Twins.Count(rec.Seq, rec.Email,
		rec.Start.Add(-record.MaxEntryLength-twinSlack), rec.End.Add(twinSlack),
		func(o record.Record) bool {
			reps, err := Split(o.Start, o.End, c.o.Location, c.o.BreakRules)
			if err != nil {
				return false
			}
			for _, x := range reps {
				if x.Date == r.Date && x.ClockStart == r.ClockStart && x.ClockEnd == r.ClockEnd &&
					(r.ClockStart != "" || Hundredths(x.Elapsed-x.Break) == Hundredths(r.Elapsed-r.Break)) {
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

// reports lists uid's time reports from date to date (both "2006-01-02",
// inclusive), all pages.
func (c *Client) reports(ctx context.Context, uid int, from, to string) ([]ServerReport, error) {
	q := url.Values{
		"filter.userIds": {strconv.Itoa(uid)},
		"filter.from":    {from},
		"filter.to":      {to},
	}
	var list []ServerReport
	err := c.listAll(ctx, "time reports", "/v1/Core/TimeReports", q, func(b []byte) error {
		items, err := ParseReports(b)
		list = append(list, items...)
		return err
	})
	return list, err
}
