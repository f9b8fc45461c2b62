package zeittest

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"stampclock/internal/fakehttp"
	"strings"
	"time"
)

// timeLayout is the API's time format; seconds must be "00".
const timeLayout = "2006-01-02T15:04:05"

var timeRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:00$`)

// maxBody bounds request bodies the server reads.
const maxBody = 64 << 10

// Handler returns the HTTP handler serving the API under /api/.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/hello/sayhello", s.sayHello)
	mux.HandleFunc("GET /api/hello/securedSayhello", s.authed(s.securedHello))
	mux.HandleFunc("POST /api/login", s.login)
	mux.HandleFunc("GET /api/time-v2.1/timetypes", s.authed(s.timeTypesList))
	mux.HandleFunc("GET /api/time-v2.1/users", s.authed(s.usersList))
	mux.HandleFunc("GET /api/time-v2.1/projects", s.authed(s.projectsList))
	mux.HandleFunc("GET /api/time-v2.1/projects/{useremail}", s.authed(s.userProjects))
	mux.HandleFunc("GET /api/time-v2.1/timeentries", s.authed(s.timeEntries))
	mux.HandleFunc("POST /api/time-v2.1/createtimeentry", s.authed(s.createEntry))
	mux.HandleFunc("DELETE /api/time-v2.1/deletetimeentry/{id}", s.authed(s.deleteEntry))

	return s.front().Handler(mux)
}

// front is the server's outer handler, before its API mux.
func (s *Server) front() fakehttp.Front {
	return fakehttp.Front{
		Faults: &s.Faults,
		Mu:     &s.mu,
		Counts: &s.stats.Counts,
		Unavailable: func(w http.ResponseWriter, r *http.Request) {
			errorJSON(w, http.StatusServiceUnavailable, "service unavailable")
			s.log.Info("zeittest: down", "method", r.Method, "path", r.URL.Path, "status", http.StatusServiceUnavailable)
		},
		Name: "zeittest",
		Log:  s.log,
	}
}

// errorJSON answers status with {"status": status, "message": msg}.
func errorJSON(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, struct {
		Status  int    `json:"status"`
		Message string `json:"message"`
	}{status, msg})
}

// authed wraps h with the token check.
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if msg := s.checkAuth(r); msg != "" {
			w.Header().Set("WWW-Authenticate", s.o.AuthScheme)
			errorJSON(w, http.StatusUnauthorized, msg)
			return
		}
		if f := s.TakeNext(); f != nil {
			s.mu.Lock()
			s.stats.Injected++
			s.mu.Unlock()
			f.Write(w, "application/json", errorJSON)
			return
		}
		h(w, r)
	}
}

// checkAuth returns why r is not authenticated, or "".
func (s *Server) checkAuth(r *http.Request) string {
	v := r.Header.Get(s.o.AuthHeader)
	tok := v
	if s.o.AuthScheme != "none" {
		scheme, rest, ok := strings.Cut(v, " ")
		if !ok || !strings.EqualFold(scheme, s.o.AuthScheme) {
			tok = ""
		} else {
			tok = rest
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	msg := ""
	switch {
	case s.rejectAuth > 0:
		s.rejectAuth--
		s.stats.Injected++
		msg = "token rejected"
	case v == "":
		msg = "missing " + s.o.AuthHeader + " header"
	case tok == "":
		msg = fmt.Sprintf("%s header must be %q followed by the token", s.o.AuthHeader, s.o.AuthScheme+" ")
	case !s.tokens[tok]:
		msg = "invalid or expired token"
	}
	if msg != "" {
		s.stats.Unauthorized++
	}
	return msg
}

// isJSON tells whether r declares a JSON body.
func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// readObject reads r's body as one JSON object of strings. It rejects
// non-JSON content, anything after the object, fields not in allowed and
// non-string values.
func readObject(r *http.Request, allowed ...string) (map[string]string, error) {
	if !isJSON(r) {
		return nil, fmt.Errorf("Content-Type must be application/json, got %q", r.Header.Get("Content-Type"))
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %v", err)
	}
	if len(b) > maxBody {
		return nil, errors.New("body too large")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var raw map[string]json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("body is not a JSON object: %v", err)
	}
	if raw == nil {
		return nil, errors.New("body is not a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON object")
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if !slices.Contains(allowed, k) {
			return nil, fmt.Errorf("unknown field %q", k)
		}
		var str string
		if err := json.Unmarshal(v, &str); err != nil || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			return nil, fmt.Errorf("field %q must be a string", k)
		}
		out[k] = str
	}
	return out, nil
}

// parseTime checks v against the API's format YYYY-MM-DDTHH:MM:00 and that
// it names a real date and time.
func parseTime(name, v string) (time.Time, error) {
	if !timeRE.MatchString(v) {
		return time.Time{}, fmt.Errorf("%s %q: format must be YYYY-MM-DDTHH:MM:00", name, v)
	}
	t, err := time.Parse(timeLayout, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: not a valid date and time", name, v)
	}
	return t, nil
}

func (s *Server) sayHello(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "Hallo Welt!")
}

func (s *Server) securedHello(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "Hallo "+s.o.Email+"!")
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, msg string) {
		s.mu.Lock()
		s.stats.LoginFailures++
		s.mu.Unlock()
		errorJSON(w, status, msg)
	}
	obj, err := readObject(r, "loginemail", "apipassword")
	if err != nil {
		fail(http.StatusBadRequest, "login: "+err.Error())
		return
	}
	email, okE := obj["loginemail"]
	pass, okP := obj["apipassword"]
	if !okE || !okP {
		fail(http.StatusBadRequest, "login: loginemail and apipassword are required")
		return
	}
	if !strings.EqualFold(email, s.o.Email) || subtle.ConstantTimeCompare([]byte(pass), []byte(s.o.Password)) != 1 {
		fail(http.StatusUnauthorized, "login failed: wrong loginemail or apipassword")
		return
	}
	tok := newToken()
	s.mu.Lock()
	s.tokens[tok] = true
	s.stats.Logins++
	style := s.loginStyle
	s.mu.Unlock()
	if style == LoginRaw {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, tok)
		return
	}
	writeJSON(w, http.StatusOK, tok)
}

func (s *Server) timeTypesList(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.o.TimeTypes)
}

func (s *Server) projectsList(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, append([]IDName{}, s.o.Projects...))
}

func (s *Server) userProjects(w http.ResponseWriter, r *http.Request) {
	if !s.users[strings.ToLower(r.PathValue("useremail"))] {
		errorJSON(w, http.StatusNotFound, fmt.Sprintf("unknown user %q", r.PathValue("useremail")))
		return
	}
	s.projectsList(w, r)
}

func (s *Server) usersList(w http.ResponseWriter, r *http.Request) {
	type user struct {
		LoginEmail string `json:"loginemail"`
	}
	list := []user{{s.o.Email}}
	for _, u := range s.o.Users {
		if !strings.EqualFold(u, s.o.Email) {
			list = append(list, user{u})
		}
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) timeEntries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for _, k := range []string{"useremail", "start", "end"} {
		if q.Get(k) == "" {
			errorJSON(w, http.StatusBadRequest, "query parameter "+k+" is required")
			return
		}
	}
	start, err := parseTime("start", q.Get("start"))
	if err != nil {
		errorJSON(w, http.StatusBadRequest, err.Error())
		return
	}
	end, err := parseTime("end", q.Get("end"))
	if err != nil {
		errorJSON(w, http.StatusBadRequest, err.Error())
		return
	}
	if end.Before(start) {
		errorJSON(w, http.StatusBadRequest, "end must not be before start")
		return
	}
	user := q.Get("useremail")
	if !s.users[strings.ToLower(user)] {
		errorJSON(w, http.StatusNotFound, fmt.Sprintf("unknown user %q", user))
		return
	}
	list := []Entry{}
	s.mu.Lock()
	for _, e := range s.entries {
		t, err := time.Parse(timeLayout, e.StartTime)
		if err == nil && strings.EqualFold(e.UserEmail, user) && !t.Before(start) && !t.After(end) {
			list = append(list, e)
		}
	}
	s.stats.Queries++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) createEntry(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.Creates++
	fault := s.failCreates.Take()
	if fault != nil {
		s.stats.Injected++
	}
	s.mu.Unlock()
	if fault != nil {
		fault.Write(w, "application/json", errorJSON)
		return
	}

	obj, err := readObject(r, "starttime", "endtime", "useremail", "timetypeid", "projectid", "comment")
	if err != nil {
		errorJSON(w, http.StatusBadRequest, err.Error())
		return
	}
	for _, k := range []string{"starttime", "endtime", "useremail", "timetypeid"} {
		if obj[k] == "" {
			errorJSON(w, http.StatusBadRequest, k+" is required")
			return
		}
	}
	start, err := parseTime("starttime", obj["starttime"])
	if err != nil {
		errorJSON(w, http.StatusBadRequest, err.Error())
		return
	}
	end, err := parseTime("endtime", obj["endtime"])
	if err != nil {
		errorJSON(w, http.StatusBadRequest, err.Error())
		return
	}
	if end.Before(start) {
		errorJSON(w, http.StatusBadRequest, "endtime must not be before starttime")
		return
	}
	if !s.users[strings.ToLower(obj["useremail"])] {
		errorJSON(w, http.StatusNotFound, fmt.Sprintf("unknown user %q", obj["useremail"]))
		return
	}
	if !s.timeTypes[obj["timetypeid"]] {
		errorJSON(w, http.StatusBadRequest, fmt.Sprintf("unknown timetypeid %q", obj["timetypeid"]))
		return
	}
	if p, ok := obj["projectid"]; ok && !s.projects[p] {
		errorJSON(w, http.StatusBadRequest, fmt.Sprintf("unknown projectid %q", p))
		return
	}
	e := Entry{
		ID:         newUUID(),
		StartTime:  obj["starttime"],
		EndTime:    obj["endtime"],
		UserEmail:  obj["useremail"],
		TimeTypeID: obj["timetypeid"],
		ProjectID:  obj["projectid"],
		Comment:    obj["comment"],
	}
	s.mu.Lock()
	s.entries = append(s.entries, e)
	s.stats.Stored++
	s.mu.Unlock()
	drop := s.TakeDrop()
	s.log.Info("zeittest: stored entry", "id", e.ID, "user", e.UserEmail, "start", e.StartTime, "end", e.EndTime)
	if s.o.OnStore != nil {
		s.o.OnStore(e)
	}
	if drop {
		s.front().Drop(w, r)
		return
	}
	writeJSON(w, http.StatusOK, []string{e.ID})
}

func (s *Server) deleteEntry(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	s.stats.Deletes++
	i := slices.IndexFunc(s.entries, func(e Entry) bool { return e.ID == id })
	drop := false
	if i >= 0 {
		s.entries = slices.Delete(s.entries, i, i+1)
		s.stats.Deleted++
		if s.dropDeletes > 0 {
			s.dropDeletes--
			drop = true
		}
	}
	s.mu.Unlock()
	if i < 0 {
		errorJSON(w, http.StatusNotFound, fmt.Sprintf("unknown time entry %q", id))
		return
	}
	if drop {
		s.front().Drop(w, r)
		return
	}
	w.WriteHeader(http.StatusOK)
}
