package blikktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
)

// parseDate parses a "datetime" value: "2021-10-01" or "2021-10-01 14:00:00".
func parseDate(v string) (time.Time, bool) {
	if !dateRE.MatchString(v) {
		return time.Time{}, false
	}
	for _, l := range []string{"2006-01-02", "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(l, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// reportFields are the documented fields of the create request.
var reportFields = []string{"date", "clockStart", "clockEnd", "hours", "invoiceableHours", "breakMinutes",
	"comment", "internalComment", "userId", "projectId", "internalProjectId", "absenceProjectId",
	"activityId", "timeCodeId", "timeArticleId", "taskId", "travelReport", "allowanceReport",
	"materials", "equipments", "additions"}

// readBody reads r's body as one JSON object. A failure is the answer's
// status and message.
func readBody(r *http.Request) (map[string]json.RawMessage, int, string) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type must be application/json, got %q", r.Header.Get("Content-Type"))
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, http.StatusBadRequest, "read body: " + err.Error()
	}
	if len(b) > maxBody {
		return nil, http.StatusRequestEntityTooLarge, "body too large"
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var obj map[string]json.RawMessage
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, http.StatusBadRequest, "body is not a JSON object"
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, http.StatusBadRequest, "unexpected data after the JSON object"
	}
	return obj, 0, ""
}

func isNull(raw json.RawMessage) bool {
	return raw == nil || bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// decodeReport validates a create request into a Report.
func (s *Server) decodeReport(obj map[string]json.RawMessage) (Report, modelState) {
	m := modelState{}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if !slices.Contains(reportFields, k) {
			m.add(k, "Unknown property %q.", k)
		}
	}
	var rep Report
	str := func(k string, required bool) (string, bool) {
		raw := obj[k]
		if isNull(raw) {
			if required {
				m.add(k, "The %s field is required.", k)
			}
			return "", false
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			m.add(k, "The %s field must be a string.", k)
			return "", false
		}
		return v, true
	}
	integer := func(k string, required bool) *int {
		raw := obj[k]
		if isNull(raw) {
			if required {
				m.add(k, "The %s field is required.", k)
			}
			return nil
		}
		var f float64
		if err := json.Unmarshal(raw, &f); err != nil || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
			m.add(k, "The %s field must be an integer.", k)
			return nil
		}
		n := int(f)
		return &n
	}
	decimal := func(k string) float64 {
		raw := obj[k]
		if isNull(raw) {
			m.add(k, "The %s field is required.", k)
			return 0
		}
		var f float64
		if err := json.Unmarshal(raw, &f); err != nil {
			m.add(k, "The %s field must be a decimal number.", k)
			return 0
		}
		if f < 0 || f > 24 {
			m.add(k, "The field %s must be between 0 and 24.", k)
		}
		return f
	}
	if v, ok := str("date", true); ok && v != "" {
		if t, ok := parseDate(v); ok {
			rep.Date = t.Format("2006-01-02")
		} else {
			m.add("date", "The value '%s' is not a valid datetime.", v)
		}
	}
	for _, c := range []struct {
		k string
		v *string
	}{{"clockStart", &rep.ClockStart}, {"clockEnd", &rep.ClockEnd}} {
		if v, ok := str(c.k, false); ok {
			if !clockRE.MatchString(v) {
				m.add(c.k, "The %s field must have the format hh:mm (24-hour clock), got '%s'.", c.k, v)
			}
			*c.v = v
		}
	}
	if (rep.ClockStart == "") != (rep.ClockEnd == "") {
		m.add("clockEnd", "clockStart and clockEnd must be given together.")
	} else if rep.ClockEnd < rep.ClockStart && len(m["clockStart"])+len(m["clockEnd"]) == 0 {
		m.add("clockEnd", "clockEnd must not be before clockStart.")
	}
	rep.Hours = decimal("hours")
	rep.InvoiceableHours = decimal("invoiceableHours")
	if p := integer("breakMinutes", false); p != nil {
		if *p < 0 {
			m.add("breakMinutes", "The field breakMinutes must not be negative.")
		}
		rep.BreakMinutes = p
	}
	rep.Comment, _ = str("comment", false)
	rep.InternalComment, _ = str("internalComment", false)
	if p := integer("userId", true); p != nil {
		if _, ok := s.users[*p]; !ok {
			m.add("userId", "User %d does not exist.", *p)
		}
		rep.UserID = *p
	}
	for _, f := range []struct {
		k        string
		v        *int
		required bool
	}{{"activityId", &rep.ActivityID, true}, {"timeCodeId", &rep.TimeCodeID, true}, {"timeArticleId", &rep.TimeArticleID, true}} {
		p := integer(f.k, f.required)
		if p == nil {
			continue
		}
		*f.v = *p
		s.checkRef(m, f.k, *p)
	}
	for _, f := range []struct {
		k string
		v **int
	}{{"projectId", &rep.ProjectID}, {"internalProjectId", &rep.InternalProjectID}} {
		if p := integer(f.k, false); p != nil {
			*f.v = p
			s.checkRef(m, f.k, *p)
		}
	}
	if p := integer("absenceProjectId", false); p != nil {
		m.add("absenceProjectId", "Absence project %d does not exist.", *p)
	}
	return rep, m
}

// checkRef adds an error unless id names an active item of field's registry.
func (s *Server) checkRef(m modelState, field string, id int) {
	it, ok := s.registry[field][id]
	name := strings.TrimSuffix(field, "Id")
	switch {
	case !ok:
		m.add(field, "The %s with id %d does not exist.", name, id)
	case it.Inactive:
		m.add(field, "The %s with id %d is not active.", name, id)
	}
}
