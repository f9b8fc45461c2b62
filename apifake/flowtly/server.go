package flowtly

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"stampclock/apifake/fault"
	"stampclock/apifake/strict"
)

// Collection paths: the document lists all three with the same operations
// (DELETE only on the hyphenated two); they share one store here.
const (
	PathWorkingHours       = "/employee_working_hours"
	PathWorkingHoursHyphen = "/employee-working-hours"
	PathWorkTimes          = "/work-times"
)

// Routes for fault injection (see package fault).
const (
	RouteCreate = "POST " + PathWorkingHours
	RouteList   = "GET " + PathWorkingHours
	RouteItem   = PathWorkingHours + "/*"
)

// ListFormat selects the shape of collection answers, which the document
// does not show.
type ListFormat int

const (
	// Hydra answers {"@context", "@id", "@type": "hydra:Collection",
	// "hydra:member": [...], "hydra:totalItems": n} (application/ld+json).
	Hydra ListFormat = iota
	// PlainArray answers a JSON array of the items (application/json).
	PlainArray
)

// Employee is an employee; its IRI is /api/employees/{ID}.
type Employee struct {
	ID   string
	Name string
}

// Options configure the fake. Zero fields take the value in DefaultOptions.
type Options struct {
	// Now is the clock for createdAt, updatedAt and deletedAt. Default time.Now.
	Now func() time.Time
	// Token is the bearer token every request must carry in
	// "Authorization: Bearer <Token>". Default "flowtly-test-token".
	Token string
	// Employees and Projects are the known employees and project ids; an
	// IRI naming another is refused. Defaults: the document's example
	// employee emp_102 and project aurora.
	Employees []Employee
	Projects  []string
	// ListFormat chooses the collection answer shape. Default Hydra.
	ListFormat ListFormat
	// PageSize is the number of items per collection page. Default 30.
	PageSize int
	// FirstID is the id of the first created work time. Default 1.
	FirstID int
}

// DefaultOptions are the values zero Options fields take.
var DefaultOptions = Options{
	Token:     "flowtly-test-token",
	Employees: []Employee{{ID: "emp_102", Name: "Employee 102"}},
	Projects:  []string{"aurora"},
	PageSize:  30,
	FirstID:   1,
}

// WorkTime is a stored work time entry.
type WorkTime struct {
	ID          int
	Employee    string // IRI as sent, /api/employees/{id}
	Project     string // IRI as sent, /api/projects/{id}
	Date        string // timestamp as sent
	Seconds     int
	Description *string // nil when absent or null
	CreatedAt   time.Time
	UpdatedAt   time.Time
	DeletedAt   time.Time // zero unless deleted
	Deleted     bool
	// Collection is the collection path the entry was created through.
	Collection string
}

// Server is the fake Flowtly API. Fault injection and the request log come
// from the embedded fault.Injector.
type Server struct {
	*fault.Injector
	srv *httptest.Server
	opt Options

	mu    sync.Mutex
	items []WorkTime
	next  int
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
	if o.Token == "" {
		o.Token = d.Token
	}
	if o.Employees == nil {
		o.Employees = d.Employees
	}
	if o.Projects == nil {
		o.Projects = d.Projects
	}
	if o.PageSize == 0 {
		o.PageSize = d.PageSize
	}
	if o.FirstID == 0 {
		o.FirstID = d.FirstID
	}
	s := &Server{opt: o, next: o.FirstID}
	s.Injector = fault.New(func(q fault.Request) {
		t.Logf("flowtly fake: %d %s %s: %s", q.Status, q.Method, q.Path, q.Reason)
	})
	s.srv = httptest.NewServer(s.Wrap(http.HandlerFunc(s.route)))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the base URL; the documented paths (/employee_working_hours, ...)
// go directly after it, as after https://api.flowtly.eu.
func (s *Server) URL() string { return s.srv.URL }

// Client returns an HTTP client for the fake.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// WorkTimes returns a copy of the stored work times (also soft-deleted
// ones) in creation order.
func (s *Server) WorkTimes() []WorkTime {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]WorkTime(nil), s.items...)
}

