package zeiterfassung

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"stampclock/apifake/fault"
	"stampclock/apifake/strict"
)

// Routes for fault injection (see package fault).
const (
	RouteLogin   = "POST /api/login"
	RouteCreate  = "POST /api/time-v2.1/createtimeentry"
	RouteList    = "GET /api/time-v2.1/timeentries"
	RouteDelete  = "DELETE /api/time-v2.1/deletetimeentry/*"
	RouteSecured = "GET /api/hello/securedSayhello"
)

// LoginAnswer selects how the token is written in the login answer.
type LoginAnswer int

const (
	// TokenRaw answers the bare token with Content-Type text/plain.
	TokenRaw LoginAnswer = iota
	// TokenJSON answers the token as a JSON string with Content-Type application/json.
	TokenJSON
)

// CreateAnswer selects the shape of the createtimeentry answer.
type CreateAnswer int

const (
	// IDObjects answers [{"id": "<id>"}].
	IDObjects CreateAnswer = iota
	// IDStrings answers ["<id>"].
	IDStrings
)

// Named is a time type or a project: an id and a name.
type Named struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Options configure the fake. Zero fields take the value in DefaultOptions.
type Options struct {
	// Now is the clock for token expiry and Entry.Created. Default time.Now.
	Now func() time.Time
	// LoginEmail and APIPassword are the only credentials POST /api/login
	// accepts. Default "admin@somedomain.com" / "12345678" (the document's example).
	LoginEmail, APIPassword string
	// AuthHeader is the header that must carry the token. Default "Authorization".
	AuthHeader string
	// AuthScheme precedes the token in AuthHeader, separated by one space.
	// Default "Bearer"; set NoAuthScheme to demand the bare token.
	AuthScheme   string
	NoAuthScheme bool
	// TokenTTL is how long a token stays valid after login; 0 = forever.
	TokenTTL time.Duration
	// LoginAnswer and CreateAnswer choose answer shapes the document leaves open.
	LoginAnswer  LoginAnswer
	CreateAnswer CreateAnswer
	// CreateStatus is the status of a successful createtimeentry. Default 200.
	CreateStatus int
	// Users are the login e-mails of the users. Default the document's
	// examples: admin@somedomain.com and maier@somedomain.com.
	Users []string
	// TimeTypes and Projects are the known time types and projects.
	// Default one each, with the ids of the document's create example.
	TimeTypes []Named
	Projects  []Named
	// UserProjects restricts the projects a user may book on (by id); a user
	// missing from a non-nil map may book on none. Nil: everyone on every project.
	UserProjects map[string][]string
}

// DefaultOptions are the values zero Options fields take.
var DefaultOptions = Options{
	LoginEmail:   "admin@somedomain.com",
	APIPassword:  "12345678",
	AuthHeader:   "Authorization",
	AuthScheme:   "Bearer",
	Users:        []string{"admin@somedomain.com", "maier@somedomain.com"},
	TimeTypes:    []Named{{ID: "83be5360-6067-4a09-a970-1ff2413d7101", Name: "Arbeitszeit"}},
	Projects:     []Named{{ID: "2aeba501-ca09-41b2-a938-654d178914e4", Name: "Demoprojekt"}},
	CreateStatus: http.StatusOK,
}

// Entry is a stored time entry.
type Entry struct {
	ID         string
	StartTime  string // YYYY-MM-DDTHH:MM:00 as sent
	EndTime    string // YYYY-MM-DDTHH:MM:00 as sent
	UserEmail  string
	TimeTypeID string
	ProjectID  string // "" when none was given
	Comment    string
	HasComment bool // comment was sent (possibly empty)
	Created    time.Time
}

// Server is the fake Zeiterfassung REST API v2.1. Fault injection and the
// request log come from the embedded fault.Injector.
type Server struct {
	*fault.Injector
	srv *httptest.Server
	opt Options
	key []byte

	mu      sync.Mutex
	tokens  map[string]time.Time // token -> expiry (zero: none)
	entries []Entry
	seq     int
	logins  int
}

