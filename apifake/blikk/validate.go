package blikk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strings"
	"time"

	"stampclock/apifake/strict"
)

// reportMembers are the members of the documented create/update request object.
var reportMembers = []string{"date", "clockStart", "clockEnd", "hours", "invoiceableHours", "breakMinutes",
	"comment", "internalComment", "userId", "projectId", "internalProjectId", "absenceProjectId",
	"activityId", "timeCodeId", "timeArticleId", "taskId", "travelReport", "allowanceReport",
	"materials", "equipments", "additions"}

var clockRE = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// fieldErr names the member a request body fails on.
type fieldErr struct{ field, msg string }

func (e *fieldErr) Error() string { return e.field + ": " + e.msg }

func ferr(field, format string, a ...any) error {
	return &fieldErr{field, fmt.Sprintf(format, a...)}
}

func number(m map[string]json.RawMessage, key string, required bool) (*float64, error) {
	v, ok := m[key]
	if !ok || strict.IsNull(v) {
		if required {
			return nil, ferr(key, "The %s field is required.", key)
		}
		return nil, nil
	}
	var f float64
	if err := json.Unmarshal(v, &f); err != nil {
		return nil, ferr(key, "%s is not a number", v)
	}
	return &f, nil
}

func integer(m map[string]json.RawMessage, key string, required bool) (*int, error) {
	f, err := number(m, key, required)
	if err != nil || f == nil {
		return nil, err
	}
	if *f != math.Trunc(*f) || math.Abs(*f) > math.MaxInt32 {
		return nil, ferr(key, "%v is not an integer", *f)
	}
	n := int(*f)
	return &n, nil
}

func optString(m map[string]json.RawMessage, key string) (*string, error) {
	v, ok := m[key]
	if !ok || strict.IsNull(v) {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return nil, ferr(key, "%s is not a string", v)
	}
	return &s, nil
}

// raw returns a nested member that must be a JSON object (array when
// wantArray), or nil when absent or null.
func raw(m map[string]json.RawMessage, key string, wantArray bool) (json.RawMessage, error) {
	v, ok := m[key]
	if !ok || strict.IsNull(v) {
		return nil, nil
	}
	v = bytes.TrimSpace(v)
	if wantArray && v[0] != '[' {
		return nil, ferr(key, "must be an object array")
	}
	if !wantArray && v[0] != '{' {
		return nil, ferr(key, "must be an object")
	}
	return v, nil
}