// AddWorkTime stores w without validation (ID, when 0, CreatedAt and
// UpdatedAt are set; Collection defaults to PathWorkingHours) and returns its id.
func (s *Server) AddWorkTime(w WorkTime) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addLocked(w)
}

func (s *Server) addLocked(w WorkTime) int {
	if w.ID == 0 {
		w.ID = s.next
		s.next++
	}
	now := s.opt.Now()
	w.CreatedAt, w.UpdatedAt = now, now
	if w.Collection == "" {
		w.Collection = PathWorkingHours
	}
	s.items = append(s.items, w)
	return w.ID
}

const (
	ctJSON   = "application/json"
	ctLD     = "application/ld+json"
	ctMerge  = "application/merge-patch+json"
	tsLayout = "2006-01-02T15:04:05-07:00"
)

func writeJSON(w http.ResponseWriter, status int, ct string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", ct+"; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// refuse answers an error as a JSON object with the reason as detail.
func refuse(w http.ResponseWriter, status int, reason string) {
	b, _ := json.Marshal(map[string]any{"title": http.StatusText(status), "status": status, "detail": reason})
	fault.Refuse(w, status, reason, "application/problem+json", b)
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	tok, err := strict.Bearer(r, "Authorization", "Bearer")
	if err != nil {
		refuse(w, http.StatusUnauthorized, err.Error())
		return
	}
	if tok != s.opt.Token {
		refuse(w, http.StatusUnauthorized, "bearer token is not the configured one")
		return
	}
	p := r.URL.Path
	for _, coll := range []string{PathWorkingHours, PathWorkingHoursHyphen, PathWorkTimes} {
		if p == coll {
			if allow(w, r, http.MethodGet, http.MethodPost) {
				if r.Method == http.MethodGet {
					s.list(w, r, coll)
				} else {
					s.create(w, r, coll)
				}
			}
			return
		}
		if rest, ok := strings.CutPrefix(p, coll+"/"); ok && !strings.Contains(rest, "/") {
			methods := []string{http.MethodGet, http.MethodPatch, http.MethodDelete}
			if coll == PathWorkingHours {
				methods = methods[:2]
			}
			if allow(w, r, methods...) {
				s.item(w, r, rest)
			}
			return
		}
	}
	switch {
	case p == "/employees":
		if allow(w, r, http.MethodGet) {
			var out []map[string]any
			for _, e := range s.opt.Employees {
				out = append(out, employeeJSON(e))
			}
			s.writeList(w, "/api/employees", out, len(out))
		}
	case strings.HasPrefix(p, "/employees/") && !strings.Contains(p[len("/employees/"):], "/"):
		if allow(w, r, http.MethodGet) {
			id := p[len("/employees/"):]
			for _, e := range s.opt.Employees {
				if e.ID == id {
					writeJSON(w, http.StatusOK, ctLD, employeeJSON(e))
					return
				}
			}
			refuse(w, http.StatusNotFound, "no employee "+id)
		}
	default:
		refuse(w, http.StatusNotFound, "no such path in the document: "+p)
	}
}

func employeeJSON(e Employee) map[string]any {
	return map[string]any{"@id": "/api/employees/" + e.ID, "@type": "Employee", "id": e.ID, "name": e.Name}
}

func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	refuse(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not documented for %s", r.Method, r.URL.Path))
	return false
}

func (s *Server) writeList(w http.ResponseWriter, id string, items []map[string]any, total int) {
	if items == nil {
		items = []map[string]any{}
	}
	if s.opt.ListFormat == PlainArray {
		writeJSON(w, http.StatusOK, ctJSON, items)
		return
	}
	writeJSON(w, http.StatusOK, ctLD, map[string]any{
		"@context": "/api/contexts/" + strings.TrimPrefix(id, "/api/"), "@id": id, "@type": "hydra:Collection",
		"hydra:member": items, "hydra:totalItems": total,
	})
}

func (s *Server) findLocked(idText string) (*WorkTime, bool) {
	id, err := strconv.Atoi(idText)
	if err != nil {
		return nil, false
	}
	for i := range s.items {
		if s.items[i].ID == id && !s.items[i].Deleted {
			return &s.items[i], true
		}
	}
	return nil, false
}
