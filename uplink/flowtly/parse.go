package flowtly

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"stampclock/uplink/rest"
)

// WorkTime is a record as the list endpoint returns it. Employee and
// Project are IRIs (an embedded object is reduced to its "@id").
type WorkTime struct {
	ID          string // "id", as text ("9001")
	IRI         string // "@id"
	Employee    string
	Project     string
	Date        string
	Seconds     int64
	Description string // "" when null
	Deleted     bool
}

// wireWorkTime is WorkTime as JSON, liberal in the types it takes.
type wireWorkTime struct {
	ID          json.RawMessage `json:"id"`
	IRI         string          `json:"@id"`
	Employee    json.RawMessage `json:"employee"`
	Project     json.RawMessage `json:"project"`
	Date        string          `json:"date"`
	Seconds     json.Number     `json:"seconds"`
	Description *string         `json:"description"`
	Deleted     bool            `json:"deleted"`
	DeletedAt   *string         `json:"deletedAt"`
}

// ParseList parses an answer of the list endpoint: a hydra collection
// ("hydra:member", "hydra:view"/"hydra:next"), the same without the
// "hydra:" prefix (API Platform 3+), or a bare JSON array. It returns the
// members and the next page's link ("" on the last page). A member that is
// not an object, or whose seconds is not an integer, is an error: a
// reconcile must not guess.
func ParseList(b []byte) (items []WorkTime, next string, err error) {
	b = bytes.TrimSpace(b)
	var raw []json.RawMessage
	switch {
	case len(b) > 0 && b[0] == '[':
		if err := json.Unmarshal(b, &raw); err != nil {
			return nil, "", fmt.Errorf("list: bad JSON array: %w", err)
		}
	case len(b) > 0 && b[0] == '{':
		var coll struct {
			HydraMember *[]json.RawMessage `json:"hydra:member"`
			Member      *[]json.RawMessage `json:"member"`
			HydraView   *struct {
				Next string `json:"hydra:next"`
			} `json:"hydra:view"`
			View *struct {
				Next string `json:"next"`
			} `json:"view"`
		}
		if err := json.Unmarshal(b, &coll); err != nil {
			return nil, "", fmt.Errorf("list: bad JSON object: %w", err)
		}
		switch {
		case coll.HydraMember != nil:
			raw = *coll.HydraMember
		case coll.Member != nil:
			raw = *coll.Member
		default:
			return nil, "", errors.New(`list: object without "hydra:member" or "member"`)
		}
		if coll.HydraView != nil {
			next = coll.HydraView.Next
		} else if coll.View != nil {
			next = coll.View.Next
		}
	default:
		return nil, "", errors.New("list: not a JSON array or object")
	}
	items = make([]WorkTime, 0, len(raw))
	for i, r := range raw {
		w, err := parseWorkTime(r)
		if err != nil {
			return nil, "", fmt.Errorf("list: member %d: %w", i, err)
		}
		items = append(items, w)
	}
	return items, next, nil
}

// parseWorkTime parses one member.
func parseWorkTime(r json.RawMessage) (WorkTime, error) {
	var w wireWorkTime
	d := json.NewDecoder(bytes.NewReader(r))
	d.UseNumber()
	if err := d.Decode(&w); err != nil {
		return WorkTime{}, err
	}
	out := WorkTime{IRI: w.IRI, Date: w.Date, Deleted: w.Deleted || w.DeletedAt != nil && *w.DeletedAt != ""}
	if len(w.ID) > 0 && string(w.ID) != "null" {
		var s string
		if json.Unmarshal(w.ID, &s) != nil {
			s = string(w.ID)
		}
		out.ID = s
	}
	var err error
	if out.Employee, err = ref(w.Employee); err != nil {
		return WorkTime{}, fmt.Errorf("employee: %w", err)
	}
	if out.Project, err = ref(w.Project); err != nil {
		return WorkTime{}, fmt.Errorf("project: %w", err)
	}
	if w.Seconds != "" {
		if out.Seconds, err = w.Seconds.Int64(); err != nil {
			return WorkTime{}, fmt.Errorf("seconds %q: not an integer", w.Seconds)
		}
	}
	if w.Description != nil {
		out.Description = *w.Description
	}
	return out, nil
}

// ref returns an IRI given as a string or as an object with "@id".
func ref(r json.RawMessage) (string, error) {
	if len(r) == 0 || string(r) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(r, &s) == nil {
		return s, nil
	}
	var obj struct {
		ID string `json:"@id"`
	}
	if err := json.Unmarshal(r, &obj); err != nil {
		return "", fmt.Errorf("want an IRI string or an object with @id")
	}
	return obj.ID, nil
}

// ParseErrorBody returns the messages in an error answer, for a person:
// the violations of a ConstraintViolationList ("seconds: This value should
// be positive.; …"), else a problem's "hydra:description", "detail",
// "description", "message", "hydra:title", "title" or "error", else the
// trimmed body, as one line (rest.Text) of at most maxMsg (500) bytes; ""
// for an empty body.
func ParseErrorBody(b []byte) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(b, &obj) == nil {
		var vs []struct {
			PropertyPath string `json:"propertyPath"`
			Message      string `json:"message"`
		}
		if json.Unmarshal(obj["violations"], &vs) == nil && len(vs) > 0 {
			msgs := make([]string, 0, len(vs))
			for _, v := range vs {
				m := strings.TrimSpace(v.Message)
				if p := strings.TrimSpace(v.PropertyPath); p != "" {
					m = p + ": " + m
				}
				msgs = append(msgs, m)
			}
			return rest.Text(strings.Join(msgs, "; "), maxMsg)
		}
	}
	return rest.Message(b, maxMsg, "hydra:description", "detail", "description", "message", "hydra:title", "title", "error")
}

// sameDate tells whether a server's date is our date (DateString): the
// same instant, or the same calendar date as written by the server (a
// server keeping dates in its own zone may answer "2024-07-04T00:00:00+02:00"
// for "2024-07-04T00:00:00+00:00").
func sameDate(server, ours string) bool {
	server = strings.TrimSpace(server)
	if server == ours {
		return true
	}
	if st, err := time.Parse(time.RFC3339, server); err == nil {
		if ot, err := time.Parse(time.RFC3339, ours); err == nil && st.Equal(ot) {
			return true
		}
	}
	return len(server) >= 10 && server[:10] == ours[:10] && (len(server) == 10 || server[10] == 'T' || server[10] == ' ')
}