// New starts the fake on a loopback port; it is closed when the test ends
// (t may be a *testing.T, or a fault.Standalone outside tests).
// Refused requests are logged to t with the reason.
func New(t fault.TB, o Options) *Server {
	t.Helper()
	d := DefaultOptions
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.LoginEmail == "" {
		o.LoginEmail = d.LoginEmail
	}
	if o.APIPassword == "" {
		o.APIPassword = d.APIPassword
	}
	if o.AuthHeader == "" {
		o.AuthHeader = d.AuthHeader
	}
	if o.NoAuthScheme {
		o.AuthScheme = ""
	} else if o.AuthScheme == "" {
		o.AuthScheme = d.AuthScheme
	}
	if o.Users == nil {
		o.Users = d.Users
	}
	if o.TimeTypes == nil {
		o.TimeTypes = d.TimeTypes
	}
	if o.Projects == nil {
		o.Projects = d.Projects
	}
	if o.CreateStatus == 0 {
		o.CreateStatus = d.CreateStatus
	}
	s := &Server{opt: o, key: []byte(fmt.Sprintf("fake-key-%p", t)), tokens: map[string]time.Time{}}
	s.Injector = fault.New(func(q fault.Request) {
		t.Logf("zeiterfassung fake: %d %s %s: %s", q.Status, q.Method, q.Path, q.Reason)
	})
	s.srv = httptest.NewServer(s.Wrap(http.HandlerFunc(s.route)))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the base URL (scheme, host, port; no trailing slash). API paths
// such as /api/login go after it.
func (s *Server) URL() string { return s.srv.URL }

// Client returns an HTTP client for the fake.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Entries returns a copy of the stored entries in creation order.
func (s *Server) Entries() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Entry(nil), s.entries...)
}

// AddEntry stores e as if it had been created (its ID, when empty, and
// Created are set) and returns its id. It does not validate e.
func (s *Server) AddEntry(e Entry) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.ID == "" {
		e.ID = s.newIDLocked()
	}
	e.Created = s.opt.Now()
	s.entries = append(s.entries, e)
	return e.ID
}

// Logins counts the successful logins.
func (s *Server) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

// ExpireTokens invalidates every token issued so far, as a server restart
// or an expiry would: the next request with one is answered 401.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]time.Time{}
}

func (s *Server) newIDLocked() string {
	s.seq++
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", s.seq, s.seq)
}

const (
	pathPrefix  = "/api/time-v2.1/"
	ctJSON      = "application/json"
	ctText      = "text/plain; charset=utf-8"
	entryLayout = "2006-01-02T15:04:05"
)

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/api/hello/sayhello":
		if method(w, r, http.MethodGet) {
			w.Header().Set("Content-Type", ctText)
			_, _ = w.Write([]byte("Hallo"))
		}
	case p == "/api/hello/securedSayhello":
		if method(w, r, http.MethodGet) && s.auth(w, r) {
			w.Header().Set("Content-Type", ctText)
			_, _ = w.Write([]byte("Hallo " + s.opt.LoginEmail))
		}
	case p == "/api/login":
		if method(w, r, http.MethodPost) {
			s.login(w, r)
		}
	case p == pathPrefix+"timetypes":
		if method(w, r, http.MethodGet) && s.auth(w, r) && noQuery(w, r) {
			writeJSON(w, http.StatusOK, s.opt.TimeTypes)
		}
	case p == pathPrefix+"users":
		if method(w, r, http.MethodGet) && s.auth(w, r) && noQuery(w, r) {
			users := make([]map[string]string, 0, len(s.opt.Users))
			for _, u := range s.opt.Users {
				users = append(users, map[string]string{"loginemail": u})
			}
			writeJSON(w, http.StatusOK, users)
		}
	case p == pathPrefix+"projects":
		if method(w, r, http.MethodGet) && s.auth(w, r) && noQuery(w, r) {
			writeJSON(w, http.StatusOK, s.opt.Projects)
		}
	case strings.HasPrefix(p, pathPrefix+"projects/"):
		if method(w, r, http.MethodGet) && s.auth(w, r) && noQuery(w, r) {
			s.userProjects(w, strings.TrimPrefix(p, pathPrefix+"projects/"))
		}
	case p == pathPrefix+"timeentries":
		if method(w, r, http.MethodGet) && s.auth(w, r) {
			s.list(w, r)
		}
	case p == pathPrefix+"createtimeentry":
		if method(w, r, http.MethodPost) && s.auth(w, r) {
			s.create(w, r)
		}
	case strings.HasPrefix(p, pathPrefix+"deletetimeentry/"):
		if method(w, r, http.MethodDelete) && s.auth(w, r) {
			s.delete(w, strings.TrimPrefix(p, pathPrefix+"deletetimeentry/"))
		}
	default:
		refuse(w, http.StatusNotFound, "no such resource in REST API v2.1: "+p)
	}
}

