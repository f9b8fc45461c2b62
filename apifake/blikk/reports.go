package blikk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"stampclock/apifake/strict"
)

// TimeReport is a stored time report, as the client sent it.
type TimeReport struct {
	ID int
	// Date is the report's day, YYYY-MM-DD; DateSent the value as sent.
	Date, DateSent string
	// ClockStart and ClockEnd are "hh:mm", "" when not sent.
	ClockStart, ClockEnd string
	Hours                float64
	InvoiceableHours     float64
	BreakMinutes         *int
	Comment              *string
	InternalComment      *string
	UserID               int
	ProjectID            *int
	InternalProjectID    *int
	AbsenceProjectID     *int
	ActivityID           int
	TimeCodeID           int
	TimeArticleID        int
	TaskID               *int
	// The nested objects and lists, as sent (nil when absent or null).
	TravelReport, AllowanceReport, Materials, Equipments, Additions json.RawMessage
	// Created and Updated are set by the fake's clock (Updated zero until a PUT).
	Created, Updated time.Time
	// Attested, when set, makes the report refuse PUT and DELETE (400).
	Attested time.Time
}

// TimeReports returns a copy of the stored time reports in creation order.
func (s *Server) TimeReports() []TimeReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]TimeReport(nil), s.reports...)
}

// AddTimeReport stores r without validation (its ID, when 0, and Created
// are set) and returns its id.
func (s *Server) AddTimeReport(r TimeReport) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.ID == 0 {
		s.seq++
		r.ID = s.seq
	}
	if r.Date == "" && len(r.DateSent) >= 10 {
		r.Date = r.DateSent[:10]
	}
	r.Created = s.opt.Now()
	s.reports = append(s.reports, r)
	return r.ID
}

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

func refuseField(w http.ResponseWriter, err error) {
	fe, ok := err.(*fieldErr)
	if !ok {
		fe = &fieldErr{"body", err.Error()}
	}
	if fe.field == "Content-Type" {
		refuseJSON(w, http.StatusUnsupportedMediaType, fe.Error(), map[string]string{"message": fe.msg})
		return
	}
	badRequest(w, fe.field, fe.msg)
}

func (s *Server) createReport(w http.ResponseWriter, r *http.Request) {
	if r.URL.RawQuery != "" {
		badRequest(w, "query", "create takes a JSON body, not query parameters")
		return
	}
	tr, err := s.decodeReport(r)
	if err != nil {
		refuseField(w, err)
		return
	}
	if s.isLocked(tr.UserID, tr.Date) {
		badRequest(w, "date", "the day "+tr.Date+" is locked for user "+strconv.Itoa(tr.UserID))
		return
	}
	id := s.AddTimeReport(tr)
	s.answerWritten(w, id)
}

func (s *Server) answerWritten(w http.ResponseWriter, id int) {
	if !s.opt.CreateAnswerDetail {
		w.WriteHeader(http.StatusOK)
		return
	}
	s.mu.Lock()
	tr, _ := s.findLocked(id)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, s.reportJSON(tr, true))
}

func (s *Server) findLocked(id int) (*TimeReport, int) {
	for i := range s.reports {
		if s.reports[i].ID == id {
			return &s.reports[i], i
		}
	}
	return nil, -1
}

