package flowtly

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"stampclock/apifake/strict"
)

var (
	employeeIRI = regexp.MustCompile(`^/api/employees/([^/]+)$`)
	projectIRI  = regexp.MustCompile(`^/api/projects/([^/]+)$`)
	dateRE      = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$`)
)

// MaxSeconds is the longest work time the fake accepts: one day.
const MaxSeconds = 24 * 60 * 60

// badValue is a request member with a wrong type or form (400), or with a
// value a constraint refuses (422).
type badValue struct {
	status int
	msg    string
}

func (e *badValue) Error() string { return e.msg }

func bad(status int, format string, a ...any) error {
	return &badValue{status, fmt.Sprintf(format, a...)}
}

// parseDate checks a timestamp like the example's 2024-07-04T00:00:00+00:00:
// RFC 3339 with seconds and an offset (or Z), no fraction.
func parseDate(v string) (time.Time, error) {
	if !dateRE.MatchString(v) {
		return time.Time{}, fmt.Errorf("%q is not a timestamp like 2024-07-04T00:00:00+00:00", v)
	}
	if t, err := time.Parse(tsLayout, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02T15:04:05Z", v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a timestamp like 2024-07-04T00:00:00+00:00", v)
}

// apply validates members of a create (all) or patch (partial) body onto wt.
func (s *Server) apply(m map[string]json.RawMessage, wt *WorkTime) error {
	for _, k := range []string{"employee", "project", "date"} {
		v, ok, err := strict.String(m, k)
		if err != nil {
			return bad(http.StatusBadRequest, "%v", err)
		}
		if !ok {
			continue
		}
		switch k {
		case "employee":
			sub := employeeIRI.FindStringSubmatch(v)
			if sub == nil {
				return bad(http.StatusBadRequest, "employee %q is not an employee IRI /api/employees/{id}", v)
			}
			if !s.knownEmployee(sub[1]) {
				return bad(http.StatusBadRequest, "employee %q: item not found", v)
			}
			wt.Employee = v
		case "project":
			sub := projectIRI.FindStringSubmatch(v)
			if sub == nil {
				return bad(http.StatusBadRequest, "project %q is not a project IRI /api/projects/{id}", v)
			}
			if !s.knownProject(sub[1]) {
				return bad(http.StatusBadRequest, "project %q: item not found", v)
			}
			wt.Project = v
		case "date":
			if _, err := parseDate(v); err != nil {
				return bad(http.StatusBadRequest, "date: %v", err)
			}
			wt.Date = v
		}
	}
	if v, ok := m["seconds"]; ok {
		var n int
		if strict.IsNull(v) || json.Unmarshal(v, &n) != nil {
			return bad(http.StatusBadRequest, "seconds: %s is not an integer", v)
		}
		if n <= 0 || n > MaxSeconds {
			return bad(http.StatusUnprocessableEntity, "seconds: %d is outside 1-%d", n, MaxSeconds)
		}
		wt.Seconds = n
	}
	if v, ok := m["description"]; ok {
		if strict.IsNull(v) {
			wt.Description = nil
		} else {
			var d string
			if err := json.Unmarshal(v, &d); err != nil {
				return bad(http.StatusBadRequest, "description: %s is not a string or null", v)
			}
			wt.Description = &d
		}
	}
	return nil
}

func (s *Server) knownEmployee(id string) bool {
	for _, e := range s.opt.Employees {
		if e.ID == id {
			return true
		}
	}
	return false
}

func (s *Server) knownProject(id string) bool {
	for _, p := range s.opt.Projects {
		if p == id {
			return true
		}
	}
	return false
}

func refuseErr(w http.ResponseWriter, err error) {
	if b, ok := err.(*badValue); ok {
		refuse(w, b.status, b.msg)
		return
	}
	refuse(w, http.StatusBadRequest, err.Error())
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, coll string) {
	if err := strict.MediaType(r, ctJSON, ctLD); err != nil {
		refuse(w, http.StatusUnsupportedMediaType, err.Error())
		return
	}
	if r.URL.RawQuery != "" {
		refuse(w, http.StatusBadRequest, "create takes a JSON body, not query parameters")
		return
	}
	m, err := strict.Object(r, "employee", "project", "date", "seconds", "description")
	if err != nil {
		refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	for _, k := range []string{"employee", "project", "date", "seconds"} {
		if v, ok := m[k]; !ok || strict.IsNull(v) {
			refuse(w, http.StatusUnprocessableEntity, k+": this value should not be blank (required)")
			return
		}
	}
	wt := WorkTime{Collection: coll}
	if err := s.apply(m, &wt); err != nil {
		refuseErr(w, err)
		return
	}
	s.mu.Lock()
	id := s.addLocked(wt)
	it, _ := s.findLocked(strconv.Itoa(id))
	out := itemJSON(*it)
	s.mu.Unlock()
	w.Header().Set("Location", out["@id"].(string))
	writeJSON(w, http.StatusCreated, ctLD, out)
}

func itemJSON(wt WorkTime) map[string]any {
	out := map[string]any{
		"@id": fmt.Sprintf("/api/employee_working_hours/wkt_%d", wt.ID), "@type": "WorkTime",
		"id": wt.ID, "employee": wt.Employee, "project": wt.Project, "date": wt.Date,
		"seconds": wt.Seconds, "description": wt.Description,
		"createdAt": wt.CreatedAt.Format(tsLayout), "updatedAt": wt.UpdatedAt.Format(tsLayout),
		"deleted": wt.Deleted,
	}
	if wt.Deleted {
		out["deletedAt"] = wt.DeletedAt.Format(tsLayout)
	}
	return out
}

func (s *Server) item(w http.ResponseWriter, r *http.Request, idText string) {
	if _, err := strconv.Atoi(idText); err != nil {
		refuse(w, http.StatusNotFound, fmt.Sprintf("%q is not a work time id (an integer)", idText))
		return
	}
	if r.URL.RawQuery != "" {
		refuse(w, http.StatusBadRequest, "no query parameters are documented here")
		return
	}
	var m map[string]json.RawMessage
	if r.Method == http.MethodPatch {
		if err := strict.MediaType(r, ctMerge); err != nil {
			refuse(w, http.StatusUnsupportedMediaType, "PATCH: "+err.Error())
			return
		}
		var err error
		if m, err = strict.Object(r, "seconds", "project", "description"); err != nil {
			refuse(w, http.StatusBadRequest, "PATCH (seconds, project or description): "+err.Error())
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	wt, ok := s.findLocked(idText)
	if !ok {
		refuse(w, http.StatusNotFound, "no work time "+idText)
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, ctLD, itemJSON(*wt))
	case http.MethodPatch:
		upd := *wt
		if v, ok := m["project"]; ok && strict.IsNull(v) {
			refuse(w, http.StatusUnprocessableEntity, "project: this value should not be null")
			return
		}
		if err := s.apply(m, &upd); err != nil {
			refuseErr(w, err)
			return
		}
		upd.UpdatedAt = s.opt.Now()
		*wt = upd
		writeJSON(w, http.StatusOK, ctLD, itemJSON(*wt))
	case http.MethodDelete:
		wt.Deleted, wt.DeletedAt = true, s.opt.Now()
		w.WriteHeader(http.StatusNoContent)
	}
}

// list answers a collection filtered by employee, project and date.
func (s *Server) list(w http.ResponseWriter, r *http.Request, coll string) {
	q := r.URL.Query()
	page := 1
	var after, before []func(time.Time) bool
	for k, vs := range q {
		if len(vs) != 1 {
			refuse(w, http.StatusBadRequest, "parameter "+k+" given more than once")
			return
		}
		v := vs[0]
		switch k {
		case "employee", "project":
			re := employeeIRI
			if k == "project" {
				re = projectIRI
			}
			if !re.MatchString(v) {
				refuse(w, http.StatusBadRequest, fmt.Sprintf("filter %s=%q: want an IRI", k, v))
				return
			}
		case "page":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				refuse(w, http.StatusBadRequest, "page must be an integer >= 1")
				return
			}
			page = n
		case "date[after]", "date[before]", "date[strictly_after]", "date[strictly_before]":
			t, err := parseFilterDate(v)
			if err != nil {
				refuse(w, http.StatusBadRequest, k+": "+err.Error())
				return
			}
			switch k {
			case "date[after]":
				after = append(after, func(d time.Time) bool { return !d.Before(t) })
			case "date[strictly_after]":
				after = append(after, func(d time.Time) bool { return d.After(t) })
			case "date[before]":
				before = append(before, func(d time.Time) bool { return !d.After(t) })
			case "date[strictly_before]":
				before = append(before, func(d time.Time) bool { return d.Before(t) })
			}
		default:
			refuse(w, http.StatusBadRequest, "unknown filter "+k+" (the fake knows employee, project, date[after|before|strictly_after|strictly_before], page)")
			return
		}
	}
	s.mu.Lock()
	var sel []map[string]any
	for _, wt := range s.items {
		d, _ := parseDate(wt.Date)
		ok := !wt.Deleted && (q.Get("employee") == "" || q.Get("employee") == wt.Employee) &&
			(q.Get("project") == "" || q.Get("project") == wt.Project)
		for _, f := range append(after, before...) {
			ok = ok && f(d)
		}
		if ok {
			sel = append(sel, itemJSON(wt))
		}
	}
	s.mu.Unlock()
	total := len(sel)
	from := min((page-1)*s.opt.PageSize, total)
	to := min(from+s.opt.PageSize, total)
	s.writeList(w, "/api"+strings.ReplaceAll(coll, "-", "_"), sel[from:to], total)
}

// parseFilterDate accepts a date (2024-07-04) or a timestamp; a date or a
// timestamp without offset is taken as UTC.
func parseFilterDate(v string) (time.Time, error) {
	if t, err := parseDate(v); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (2024-07-04) or timestamp", url.QueryEscape(v))
}
