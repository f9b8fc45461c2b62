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
	"time"
)

// DefaultClockodoURL is the clockodo server; "/api/entrygroups" is
// appended.
const DefaultClockodoURL = "https://my.clockodo.com"

// ClockodoOptions configure a Clockodo source. Zero values mean the
// documented default.
type ClockodoOptions struct {
	// BaseURL is the server; default "https://my.clockodo.com".
	BaseURL string
	// APIUser is the login email sent as X-ClockodoApiUser. Required.
	APIUser string
	// APIKey is sent as X-ClockodoApiKey. Required. Never logged.
	APIKey string
	// ExternalApplication is sent as X-Clockodo-External-Application:
	// "<application>;<contact email>", at most 50 characters. Required.
	ExternalApplication string
	// Users maps an employee's email (case-insensitive) to clockodo's
	// users_id.
	Users map[string]int
	// Location is the account's time zone: time_since and time_until are
	// wall-clock times in it. Required.
	Location *time.Location
	// Timeout bounds each request; default 10s.
	Timeout time.Duration
	// HTTPClient sends the requests; default a client with Timeout. It is
	// copied and never follows redirects.
	HTTPClient *http.Client
	// Logger receives the source's logs; default discards.
	Logger *slog.Logger
}

// Clockodo reads day totals from clockodo's entry groups. It is safe for
// concurrent use.
type Clockodo struct {
	o     ClockodoOptions
	g     *getter
	users map[string]int
}

// NewClockodo checks o and returns a source. It does not contact the
// server.
func NewClockodo(o ClockodoOptions) (*Clockodo, error) {
	base, err := parseBase("ClockodoOptions.BaseURL", o.BaseURL, DefaultClockodoURL)
	if err != nil {
		return nil, err
	}
	switch {
	case o.APIUser == "":
		return nil, errors.New("daytotal: ClockodoOptions.APIUser is required")
	case o.APIKey == "":
		return nil, errors.New("daytotal: ClockodoOptions.APIKey is required")
	case !strings.Contains(o.ExternalApplication, ";") || len(o.ExternalApplication) > 50:
		return nil, fmt.Errorf("daytotal: ClockodoOptions.ExternalApplication %q: want \"<application>;<contact email>\", at most 50 characters", o.ExternalApplication)
	case o.Location == nil:
		return nil, errors.New("daytotal: ClockodoOptions.Location is required")
	}
	users := map[string]int{}
	for email, id := range o.Users {
		users[emailKey(email)] = id
	}
	h := http.Header{}
	h.Set("X-ClockodoApiUser", o.APIUser)
	h.Set("X-ClockodoApiKey", o.APIKey)
	h.Set("X-Clockodo-External-Application", o.ExternalApplication)
	g, err := newGetter("clockodo", base, o.HTTPClient, o.Timeout, nil, o.Logger, h)
	if err != nil {
		return nil, err
	}
	return &Clockodo{o: o, users: users, g: g}, nil
}

// clockodoTime is the documented time format of time_since and time_until.
const clockodoTime = "2006-01-02 15:04:05"

// DayTotal returns the duration of email's entries on day: GET
// /api/entrygroups with time_since day 00:00:00 and time_until the next
// day 00:00:00 (wall clock in Location), grouping users_id then day,
// filtered on the user, and only the group of day is read. The document
// gives time_until only as "YYYY-MM-DD HH:MM:SS": taken as an exact end,
// "day 23:59:59" would lose the day's last second (an entry 23:30–00:00
// showing 0:29 h); taken inclusively, the next midnight only adds entries
// starting then, which fall in the next day's group. Which entries
// clockodo counts for a range (an entry across midnight) is clockodo's rule.
func (c *Clockodo) DayTotal(ctx context.Context, email string, day Date) (time.Duration, error) {
	id, ok := c.users[emailKey(email)]
	if !ok {
		return 0, fmt.Errorf("%w (clockodo users_id for %q)", ErrUnknownPerson, email)
	}
	start := day.In(c.o.Location)
	q := url.Values{}
	q.Set("time_since", start.Format(clockodoTime))
	q.Set("time_until", day.AddDays(1).In(c.o.Location).Format(clockodoTime))
	q["grouping[]"] = []string{"users_id", "day"}
	q.Set("filter[users_id]", strconv.Itoa(id))
	groups, err := fetch(ctx, c.g, "/api/entrygroups", q, ParseEntryGroups)
	if err != nil {
		return 0, fmt.Errorf("daytotal: clockodo entry groups of user %d on %s: %w", id, day, err)
	}
	return time.Duration(daySeconds(groups, strconv.Itoa(id), day.String())) * time.Second, nil
}

// EntryGroup is one group of an entrygroups answer.
type EntryGroup struct {
	GroupedBy string       `json:"groupedBy"`
	Group     string       `json:"group"`
	Name      string       `json:"name"`
	Duration  int64        `json:"duration"` // seconds
	SubGroups []EntryGroup `json:"sub_groups"`
}

// ParseEntryGroups parses {"groups": …}: an array of groups or, as the
// document draws it, an object whose values are groups. group may be a
// string or a number; duration must be an integer (seconds).
func ParseEntryGroups(b []byte) ([]EntryGroup, error) {
	var top struct {
		Groups json.RawMessage `json:"groups"`
	}
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("entry groups: want a JSON object: %w", err)
	}
	return parseGroups(top.Groups, 0)
}

func parseGroups(raw json.RawMessage, depth int) ([]EntryGroup, error) {
	if depth > 12 {
		return nil, errors.New("entry groups: nested too deep")
	}
	raw = bytes.TrimSpace(raw)
	var items []json.RawMessage
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return nil, nil
	case raw[0] == '[':
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf("entry groups: %w", err)
		}
	case raw[0] == '{':
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("entry groups: %w", err)
		}
		for _, v := range m {
			items = append(items, v)
		}
	default:
		return nil, errors.New("entry groups: groups is neither an array nor an object")
	}
	out := make([]EntryGroup, 0, len(items))
	for _, it := range items {
		var w struct {
			GroupedBy string          `json:"groupedBy"`
			Group     json.RawMessage `json:"group"`
			Name      string          `json:"name"`
			Duration  *int64          `json:"duration"`
			SubGroups json.RawMessage `json:"sub_groups"`
		}
		if err := json.Unmarshal(it, &w); err != nil {
			return nil, fmt.Errorf("entry group: %w", err)
		}
		if w.Duration == nil {
			return nil, fmt.Errorf("entry group %s %s: no duration", w.GroupedBy, w.Group)
		}
		g := EntryGroup{GroupedBy: w.GroupedBy, Name: w.Name, Duration: *w.Duration}
		if json.Unmarshal(w.Group, &g.Group) != nil {
			g.Group = string(bytes.TrimSpace(w.Group))
		}
		subs, err := parseGroups(w.SubGroups, depth+1)
		if err != nil {
			return nil, err
		}
		g.SubGroups = subs
		out = append(out, g)
	}
	return out, nil
}

// daySeconds sums the durations of the day groups for day below the user's
// group (or at top level when the answer is not grouped by user).
func daySeconds(groups []EntryGroup, user, day string) int64 {
	var sum int64
	for _, g := range groups {
		switch g.GroupedBy {
		case "users_id":
			if g.Group == user {
				sum += daySeconds(g.SubGroups, user, day)
			}
		case "day":
			if strings.HasPrefix(g.Group, day) {
				sum += g.Duration
			}
		}
	}
	return sum
}
