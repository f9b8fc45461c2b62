package daytotal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"stampclock/uplink"
)

// Defaults for zero TimesheetsOptions fields.
const (
	DefaultTimesheetsURL = "https://api.r-service.tech/v1"
	DefaultLockTTL       = 5 * time.Minute
)

// TimesheetsOptions configure a Timesheets source. Zero values mean the
// documented default.
type TimesheetsOptions struct {
	// BaseURL is the API root including the version; "/timesheets/…" is
	// appended. Default "https://api.r-service.tech/v1".
	BaseURL string
	// Token is the OAuth token sent as "Authorization: Bearer <token>".
	// Required. Never logged.
	Token string
	// Account is sent in the "account" header (e.g. "pro-product").
	// Required.
	Account string
	// OrganizationID, if set, is sent as organization_id, restricting
	// totals and locks to that organization.
	OrganizationID string
	// People maps an employee's email (case-insensitive) to the person_id.
	People map[string]string
	// Location is the company's time zone; Locks and callers use it to
	// turn instants into days. Required.
	Location *time.Location
	// LockTTL is how long a month's locked days are cached; default 5m.
	LockTTL time.Duration
	// Timeout bounds each request; default 10s.
	Timeout time.Duration
	// HTTPClient sends the requests; default a client with Timeout. It is
	// copied and never follows redirects.
	HTTPClient *http.Client
	// Logger receives the source's logs; default discards.
	Logger *slog.Logger
	// Now is the clock for the cache; default time.Now.
	Now func() time.Time
}

// Timesheets reads day totals and locked days from the timesheets API. It
// is safe for concurrent use.
type Timesheets struct {
	o      TimesheetsOptions
	g      *getter
	people map[string]string

	mu    sync.Mutex
	cache map[monthKey]cachedMonth
}

// monthKey names a person's month in the cache.
type monthKey struct {
	person string
	year   int
	month  time.Month
}

// cachedMonth is a month's locked days and when they were fetched.
type cachedMonth struct {
	locked  []bool // index day-1
	fetched time.Time
}

// NewTimesheets checks o and returns a source. It does not contact the
// server.
func NewTimesheets(o TimesheetsOptions) (*Timesheets, error) {
	base, err := parseBase("TimesheetsOptions.BaseURL", o.BaseURL, DefaultTimesheetsURL)
	if err != nil {
		return nil, err
	}
	switch {
	case o.Token == "":
		return nil, errors.New("daytotal: TimesheetsOptions.Token is required")
	case o.Account == "":
		return nil, errors.New("daytotal: TimesheetsOptions.Account is required")
	case o.Location == nil:
		return nil, errors.New("daytotal: TimesheetsOptions.Location is required")
	}
	if o.LockTTL <= 0 {
		o.LockTTL = DefaultLockTTL
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	people := map[string]string{}
	for email, id := range o.People {
		if _, err := strconv.ParseUint(id, 10, 64); err != nil {
			return nil, fmt.Errorf("daytotal: TimesheetsOptions.People[%q] = %q: want a numeric person id", email, id)
		}
		people[emailKey(email)] = id
	}
	h := http.Header{}
	h.Set("Authorization", "Bearer "+o.Token)
	h.Set("account", o.Account)
	g, err := newGetter("timesheets", base, o.HTTPClient, o.Timeout, o.Now, o.Logger, h)
	if err != nil {
		return nil, err
	}
	return &Timesheets{o: o, people: people, cache: map[monthKey]cachedMonth{}, g: g}, nil
}

// person returns the person_id of email.
func (t *Timesheets) person(email string) (string, error) {
	id, ok := t.people[emailKey(email)]
	if !ok {
		return "", fmt.Errorf("%w (timesheets person_id for %q)", ErrUnknownPerson, email)
	}
	return id, nil
}

// query returns the common parameters for person.
func (t *Timesheets) query(person string) url.Values {
	q := url.Values{}
	if t.o.OrganizationID != "" {
		q.Set("organization_id", t.o.OrganizationID)
	}
	q.Set("person_id", person)
	return q
}

// DayTotal returns the time email spent on day as the API reports it
// (GET /timesheets/day_totals?person_id=…&date=…; minutes).
func (t *Timesheets) DayTotal(ctx context.Context, email string, day Date) (time.Duration, error) {
	person, err := t.person(email)
	if err != nil {
		return 0, err
	}
	q := t.query(person)
	q.Set("date", day.String())
	totals, err := fetch(ctx, t.g, "/timesheets/day_totals", q, ParseDayTotals)
	if err != nil {
		return 0, fmt.Errorf("daytotal: timesheets day total of person %s on %s: %w", person, day, err)
	}
	return totals[day.String()], nil
}

// ParseDayTotals parses a day_totals answer: an object from "yyyy-mm-dd"
// to minutes, as a string ("480", as documented) or a number. Keys that
// are not dates (the documentation's "...") are ignored.
func ParseDayTotals(b []byte) (map[string]time.Duration, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("day totals: want a JSON object: %w", err)
	}
	out := make(map[string]time.Duration, len(raw))
	for k, v := range raw {
		if _, err := time.Parse(time.DateOnly, k); err != nil {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			s = string(bytes.TrimSpace(v))
		}
		n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || n < 0 || n > 60*24*31 {
			return nil, fmt.Errorf("day totals: %s: %q is not a number of minutes", k, s)
		}
		out[k] = time.Duration(n * float64(time.Minute)).Round(time.Second)
	}
	return out, nil
}