// decodeReport validates a create or update body and returns the report.
func (s *Server) decodeReport(r *http.Request) (TimeReport, error) {
	var tr TimeReport
	if err := strict.MediaType(r, ctJSON); err != nil {
		return tr, ferr("Content-Type", "%v", err)
	}
	m, err := strict.Object(r, reportMembers...)
	if err != nil {
		return tr, ferr("body", "%v", err)
	}
	ds, err := optString(m, "date")
	if err != nil {
		return tr, err
	}
	if ds == nil {
		return tr, ferr("date", "The date field is required.")
	}
	d, err := parseDatetime(*ds)
	if err != nil {
		return tr, ferr("date", "%v", err)
	}
	if d.Hour() != 0 || d.Minute() != 0 || d.Second() != 0 {
		return tr, ferr("date", "%q: a report's date is a day; the time must be 00:00:00", *ds)
	}
	tr.DateSent, tr.Date = *ds, d.Format(dateLayout)

	for _, c := range []struct {
		key string
		dst *string
	}{{"clockStart", &tr.ClockStart}, {"clockEnd", &tr.ClockEnd}} {
		v, err := optString(m, c.key)
		if err != nil {
			return tr, err
		}
		if v != nil {
			if !clockRE.MatchString(*v) {
				return tr, ferr(c.key, "%q: format is \"hh:mm\" (24-hour clock)", *v)
			}
			*c.dst = *v
		}
	}
	if (tr.ClockStart == "") != (tr.ClockEnd == "") {
		return tr, ferr("clockEnd", "clockStart and clockEnd must be given together")
	}

	h, err := number(m, "hours", true)
	if err != nil {
		return tr, err
	}
	ih, err := number(m, "invoiceableHours", true)
	if err != nil {
		return tr, err
	}
	tr.Hours, tr.InvoiceableHours = *h, *ih
	if tr.Hours < 0 || tr.Hours > 24 {
		return tr, ferr("hours", "%v is outside 0-24", tr.Hours)
	}
	if tr.InvoiceableHours < 0 || tr.InvoiceableHours > 24 {
		return tr, ferr("invoiceableHours", "%v is outside 0-24", tr.InvoiceableHours)
	}
	if tr.BreakMinutes, err = integer(m, "breakMinutes", false); err != nil {
		return tr, err
	}
	if tr.BreakMinutes != nil && (*tr.BreakMinutes < 0 || *tr.BreakMinutes > 24*60) {
		return tr, ferr("breakMinutes", "%d is outside 0-1440", *tr.BreakMinutes)
	}
	if tr.ClockStart != "" {
		if err := checkHours(tr); err != nil {
			return tr, err
		}
	}
	if tr.Comment, err = optString(m, "comment"); err != nil {
		return tr, err
	}
	if tr.InternalComment, err = optString(m, "internalComment"); err != nil {
		return tr, err
	}

	ids := []struct {
		key      string
		required bool
		known    func(int) bool
		req      *int
		opt      **int
	}{
		{"userId", true, s.knownUser, &tr.UserID, nil},
		{"activityId", true, knownIn(s.opt.Activities), &tr.ActivityID, nil},
		{"timeCodeId", true, knownIn(s.opt.TimeCodes), &tr.TimeCodeID, nil},
		{"timeArticleId", true, knownIn(s.opt.TimeArticles), &tr.TimeArticleID, nil},
		{"projectId", false, s.knownProject, nil, &tr.ProjectID},
		{"internalProjectId", false, knownIn(s.opt.InternalProjects), nil, &tr.InternalProjectID},
		{"absenceProjectId", false, knownIn(s.opt.AbsenceProjects), nil, &tr.AbsenceProjectID},
		{"taskId", false, s.knownTask, nil, &tr.TaskID},
	}
	for _, c := range ids {
		n, err := integer(m, c.key, c.required)
		if err != nil {
			return tr, err
		}
		if n == nil {
			continue
		}
		if !c.known(*n) {
			return tr, ferr(c.key, "no %s with id %d", strings.TrimSuffix(c.key, "Id"), *n)
		}
		if c.req != nil {
			*c.req = *n
		} else {
			*c.opt = n
		}
	}
	projects := 0
	for _, p := range []*int{tr.ProjectID, tr.InternalProjectID, tr.AbsenceProjectID} {
		if p != nil {
			projects++
		}
	}
	if projects != 1 {
		return tr, ferr("projectId", "exactly one of projectId, internalProjectId and absenceProjectId must be set, got %d", projects)
	}

	if tr.TravelReport, err = raw(m, "travelReport", false); err != nil {
		return tr, err
	}
	if tr.AllowanceReport, err = raw(m, "allowanceReport", false); err != nil {
		return tr, err
	}
	if tr.AllowanceReport != nil && tr.TravelReport == nil {
		return tr, ferr("allowanceReport", "should only be set if a travel report is set")
	}
	for _, c := range []struct {
		key string
		dst *json.RawMessage
	}{{"materials", &tr.Materials}, {"equipments", &tr.Equipments}, {"additions", &tr.Additions}} {
		if *c.dst, err = raw(m, c.key, true); err != nil {
			return tr, err
		}
	}
	return tr, nil
}

// checkHours demands hours = (clockEnd - clockStart) - breakMinutes, as in
// the document's example (10:00-18:00, break 15 -> 7.75), within 0.01 h.
// A clockEnd before clockStart crosses midnight; equal times are refused.
func checkHours(tr TimeReport) error {
	start, _ := time.Parse("15:04", tr.ClockStart)
	end, _ := time.Parse("15:04", tr.ClockEnd)
	span := end.Sub(start)
	if span == 0 {
		return ferr("clockEnd", "clockEnd equals clockStart")
	}
	if span < 0 {
		span += 24 * time.Hour
	}
	brk := 0
	if tr.BreakMinutes != nil {
		brk = *tr.BreakMinutes
	}
	want := span.Hours() - float64(brk)/60
	if want < 0 {
		return ferr("breakMinutes", "break of %d minutes is longer than %s-%s", brk, tr.ClockStart, tr.ClockEnd)
	}
	if math.Abs(tr.Hours-want) >= 0.01 {
		return ferr("hours", "%v does not match %s-%s less %d break minutes (%.4g)", tr.Hours, tr.ClockStart, tr.ClockEnd, brk, want)
	}
	return nil
}

func knownIn(list []NameID) func(int) bool {
	return func(id int) bool {
		for _, n := range list {
			if n.ID == id {
				return true
			}
		}
		return false
	}
}

func (s *Server) knownUser(id int) bool {
	for _, u := range s.opt.Users {
		if u.ID == id {
			return true
		}
	}
	return false
}

func (s *Server) knownTask(id int) bool {
	for _, t := range s.opt.TaskIDs {
		if t == id {
			return true
		}
	}
	return false
}

func (s *Server) knownProject(id int) bool {
	_, ok := s.project(id)
	return ok
}

func (s *Server) project(id int) (Project, bool) {
	for _, p := range s.opt.Projects {
		if p.ID == id {
			return p, true
		}
	}
	return Project{}, false
}