func (s *Server) oneReport(w http.ResponseWriter, r *http.Request, idText string) {
	id, err := strconv.Atoi(idText)
	if err != nil || id < 1 {
		badRequest(w, "id", fmt.Sprintf("%q is not a time report id", idText))
		return
	}
	if r.URL.RawQuery != "" {
		badRequest(w, "query", "no query parameters are documented here")
		return
	}
	var upd TimeReport
	if r.Method == http.MethodPut {
		if upd, err = s.decodeReport(r); err != nil {
			refuseField(w, err)
			return
		}
	}
	s.mu.Lock()
	tr, i := s.findLocked(id)
	if tr == nil {
		s.mu.Unlock()
		badRequest(w, "id", fmt.Sprintf("time report %d could not be found", id))
		return
	}
	if r.Method != http.MethodGet && !tr.Attested.IsZero() {
		s.mu.Unlock()
		badRequest(w, "id", fmt.Sprintf("time report %d is attested", id))
		return
	}
	if r.Method != http.MethodGet {
		for _, k := range []dayKey{{tr.UserID, tr.Date}, {upd.UserID, upd.Date}} {
			if _, locked := s.locked[k]; locked && k.date != "" {
				s.mu.Unlock()
				badRequest(w, "date", fmt.Sprintf("the day %s is locked for user %d", k.date, k.user))
				return
			}
		}
	}
	switch r.Method {
	case http.MethodGet:
		out := s.reportJSON(tr, true)
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, out)
	case http.MethodDelete:
		s.reports = append(s.reports[:i], s.reports[i+1:]...)
		s.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	case http.MethodPut:
		upd.ID, upd.Created, upd.Updated = tr.ID, tr.Created, s.opt.Now()
		*tr = upd
		s.mu.Unlock()
		s.answerWritten(w, id)
	}
}

var reportSorts = []string{"date", "userName", "hours", "invoiceableHours", "sentToAttestDate", "attestedDate", "createdDate", "updatedDate"}

var reportFilters = map[string]check{
	"filter.from": datetimeCheck, "filter.to": datetimeCheck, "filter.userIds": intArrayCheck,
	"filter.projectId": intCheck, "filter.internalProjectId": intCheck, "filter.absenceProjectId": intCheck,
	"filter.contactId": intCheck, "filter.isSentToAttest": boolCheck, "filter.isAttested": boolCheck,
	"filter.projectType": enumCheck("project", "internalProject", "absenceProject"),
}

func (s *Server) listReports(w http.ResponseWriter, r *http.Request) {
	lq, ok := parseList(w, r, reportSorts, reportFilters)
	if !ok {
		return
	}
	f := lq.filter
	from, _ := parseDatetime(f.Get("filter.from"))
	to, _ := parseDatetime(f.Get("filter.to"))
	eqInt := func(key string, p *int) bool {
		v := f.Get(key)
		if v == "" {
			return true
		}
		n, _ := strconv.Atoi(v)
		return p != nil && *p == n
	}
	s.mu.Lock()
	var sel []TimeReport
	for _, tr := range s.reports {
		d, _ := time.Parse(dateLayout, tr.Date)
		switch {
		case f.Get("filter.from") != "" && d.Before(from),
			f.Get("filter.to") != "" && d.After(to),
			!eqInt("filter.projectId", tr.ProjectID),
			!eqInt("filter.internalProjectId", tr.InternalProjectID),
			!eqInt("filter.absenceProjectId", tr.AbsenceProjectID):
			continue
		}
		if v := f.Get("filter.userIds"); v != "" && !strings.Contains(","+v+",", ","+strconv.Itoa(tr.UserID)+",") {
			continue
		}
		if v := f.Get("filter.contactId"); v != "" {
			p, ok := s.reportProject(tr)
			if !ok || strconv.Itoa(p.Contact.ID) != v {
				continue
			}
		}
		if v := f.Get("filter.isAttested"); v != "" && (v == "true") == tr.Attested.IsZero() {
			continue
		}
		if v := f.Get("filter.isSentToAttest"); v != "" && (v == "true") == tr.Attested.IsZero() {
			continue
		}
		switch f.Get("filter.projectType") {
		case "project":
			if tr.ProjectID == nil {
				continue
			}
		case "internalProject":
			if tr.InternalProjectID == nil {
				continue
			}
		case "absenceProject":
			if tr.AbsenceProjectID == nil {
				continue
			}
		}
		sel = append(sel, tr)
	}
	less := func(a, b TimeReport) bool {
		switch lq.sortBy {
		case "date":
			return a.Date < b.Date
		case "hours":
			return a.Hours < b.Hours
		case "invoiceableHours":
			return a.InvoiceableHours < b.InvoiceableHours
		case "userName":
			return s.userName(a.UserID) < s.userName(b.UserID)
		case "updatedDate":
			return a.Updated.Before(b.Updated)
		case "attestedDate", "sentToAttestDate":
			return a.Attested.Before(b.Attested)
		}
		return a.ID < b.ID
	}
	sort.SliceStable(sel, func(i, j int) bool {
		if lq.sortOrder == "descending" {
			return less(sel[j], sel[i])
		}
		return less(sel[i], sel[j])
	})
	items := make([]map[string]any, 0, len(sel))
	for i := range sel {
		items = append(items, s.reportJSON(&sel[i], false))
	}
	s.mu.Unlock()
	writePage(w, lq, items)
}

