package zeiterfassung

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"stampclock/apifake/fault"
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
	// IDLiteral answers exactly the document's example form [{"<id>"}],
	// which is not JSON (Content-Type application/json all the same).
	IDLiteral
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
	// UsersLiteral answers the users resource in the document's example
	// form [{"a@b.c"}, ...], which is not JSON, instead of
	// [{"loginemail":"a@b.c"}, ...].
	UsersLiteral bool
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
			if s.opt.UsersLiteral {
				var b strings.Builder
				for i, u := range s.opt.Users {
					if i > 0 {
						b.WriteString(", ")
					}
					q, _ := json.Marshal(u)
					fmt.Fprintf(&b, "{%s}", q)
				}
				w.Header().Set("Content-Type", ctJSON)
				_, _ = w.Write([]byte("[" + b.String() + "]"))
				return
			}
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
