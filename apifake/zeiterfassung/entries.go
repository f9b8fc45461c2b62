package zeiterfassung

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"stampclock/apifake/strict"
)

func (s *Server) knownUser(email string) bool {
	for _, u := range s.opt.Users {
		if u == email {
			return true
		}
	}
	return false
}

func (s *Server) userProjects(w http.ResponseWriter, email string) {
	if email == "" || strings.Contains(email, "/") {
		refuse(w, http.StatusNotFound, "projects/{useremail}: malformed path")
		return
	}
	if !s.knownUser(email) {
		refuse(w, http.StatusNotFound, "projects/{useremail}: no user "+email)
		return
	}
	out := []Named{}
	for _, p := range s.opt.Projects {
		if s.mayBook(email, p.ID) {
			out = append(out, p)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) mayBook(email, project string) bool {
	if s.opt.UserProjects == nil {
		return true
	}
	for _, id := range s.opt.UserProjects[email] {
		if id == project {
			return true
		}
	}
	return false
}

var timeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00$`)

// parseTime checks the documented format YYYY-MM-DDTHH:MM:00 and that the
// date and time exist.
func parseTime(name, v string) (time.Time, error) {
	if !timeRE.MatchString(v) {
		return time.Time{}, fmt.Errorf("%s %q: want YYYY-MM-DDTHH:MM:00 (seconds 00, no offset, no fraction)", name, v)
	}
	t, err := time.Parse(entryLayout, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: no such date or time", name, v)
	}
	return t, nil
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k, v := range q {
		if k != "useremail" && k != "start" && k != "end" {
			refuse(w, http.StatusBadRequest, "timeentries: unknown parameter "+k+"; the document lists useremail, start, end")
			return
		}
		if len(v) != 1 {
			refuse(w, http.StatusBadRequest, "timeentries: parameter "+k+" given more than once")
			return
		}
	}
	for _, k := range []string{"useremail", "start", "end"} {
		if q.Get(k) == "" {
			refuse(w, http.StatusBadRequest, "timeentries: parameter "+k+" is required")
			return
		}
	}
	start, err1 := parseTime("start", q.Get("start"))
	end, err2 := parseTime("end", q.Get("end"))
	if err := firstErr(err1, err2); err != nil {
		refuse(w, http.StatusBadRequest, "timeentries: "+err.Error())
		return
	}
	if end.Before(start) {
		refuse(w, http.StatusBadRequest, "timeentries: end before start")
		return
	}
	email := q.Get("useremail")
	if !s.knownUser(email) {
		refuse(w, http.StatusBadRequest, "timeentries: no user "+email)
		return
	}
	s.mu.Lock()
	var found []Entry
	for _, e := range s.entries {
		st, err := time.Parse(entryLayout, e.StartTime)
		if e.UserEmail == email && err == nil && !st.Before(start) && !st.After(end) {
			found = append(found, e)
		}
	}
	s.mu.Unlock()
	sort.SliceStable(found, func(i, j int) bool { return found[i].StartTime < found[j].StartTime })
	out := make([]map[string]string, 0, len(found))
	for _, e := range found {
		m := map[string]string{"id": e.ID, "starttime": e.StartTime, "endtime": e.EndTime,
			"useremail": e.UserEmail, "timetypeid": e.TimeTypeID}
		if e.ProjectID != "" {
			m["projectid"] = e.ProjectID
		}
		if e.HasComment {
			m["comment"] = e.Comment
		}
		out = append(out, m)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	if err := strict.MediaType(r, ctJSON); err != nil {
		refuse(w, http.StatusUnsupportedMediaType, "createtimeentry: "+err.Error())
		return
	}
	if r.URL.RawQuery != "" {
		refuse(w, http.StatusBadRequest, "createtimeentry: parameters belong in the JSON body, got query "+r.URL.RawQuery)
		return
	}
	m, err := strict.Object(r, "starttime", "endtime", "useremail", "timetypeid", "projectid", "comment")
	if err != nil {
		refuse(w, http.StatusBadRequest, "createtimeentry: "+err.Error())
		return
	}
	var e Entry
	vals := map[string]*string{"starttime": &e.StartTime, "endtime": &e.EndTime, "useremail": &e.UserEmail,
		"timetypeid": &e.TimeTypeID, "projectid": &e.ProjectID, "comment": &e.Comment}
	for _, k := range []string{"starttime", "endtime", "useremail", "timetypeid", "projectid", "comment"} {
		v, ok, err := strict.String(m, k)
		if err != nil {
			refuse(w, http.StatusBadRequest, "createtimeentry: "+err.Error())
			return
		}
		required := k != "projectid" && k != "comment"
		if required && (!ok || v == "") {
			refuse(w, http.StatusBadRequest, "createtimeentry: "+k+" is required")
			return
		}
		if k == "projectid" && ok && v == "" {
			refuse(w, http.StatusBadRequest, `createtimeentry: projectid "" is no project; leave it out instead`)
			return
		}
		if k == "comment" {
			e.HasComment = ok
		}
		*vals[k] = v
	}
	start, err1 := parseTime("starttime", e.StartTime)
	end, err2 := parseTime("endtime", e.EndTime)
	if err := firstErr(err1, err2); err != nil {
		refuse(w, http.StatusBadRequest, "createtimeentry: "+err.Error())
		return
	}
	if !end.After(start) {
		refuse(w, http.StatusBadRequest, "createtimeentry: endtime "+e.EndTime+" is not after starttime "+e.StartTime)
		return
	}
	if !s.knownUser(e.UserEmail) {
		refuse(w, http.StatusBadRequest, "createtimeentry: useremail "+e.UserEmail+" is no user")
		return
	}
	if !knownID(s.opt.TimeTypes, e.TimeTypeID) {
		refuse(w, http.StatusBadRequest, "createtimeentry: timetypeid "+e.TimeTypeID+" is no time type")
		return
	}
	if e.ProjectID != "" {
		if !knownID(s.opt.Projects, e.ProjectID) {
			refuse(w, http.StatusBadRequest, "createtimeentry: projectid "+e.ProjectID+" is no project")
			return
		}
		if !s.mayBook(e.UserEmail, e.ProjectID) {
			refuse(w, http.StatusBadRequest, "createtimeentry: projectid "+e.ProjectID+" is not a project of "+e.UserEmail)
			return
		}
	}
	id := s.AddEntry(e)
	if s.opt.CreateAnswer == IDLiteral {
		q, _ := json.Marshal(id)
		w.Header().Set("Content-Type", ctJSON)
		w.WriteHeader(s.opt.CreateStatus)
		_, _ = w.Write([]byte("[{" + string(q) + "}]"))
		return
	}
	if s.opt.CreateAnswer == IDStrings {
		writeJSON(w, s.opt.CreateStatus, []string{id})
		return
	}
	writeJSON(w, s.opt.CreateStatus, []map[string]string{{"id": id}})
}

func knownID(list []Named, id string) bool {
	for _, n := range list {
		if n.ID == id {
			return true
		}
	}
	return false
}

func (s *Server) delete(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, e := range s.entries {
		if e.ID == id {
			s.entries = append(s.entries[:i], s.entries[i+1:]...)
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	refuse(w, http.StatusNotFound, "deletetimeentry: no entry "+id)
}