func (s *Server) userName(id int) string {
	for _, u := range s.opt.Users {
		if u.ID == id {
			return u.FirstName + " " + u.LastName
		}
	}
	return ""
}

func (s *Server) reportProject(tr TimeReport) (Project, bool) {
	if tr.ProjectID == nil {
		return Project{}, false
	}
	return s.project(*tr.ProjectID)
}

func nameOf(list []NameID, id int) string {
	for _, n := range list {
		if n.ID == id {
			return n.Name
		}
	}
	return ""
}

// reportJSON renders a report as timereport.list or timereport.detail.
func (s *Server) reportJSON(tr *TimeReport, detail bool) map[string]any {
	opt := func(p *int, objectName string, list []NameID) any {
		if p == nil {
			return nil
		}
		return nameID(objectName, *p, nameOf(list, *p))
	}
	clock := func(v string) any {
		if v == "" {
			return nil
		}
		return v
	}
	out := map[string]any{
		"objectName": "timereport.list", "id": tr.ID, "date": tr.Date,
		"clockStart": clock(tr.ClockStart), "clockEnd": clock(tr.ClockEnd),
		"hours": tr.Hours, "invoiceableHours": tr.InvoiceableHours, "breakMinutes": tr.BreakMinutes,
		"cost": nil, "rate": nil, "discount": nil,
		"comment": tr.Comment, "internalComment": tr.InternalComment,
		"sentToAttestDate": stamp(tr.Attested), "attestedDate": stamp(tr.Attested),
		"user":    nameID("generic.name_id", tr.UserID, s.userName(tr.UserID)),
		"project": nil, "contact": nil,
		"internalProject": opt(tr.InternalProjectID, "generic.name_id", s.opt.InternalProjects),
		"absenceProject":  opt(tr.AbsenceProjectID, "generic.name_id", s.opt.AbsenceProjects),
		"activity":        nameID("generic.name_id", tr.ActivityID, nameOf(s.opt.Activities, tr.ActivityID)),
		"timeCode":        nameID("generic.name_id", tr.TimeCodeID, nameOf(s.opt.TimeCodes, tr.TimeCodeID)),
		"timeArticle":     nameID("generic.name_id", tr.TimeArticleID, nameOf(s.opt.TimeArticles, tr.TimeArticleID)),
		"costCenter":      nil, "invoiceId": nil,
		"createdDate": stamp(tr.Created), "updatedDate": stamp(tr.Updated),
	}
	if p, ok := s.reportProject(*tr); ok {
		out["project"] = map[string]any{"objectName": "project.name_id", "id": p.ID, "name": p.Title, "number": p.OrderNumber}
		out["contact"] = nameID("generic.name_id", p.Contact.ID, p.Contact.Name)
	}
	if !detail {
		out["travelReportId"], out["allowanceReportId"] = nil, nil
		return out
	}
	out["objectName"] = "timereport.detail"
	out["attestedByUser"], out["bookingProject"], out["task"] = nil, nil, nil
	out["travelReport"], out["allowanceReport"] = rawOrNull(tr.TravelReport), rawOrNull(tr.AllowanceReport)
	for k, v := range map[string]json.RawMessage{"materials": tr.Materials, "equipments": tr.Equipments, "additions": tr.Additions} {
		if v == nil {
			v = json.RawMessage("[]")
		}
		out[k] = v
	}
	return out
}

func rawOrNull(v json.RawMessage) any {
	if v == nil {
		return nil
	}
	return v
}
