package zeiterfassung

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"stampclock/uplink/rest"
)

// IDName is a time type or a project as the server lists it.
type IDName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ServerEntry is a time entry as the server reports it. Times are the
// server's wall-clock strings, as received.
type ServerEntry struct {
	ID         string `json:"id"`
	StartTime  string `json:"starttime"`
	EndTime    string `json:"endtime"`
	UserEmail  string `json:"useremail"`
	TimeTypeID string `json:"timetypeid"`
	ProjectID  string `json:"projectid,omitempty"`
	Comment    string `json:"comment,omitempty"`
}

// get performs an authenticated GET and returns the 2xx body, or a
// classified error.
func (c *Client) get(ctx context.Context, what, path string, q url.Values, auth bool) ([]byte, error) {
	a, err := c.call(ctx, rest.Request{Method: http.MethodGet, Path: path, Query: q}, auth)
	if err != nil {
		return nil, fmt.Errorf("zeiterfassung: %s: %w", what, err)
	}
	if a.Status < 200 || a.Status > 299 {
		return nil, fmt.Errorf("zeiterfassung: %s: %w", what, c.statusError(a))
	}
	return a.Body, nil
}

// Hello calls GET /api/hello/sayhello: is the server reachable?
func (c *Client) Hello(ctx context.Context) error {
	_, err := c.get(ctx, "hello", "/api/hello/sayhello", nil, false)
	return err
}

// SecuredHello logs in if needed and calls GET /api/hello/securedSayhello:
// are the credentials and the auth header accepted?
func (c *Client) SecuredHello(ctx context.Context) error {
	_, err := c.get(ctx, "secured hello", "/api/hello/securedSayhello", nil, true)
	return err
}

// Users returns the login emails of all users (GET /api/time-v2.1/users).
// It accepts [{"loginemail": "x"}, ...] and ["x", ...].
func (c *Client) Users(ctx context.Context) ([]string, error) {
	b, err := c.get(ctx, "users", "/api/time-v2.1/users", nil, true)
	if err != nil {
		return nil, err
	}
	users, err := ParseUsers(b)
	if err != nil {
		return nil, fmt.Errorf("zeiterfassung: users: %w", err)
	}
	return users, nil
}

// TimeTypes returns the time types (GET /api/time-v2.1/timetypes).
func (c *Client) TimeTypes(ctx context.Context) ([]IDName, error) {
	return c.idNames(ctx, "time types", "/api/time-v2.1/timetypes")
}

// Projects returns the projects (GET /api/time-v2.1/projects).
func (c *Client) Projects(ctx context.Context) ([]IDName, error) {
	return c.idNames(ctx, "projects", "/api/time-v2.1/projects")
}

func (c *Client) idNames(ctx context.Context, what, path string) ([]IDName, error) {
	b, err := c.get(ctx, what, path, nil, true)
	if err != nil {
		return nil, err
	}
	objs, err := parseObjects(b)
	if err != nil {
		return nil, fmt.Errorf("zeiterfassung: %s: %w", what, err)
	}
	out := make([]IDName, 0, len(objs))
	for _, o := range objs {
		out = append(out, IDName{ID: field(o, "id"), Name: field(o, "name")})
	}
	return out, nil
}

// Entries returns the user's entries whose start time lies between from
// and to (GET /api/time-v2.1/timeentries); from and to are sent as wall
// clock in Options.Location, truncated to the minute.
func (c *Client) Entries(ctx context.Context, email string, from, to time.Time) ([]ServerEntry, error) {
	return c.entries(ctx, email, FormatTime(from, c.o.Location), FormatTime(to, c.o.Location))
}

func (c *Client) entries(ctx context.Context, email, from, to string) ([]ServerEntry, error) {
	q := url.Values{"useremail": {email}, "start": {from}, "end": {to}}
	b, err := c.get(ctx, "time entries", "/api/time-v2.1/timeentries", q, true)
	if err != nil {
		return nil, err
	}
	list, err := ParseEntries(b)
	if err != nil {
		return nil, fmt.Errorf("zeiterfassung: time entries: %w", err)
	}
	return list, nil
}

// ParseEntries decodes a timeentries answer: a JSON list of objects. Ids
// and other fields may be strings or numbers; missing fields are empty.
func ParseEntries(b []byte) ([]ServerEntry, error) {
	objs, err := parseObjects(b)
	if err != nil {
		return nil, err
	}
	out := make([]ServerEntry, 0, len(objs))
	for _, o := range objs {
		out = append(out, ServerEntry{
			ID:         field(o, "id"),
			StartTime:  field(o, "starttime"),
			EndTime:    field(o, "endtime"),
			UserEmail:  field(o, "useremail"),
			TimeTypeID: field(o, "timetypeid"),
			ProjectID:  field(o, "projectid"),
			Comment:    field(o, "comment"),
		})
	}
	return out, nil
}

// ParseUsers decodes a users answer: a JSON list whose elements are
// objects with "loginemail" (or "email") or plain strings.
func ParseUsers(b []byte) ([]string, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("answer is not a JSON list: %w (%s)", err, snippet(b))
	}
	out := make([]string, 0, len(raw))
	for i, r := range raw {
		var s string
		if json.Unmarshal(r, &s) == nil {
			out = append(out, s)
			continue
		}
		var o map[string]json.RawMessage
		if err := json.Unmarshal(r, &o); err != nil || o == nil {
			return nil, fmt.Errorf("element %d is neither a string nor an object (%s)", i, snippet(r))
		}
		s = field(o, "loginemail")
		if s == "" {
			s = field(o, "email")
		}
		if s == "" {
			return nil, fmt.Errorf("element %d has no loginemail (%s)", i, snippet(r))
		}
		out = append(out, s)
	}
	return out, nil
}

// parseObjects decodes a JSON list of objects.
func parseObjects(b []byte) ([]map[string]json.RawMessage, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("answer is not a JSON list: %w (%s)", err, snippet(b))
	}
	out := make([]map[string]json.RawMessage, 0, len(raw))
	for i, r := range raw {
		var o map[string]json.RawMessage
		if err := json.Unmarshal(r, &o); err != nil || o == nil {
			return nil, fmt.Errorf("element %d is not an object (%s)", i, snippet(r))
		}
		out = append(out, o)
	}
	return out, nil
}

// field returns o[k] as a string if it is a JSON string or number, else "".
func field(o map[string]json.RawMessage, k string) string {
	r, ok := o[k]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(r, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(r, &n) == nil {
		return n.String()
	}
	return ""
}

// parseIDs extracts the ids from a create answer, best effort: a JSON list
// of strings, numbers or {"id": ...} objects, or else every quoted string
// in the body (the document's example `[{"id"}]` is not JSON).
func parseIDs(b []byte) []string {
	var raw []json.RawMessage
	if json.Unmarshal(b, &raw) == nil {
		var ids []string
		for _, r := range raw {
			var o map[string]json.RawMessage
			if json.Unmarshal(r, &o) == nil && o != nil {
				if id := field(o, "id"); id != "" {
					ids = append(ids, id)
				}
				continue
			}
			if id := field(map[string]json.RawMessage{"": r}, ""); id != "" {
				ids = append(ids, id)
			}
		}
		return ids
	}
	var ids []string
	parts := strings.Split(string(b), `"`)
	for i := 1; i < len(parts)-1; i += 2 {
		if p := strings.TrimSpace(parts[i]); p != "" && p != "id" {
			ids = append(ids, p)
		}
	}
	return ids
}

// snippet returns the start of b, quoted, for an error message.
func snippet(b []byte) string {
	return strconv.Quote(rest.Text(b, 80))
}
