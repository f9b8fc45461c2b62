package timesheets

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

var (
	timesheetFields  = []string{"person", "workday", "sum_time_spent", "workdays", "locked", "locked_days"}
	incompleteFields = []string{"id", "name", "primary_email", "completeness", "remaining_time"}
)

// spentLocked sums the minutes a person spent in sp, for org (0: any).
func (s *Server) spentLocked(person, org int, sp span) map[string]int {
	out := map[string]int{}
	for _, d := range sp.days() {
		out[d.Format(dateLayout)] = 0
	}
	for _, e := range s.entries {
		if e.PersonID != person || (org != 0 && e.OrganizationID != org) {
			continue
		}
		if _, in := out[e.Date]; in {
			out[e.Date] += e.Minutes
		}
	}
	return out
}

func (s *Server) orgKnown(org int) bool {
	for _, p := range s.opt.People {
		if p.OrganizationID == org {
			return true
		}
	}
	return false
}

func (s *Server) timesheetLocked(p Person, org int, month time.Time) map[string]any {
	if org == 0 {
		org = p.OrganizationID
	}
	sp := monthSpan(month)
	sum := 0
	for _, m := range s.spentLocked(p.ID, org, sp) {
		sum += m
	}
	var days strings.Builder
	all := true
	for _, d := range sp.days() {
		if s.lockedLocked(p.ID, org, d.Format(dateLayout)) {
			days.WriteByte('1')
		} else {
			days.WriteByte('0')
			all = false
		}
	}
	return map[string]any{
		"person":  map[string]any{"id": p.ID, "name": p.Name},
		"workday": s.opt.WorkdayMinutes, "sum_time_spent": sum,
		"workdays": math.Round(float64(sum)/float64(s.opt.WorkdayMinutes)*100) / 100,
		"locked":   all, "locked_days": days.String(),
	}
}

func (s *Server) timesheets(w http.ResponseWriter, q query) {
	if err := q.only("organization_id", "person_id", "month_of", "fields", "page", "per_page"); err != nil {
		refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	if q.spanParam != "month_of" {
		refuse(w, http.StatusBadRequest, "month_of is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if q.person != 0 {
		p, ok := s.person(q.person)
		if !ok {
			refuse(w, http.StatusNotFound, "no person "+strconv.Itoa(q.person))
			return
		}
		if q.org != 0 && !s.orgKnown(q.org) {
			refuse(w, http.StatusNotFound, "no organization "+strconv.Itoa(q.org))
			return
		}
		one, err := q.pick([]map[string]any{s.timesheetLocked(p, q.org, q.date)}, timesheetFields)
		if err != nil {
			refuse(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, one[0])
		return
	}
	if q.org == 0 {
		refuse(w, http.StatusBadRequest, "organization_id (for a list) or person_id (for one timesheet) is required")
		return
	}
	if !s.orgKnown(q.org) {
		refuse(w, http.StatusNotFound, "no organization "+strconv.Itoa(q.org))
		return
	}
	items := []map[string]any{}
	for _, p := range s.opt.People {
		if p.OrganizationID == q.org {
			items = append(items, s.timesheetLocked(p, q.org, q.date))
		}
	}
	items, err := q.pick(q.paginate(items), timesheetFields)
	if err != nil {
		refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, items)
}

func (s *Server) incomplete(w http.ResponseWriter, q query) {
	if err := q.only("organization_id", "week_of", "fields", "page", "per_page"); err != nil {
		refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	if q.spanParam != "week_of" {
		refuse(w, http.StatusBadRequest, "week_of is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if q.org != 0 && !s.orgKnown(q.org) {
		refuse(w, http.StatusNotFound, "no organization "+strconv.Itoa(q.org))
		return
	}
	items := []map[string]any{}
	for _, p := range s.opt.People {
		if q.org != 0 && p.OrganizationID != q.org {
			continue
		}
		spent := 0
		for _, m := range s.spentLocked(p.ID, q.org, weekSpan(q.date)) {
			spent += m
		}
		if spent >= s.opt.WorkweekMinutes {
			continue
		}
		completeness := 0
		if spent > 0 {
			completeness = 1
		}
		items = append(items, map[string]any{"id": p.ID, "name": p.Name, "primary_email": p.PrimaryEmail,
			"completeness": completeness, "remaining_time": s.opt.WorkweekMinutes - spent})
	}
	items, err := q.pick(q.paginate(items), incompleteFields)
	if err != nil {
		refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, items)
}

func (s *Server) dayTotals(w http.ResponseWriter, q query) {
	if err := q.only("organization_id", "person_id", "date", "week_of", "month_of"); err != nil {
		refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	if q.person == 0 || q.spanParam == "" {
		refuse(w, http.StatusBadRequest, "person_id and one of date, week_of, month_of are required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.person(q.person); !ok {
		refuse(w, http.StatusNotFound, "no person "+strconv.Itoa(q.person))
		return
	}
	if q.org != 0 && !s.orgKnown(q.org) {
		refuse(w, http.StatusNotFound, "no organization "+strconv.Itoa(q.org))
		return
	}
	out := map[string]string{}
	for d, m := range s.spentLocked(q.person, q.org, q.span()) {
		out[d] = strconv.Itoa(m)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) lock(w http.ResponseWriter, q query, lock bool) {
	if err := q.only("organization_id", "person_id", "date", "week_of", "month_of"); err != nil {
		refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	if (q.person == 0 && q.org == 0) || q.spanParam == "" {
		refuse(w, http.StatusBadRequest, "organization_id or person_id, and one of date, week_of, month_of are required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var people []int
	if q.person != 0 {
		if _, ok := s.person(q.person); !ok {
			refuse(w, http.StatusNotFound, "no person "+strconv.Itoa(q.person))
			return
		}
		people = []int{q.person}
	}
	if q.org != 0 {
		if !s.orgKnown(q.org) {
			refuse(w, http.StatusNotFound, "no organization "+strconv.Itoa(q.org))
			return
		}
		if q.person == 0 {
			for _, p := range s.opt.People {
				if p.OrganizationID == q.org {
					people = append(people, p.ID)
				}
			}
		}
	}
	for _, p := range people {
		for _, d := range q.span().days() {
			s.setLockedLocked(p, q.org, d.Format(dateLayout), lock)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}
