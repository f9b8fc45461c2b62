package blikk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"stampclock/uplink/rest"
)

// Sentinel errors of CheckIDs.
var (
	ErrUnknownID = errors.New("blikk: no such id")
	ErrInactive  = errors.New("blikk: id is not active")
)

// pageSize is the page size of list calls: the document's maximum.
const pageSize = 100

// maxPages bounds a list walk (100 000 items).
const maxPages = 1000

// Page is the document's "generic.pagedlist".
type Page struct {
	Page           int               `json:"page"`
	PageSize       int               `json:"pageSize"`
	ItemCount      int               `json:"itemCount"`
	TotalItemCount int               `json:"totalItemCount"`
	TotalPages     int               `json:"totalPages"`
	Items          []json.RawMessage `json:"items"`
}

// ParsePage parses a list answer.
func ParsePage(b []byte) (Page, error) {
	var p Page
	if err := json.Unmarshal(b, &p); err != nil {
		return Page{}, fmt.Errorf("list answer: %w", err)
	}
	return p, nil
}

// NameID is the document's "generic.name_id".
type NameID struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// ServerReport is a time report as GET /v1/Core/TimeReports lists it
// (the fields this package uses). Null strings are "".
type ServerReport struct {
	ID               int     `json:"id"`
	Date             string  `json:"date"`
	ClockStart       string  `json:"clockStart"`
	ClockEnd         string  `json:"clockEnd"`
	Hours            float64 `json:"hours"`
	InvoiceableHours float64 `json:"invoiceableHours"`
	BreakMinutes     *int    `json:"breakMinutes"`
	Comment          string  `json:"comment"`
	User             NameID  `json:"user"`
	Project          *NameID `json:"project"`
	InternalProject  *NameID `json:"internalProject"`
	Activity         *NameID `json:"activity"`
	TimeCode         *NameID `json:"timeCode"`
	TimeArticle      *NameID `json:"timeArticle"`
}

// Matches tells whether sr is the report r of user uid: same user, date,
// clockStart and clockEnd, and, for a report without a clock, the same
// hours. It is liberal in the server's formats ("2021-08-30" or with a
// time; "10:00" or "10:00:00").
func (sr ServerReport) Matches(uid int, r Report) bool {
	if sr.User.ID != uid || day(sr.Date) != r.Date ||
		clock(sr.ClockStart) != r.ClockStart || clock(sr.ClockEnd) != r.ClockEnd {
		return false
	}
	if r.ClockStart == "" {
		return int64(math.Round(sr.Hours*100)) == Hundredths(r.Elapsed-r.Break)
	}
	return true
}

// day returns the date part of a server date, or s unchanged.
func day(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 10 {
		if _, err := time.Parse(DayLayout, s[:10]); err == nil {
			return s[:10]
		}
	}
	return s
}

// clock returns "hh:mm" of a server clock ("10:00", "10:00:00", "9:05"),
// or s unchanged.
func clock(s string) string {
	s = strings.TrimSpace(s)
	for _, l := range []string{"15:04", "15:04:05", "3:04"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.Format(ClockLayout)
		}
	}
	return s
}

// ParseReports parses a list answer of time reports; it returns the page's
// reports.
func ParseReports(b []byte) ([]ServerReport, error) {
	p, err := ParsePage(b)
	if err != nil {
		return nil, err
	}
	list := make([]ServerReport, 0, len(p.Items))
	for i, raw := range p.Items {
		var r ServerReport
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("time report %d: %w", i, err)
		}
		list = append(list, r)
	}
	return list, nil
}

// get performs an authenticated GET and returns the 2xx body or a
// classified error.
func (c *Client) get(ctx context.Context, what, path string, q url.Values) ([]byte, error) {
	a, err := c.call(ctx, rest.Request{Method: http.MethodGet, Path: path, Query: q})
	if err != nil {
		return nil, fmt.Errorf("blikk: %s: %w", what, err)
	}
	if a.Status < 200 || a.Status > 299 {
		return nil, fmt.Errorf("blikk: %s: %w", what, c.statusError(a))
	}
	return a.Body, nil
}

// listAll walks every page of a list endpoint, handing each answer to fn.
func (c *Client) listAll(ctx context.Context, what, path string, q url.Values, fn func([]byte) error) error {
	if q == nil {
		q = url.Values{}
	}
	q.Set("pageSize", strconv.Itoa(pageSize))
	for page := 1; page <= maxPages; page++ {
		q.Set("page", strconv.Itoa(page))
		b, err := c.get(ctx, what, path, q)
		if err != nil {
			return err
		}
		p, err := ParsePage(b)
		if err == nil {
			err = fn(b)
		}
		if err != nil {
			return fmt.Errorf("blikk: %s page %d: %w", what, page, err)
		}
		if len(p.Items) == 0 || page >= p.TotalPages {
			return nil
		}
	}
	return fmt.Errorf("blikk: %s: more than %d pages", what, maxPages)
}