// LockedDays returns the days from from to to (inclusive) locked for
// email, from each month's timesheet (GET /timesheets?person_id=…&
// month_of=…, field locked_days). A month is cached for LockTTL; a failed
// fetch is not cached.
func (t *Timesheets) LockedDays(ctx context.Context, email string, from, to Date) ([]Date, error) {
	person, err := t.person(email)
	if err != nil {
		return nil, err
	}
	var out []Date
	for m := (Date{from.Year, from.Month, 1}); !to.Before(m); m = (Date{m.Year, m.Month + 1, 1}).AddDays(0) {
		locked, err := t.month(ctx, person, m.Year, m.Month)
		if err != nil {
			return nil, err
		}
		for i, l := range locked {
			d := Date{m.Year, m.Month, i + 1}
			if l && !d.Before(from) && !to.Before(d) {
				out = append(out, d)
			}
		}
	}
	return out, nil
}

// month returns a person's locked days of a month, from the cache if fresh.
func (t *Timesheets) month(ctx context.Context, person string, year int, month time.Month) ([]bool, error) {
	k := monthKey{person, year, month}
	now := t.o.Now()
	t.mu.Lock()
	c, ok := t.cache[k]
	t.mu.Unlock()
	if ok && now.Sub(c.fetched) < t.o.LockTTL && now.Sub(c.fetched) >= 0 {
		return c.locked, nil
	}
	q := t.query(person)
	q.Set("month_of", Date{year, month, 1}.String())
	b, err := t.g.get(ctx, "/timesheets", q)
	if err != nil {
		return nil, fmt.Errorf("daytotal: timesheet of person %s for %04d-%02d: %w", person, year, month, err)
	}
	locked, err := ParseLockedDays(b, daysIn(year, month))
	if err != nil {
		return nil, fmt.Errorf("daytotal: timesheet of person %s for %04d-%02d: %w",
			person, year, month, &uplink.Error{Class: uplink.Retry, Status: http.StatusOK, Msg: "unusable answer", Err: err})
	}
	t.mu.Lock()
	t.cache[k] = cachedMonth{locked: locked, fetched: now}
	t.mu.Unlock()
	return locked, nil
}

// Forget empties the locked-days cache, e.g. after a technician unlocked
// a day.
func (t *Timesheets) Forget() {
	t.mu.Lock()
	defer t.mu.Unlock()
	clear(t.cache)
}

// ParseLockedDays parses a timesheet answer (an object, or an array when a
// person has several timesheets in the month) and returns for each of the
// month's days whether it is locked. locked_days must have exactly days
// characters '0' or '1'; a day locked in any of several timesheets counts
// as locked. An object with "locked": true locks every day.
func ParseLockedDays(b []byte, days int) ([]bool, error) {
	type sheet struct {
		Locked     *bool   `json:"locked"`
		LockedDays *string `json:"locked_days"`
	}
	var sheets []sheet
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		if err := json.Unmarshal(b, &sheets); err != nil {
			return nil, fmt.Errorf("timesheets: bad JSON array: %w", err)
		}
	} else {
		var s sheet
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("timesheet: bad JSON object: %w", err)
		}
		sheets = []sheet{s}
	}
	out := make([]bool, days)
	for i, s := range sheets {
		if s.LockedDays == nil {
			if s.Locked != nil && *s.Locked {
				for d := range out {
					out[d] = true
				}
				continue
			}
			return nil, fmt.Errorf("timesheet %d: no locked_days", i)
		}
		ld := *s.LockedDays
		if len(ld) != days {
			return nil, fmt.Errorf("timesheet %d: locked_days has %d days, the month %d", i, len(ld), days)
		}
		for d := 0; d < days; d++ {
			switch ld[d] {
			case '1':
				out[d] = true
			case '0':
			default:
				return nil, fmt.Errorf("timesheet %d: locked_days %q: want only 0 and 1", i, ld)
			}
		}
	}
	return out, nil
}
