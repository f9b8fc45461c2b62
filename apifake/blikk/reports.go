package blikk

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
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

// refuseField answers a validation error: 415 for the media type, else 400 naming the member.
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