// TimeReports returns the time reports of the employee with email from
// date from to date to (local dates, inclusive).
func (c *Client) TimeReports(ctx context.Context, email string, from, to time.Time) ([]ServerReport, error) {
	uid, ok := c.UserID(email)
	if !ok {
		return nil, fmt.Errorf("blikk: time reports: employee %q has no Blikk user id", email)
	}
	return c.reports(ctx, uid, from.In(c.o.Location).Format(DayLayout), to.In(c.o.Location).Format(DayLayout))
}

// User is a user as GET /v1/Admin/Users lists it (the list has no email).
type User struct {
	ID        int    `json:"id"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	StartDate string `json:"startDate"`
	EndDate   string `json:"endDate"`
	License   string `json:"license"`
}

// Users returns all users (GET /v1/Admin/Users, every page).
func (c *Client) Users(ctx context.Context) ([]User, error) {
	var users []User
	err := c.listAll(ctx, "users", "/v1/Admin/Users", nil, func(b []byte) error {
		return appendItems(b, &users)
	})
	return users, err
}

// Item is an entry of a registry (activities, time codes, time articles,
// internal projects).
type Item struct {
	ID       int    `json:"id"`
	Name     string `json:"name"`
	IsActive bool   `json:"isActive"`
}

// Registry paths for Items.
const (
	PathActivities       = "/v1/Admin/Activities"
	PathTimeCodes        = "/v1/Admin/TimeCodes"
	PathTimeArticles     = "/v1/Admin/TimeArticles"
	PathInternalProjects = "/v1/Admin/InternalProjects"
	PathProjects         = "/v1/Core/Projects"
)

// Items returns every entry of the registry at path (one of the Path
// constants).
func (c *Client) Items(ctx context.Context, path string) ([]Item, error) {
	var items []Item
	err := c.listAll(ctx, strings.TrimPrefix(path, "/v1/"), path, nil, func(b []byte) error {
		return appendItems(b, &items)
	})
	return items, err
}

// appendItems decodes the items of list answer b onto list.
func appendItems[T any](b []byte, list *[]T) error {
	p, err := ParsePage(b)
	if err != nil {
		return err
	}
	for i, raw := range p.Items {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("item %d: %w", i, err)
		}
		*list = append(*list, v)
	}
	return nil
}

// CheckIDs verifies that the configured ids exist: activity, time code and
// time article (and that they are active), the project and internal
// project if set (projects: existence only), and every user id. It
// returns nil, the first failed query, or the joined list of problems,
// each wrapping ErrUnknownID or ErrInactive and naming the option and id.
func (c *Client) CheckIDs(ctx context.Context) error {
	type check struct {
		option string
		id     int
		path   string
		active bool // the registry has isActive
	}
	checks := []check{
		{"ActivityID", c.o.ActivityID, PathActivities, true},
		{"TimeCodeID", c.o.TimeCodeID, PathTimeCodes, true},
		{"TimeArticleID", c.o.TimeArticleID, PathTimeArticles, true},
	}
	if c.o.InternalProjectID != 0 {
		checks = append(checks, check{"InternalProjectID", c.o.InternalProjectID, PathInternalProjects, true})
	}
	if c.o.ProjectID != 0 {
		checks = append(checks, check{"ProjectID", c.o.ProjectID, PathProjects, false})
	}
	var problems []error
	for _, ch := range checks {
		items, err := c.Items(ctx, ch.path)
		if err != nil {
			return err
		}
		found := false
		for _, it := range items {
			if it.ID != ch.id {
				continue
			}
			found = true
			if ch.active && !it.IsActive {
				problems = append(problems, fmt.Errorf("%s %d (%s): %w", ch.option, ch.id, it.Name, ErrInactive))
			}
		}
		if !found {
			problems = append(problems, fmt.Errorf("%s %d: %w in %s", ch.option, ch.id, ErrUnknownID, ch.path))
		}
	}
	users, err := c.Users(ctx)
	if err != nil {
		return err
	}
	known := map[int]bool{}
	for _, u := range users {
		known[u.ID] = true
	}
	for _, email := range slices.Sorted(maps.Keys(c.users)) {
		if id := c.users[email]; !known[id] {
			problems = append(problems, fmt.Errorf("users[%q] %d: %w in /v1/Admin/Users", email, id, ErrUnknownID))
		}
	}
	return errors.Join(problems...)
}