func refuse(w http.ResponseWriter, status int, reason string) {
	fault.Refuse(w, status, reason, ctText, []byte(reason+"\n"))
}

func method(w http.ResponseWriter, r *http.Request, want string) bool {
	if r.Method == want {
		return true
	}
	w.Header().Set("Allow", want)
	refuse(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s, the document gives @%s for %s", r.Method, want, r.URL.Path))
	return false
}

func noQuery(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.RawQuery == "" {
		return true
	}
	refuse(w, http.StatusBadRequest, "query "+r.URL.RawQuery+" given; the resource takes no parameters")
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", ctJSON)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// auth checks the token header; it answers 401 and returns false when the
// token is missing, unknown or expired.
func (s *Server) auth(w http.ResponseWriter, r *http.Request) bool {
	tok, err := strict.Bearer(r, s.opt.AuthHeader, s.opt.AuthScheme)
	if err != nil {
		refuse(w, http.StatusUnauthorized, err.Error())
		return false
	}
	s.mu.Lock()
	exp, ok := s.tokens[tok]
	now := s.opt.Now()
	s.mu.Unlock()
	switch {
	case !ok:
		refuse(w, http.StatusUnauthorized, "token not issued by /api/login (or expired with ExpireTokens)")
		return false
	case !exp.IsZero() && !now.Before(exp):
		refuse(w, http.StatusUnauthorized, "token expired at "+exp.Format(time.RFC3339))
		return false
	}
	return true
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := strict.MediaType(r, ctJSON); err != nil {
		refuse(w, http.StatusUnsupportedMediaType, "login: "+err.Error())
		return
	}
	m, err := strict.Object(r, "loginemail", "apipassword")
	if err != nil {
		refuse(w, http.StatusBadRequest, "login: "+err.Error())
		return
	}
	email, ok1, err1 := strict.String(m, "loginemail")
	pass, ok2, err2 := strict.String(m, "apipassword")
	switch {
	case err1 != nil || err2 != nil:
		refuse(w, http.StatusBadRequest, fmt.Sprintf("login: %v", firstErr(err1, err2)))
		return
	case !ok1 || !ok2:
		refuse(w, http.StatusBadRequest, "login: loginemail and apipassword are both required")
		return
	case email != s.opt.LoginEmail || pass != s.opt.APIPassword:
		refuse(w, http.StatusUnauthorized, "login: wrong loginemail or apipassword")
		return
	}
	s.mu.Lock()
	now := s.opt.Now()
	var exp time.Time
	if s.opt.TokenTTL > 0 {
		exp = now.Add(s.opt.TokenTTL)
	}
	s.logins++
	tok := s.jwt(email, now, exp, s.logins)
	s.tokens[tok] = exp
	s.mu.Unlock()
	if s.opt.LoginAnswer == TokenJSON {
		writeJSON(w, http.StatusOK, tok)
		return
	}
	w.Header().Set("Content-Type", ctText)
	_, _ = w.Write([]byte(tok))
}

// jwt makes an HS256 JSON Web Token.
func (s *Server) jwt(sub string, iat, exp time.Time, n int) string {
	enc := base64.RawURLEncoding
	claims := map[string]any{"sub": sub, "iat": iat.Unix(), "jti": n}
	if !exp.IsZero() {
		claims["exp"] = exp.Unix()
	}
	c, _ := json.Marshal(claims)
	unsigned := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString(c)
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(unsigned))
	return unsigned + "." + enc.EncodeToString(mac.Sum(nil))
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

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
