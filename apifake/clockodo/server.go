package clockodo

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"sync"
	"time"

	"stampclock/apifake/fault"
	"stampclock/apifake/strict"
)

// Routes for fault injection (see package fault).
const (
	RouteGroups = "GET /api/entrygroups"
	RouteEdit   = "PUT /api/entrygroups"
	RouteDelete = "DELETE /api/entrygroups"
)

// Named is a user, customer, project or service.
type Named struct {
	ID     int
	Name   string
	Number string // customer number, personnel number, ...
	Note   string // customers, projects and services only
}

// Entry is a stored time entry.
type Entry struct {
	ID                                           int
	UsersID, CustomersID, ProjectsID, ServicesID int
	TextsID                                      int
	Text                                         string
	Billable                                     int // 0, 1 or 2 (billable and billed)
	IsLumpSum                                    bool
	TimeSince, TimeUntil                         time.Time
	HourlyRate                                   float64
}

// Duration is the entry's duration in whole seconds.
func (e Entry) Duration() int { return int(e.TimeUntil.Sub(e.TimeSince) / time.Second) }

// Options configure the fake. Zero fields take the value in DefaultOptions.
type Options struct {
	// RequireHeaders are headers every request must carry with exactly these
	// values (the entrygroups document does not describe authentication).
	// Default none.
	RequireHeaders map[string]string
	// Location is the time zone time_since and time_until are read in.
	// Default UTC.
	Location *time.Location
	// Registries. Defaults: user 1, customer 1, project 1, service 1.
	Users, Customers, Projects, Services []Named
}

// DefaultOptions are the values zero Options fields take.
var DefaultOptions = Options{
	Location:  time.UTC,
	Users:     []Named{{ID: 1, Name: "Max Muster", Number: "P-1"}},
	Customers: []Named{{ID: 1, Name: "Kunde", Number: "K-1"}},
	Projects:  []Named{{ID: 1, Name: "Projekt", Number: "PR-1"}},
	Services:  []Named{{ID: 1, Name: "Leistung", Number: "L-1"}},
}

// Server is the fake clockodo entrygroups API. Fault injection and the
// request log come from the embedded fault.Injector.
type Server struct {
	*fault.Injector
	srv *httptest.Server
	opt Options

	mu      sync.Mutex
	entries []Entry
	seq     int
	pending map[string]string // confirm_key -> canonical parameters
}

// New starts the fake on a loopback port; it is closed when the test ends
// (t may be a *testing.T, or a fault.Standalone outside tests).
// Refused requests are logged to t with the reason.
func New(t fault.TB, o Options) *Server {
	t.Helper()
	d := DefaultOptions
	if o.Location == nil {
		o.Location = d.Location
	}
	if o.Users == nil {
		o.Users = d.Users
	}
	if o.Customers == nil {
		o.Customers = d.Customers
	}
	if o.Projects == nil {
		o.Projects = d.Projects
	}
	if o.Services == nil {
		o.Services = d.Services
	}
	s := &Server{opt: o, pending: map[string]string{}}
	s.Injector = fault.New(func(q fault.Request) {
		t.Logf("clockodo fake: %d %s %s?%s: %s", q.Status, q.Method, q.Path, q.Query, q.Reason)
	})
	s.srv = httptest.NewServer(s.Wrap(http.HandlerFunc(s.route)))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the base URL; /api/entrygroups goes after it.
func (s *Server) URL() string { return s.srv.URL }

// Client returns an HTTP client for the fake.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// AddEntry stores e (its ID, when 0, is set) and returns its id.
func (s *Server) AddEntry(e Entry) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.ID == 0 {
		s.seq++
		e.ID = s.seq
	}
	s.entries = append(s.entries, e)
	return e.ID
}

// Entries returns a copy of the stored entries.
func (s *Server) Entries() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Entry(nil), s.entries...)
}

const tsLayout = "2006-01-02 15:04:05"

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func refuse(w http.ResponseWriter, status int, reason string) {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"message": reason}})
	fault.Refuse(w, status, reason, "application/json; charset=utf-8", b)
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	for k, v := range s.opt.RequireHeaders {
		if r.Header.Get(k) != v {
			refuse(w, http.StatusUnauthorized, "header "+k+" missing or wrong")
			return
		}
	}
	if r.URL.Path != "/api/entrygroups" {
		refuse(w, http.StatusNotFound, "no such path in the document: "+r.URL.Path)
		return
	}
	params, err := readParams(r)
	if err != nil {
		refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.groups(w, params)
	case http.MethodPut, http.MethodDelete:
		s.change(w, params, r.Method == http.MethodDelete)
	default:
		w.Header().Set("Allow", "GET, PUT, DELETE")
		refuse(w, http.StatusMethodNotAllowed, "method "+r.Method+" not documented for /api/entrygroups")
	}
}

// readParams returns the query parameters, and for PUT and DELETE those of
// an application/x-www-form-urlencoded body too; a name in both is refused.
func readParams(r *http.Request) (url.Values, error) {
	q := r.URL.Query()
	if r.ContentLength == 0 {
		return q, nil
	}
	if r.Method == http.MethodGet {
		return nil, fmt.Errorf("GET with a body; parameters go in the query string")
	}
	if err := strict.MediaType(r, "application/x-www-form-urlencoded"); err != nil {
		return nil, fmt.Errorf("body: %v (parameters are form-encoded, HTTP-POST notation)", err)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, strict.MaxBody+1))
	if err != nil || len(body) > strict.MaxBody {
		return nil, fmt.Errorf("form body unreadable or larger than %d bytes", strict.MaxBody)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("form body: %v", err)
	}
	for k, v := range form {
		if _, dup := q[k]; dup {
			return nil, fmt.Errorf("parameter %s given in the query and the body", k)
		}
		q[k] = v
	}
	return q, nil
}

// canonical is a stable text of the parameters without confirm_key.
func canonical(p url.Values) string {
	c := url.Values{}
	for k, v := range p {
		if k != "confirm_key" {
			vs := append([]string(nil), v...)
			sort.Strings(vs)
			c[k] = vs
		}
	}
	return c.Encode()
}

func newKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
