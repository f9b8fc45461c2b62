package timesheets

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"time"

	"stampclock/apifake/fault"
	"stampclock/apifake/strict"
)

// Routes for fault injection (see package fault).
const (
	RouteTimesheets = "GET /v1/timesheets"
	RouteIncomplete = "GET /v1/timesheets/incomplete"
	RouteDayTotals  = "GET /v1/timesheets/day_totals"
	RouteLock       = "POST /v1/timesheets/lock"
	RouteUnlock     = "DELETE /v1/timesheets/lock"
)

// Person is a person with the organization they are linked to.
type Person struct {
	ID             int
	Name           string
	PrimaryEmail   string
	OrganizationID int
}

// TimeEntry is time a person spent on a day for an organization.
type TimeEntry struct {
	PersonID       int
	OrganizationID int    // 0: the person's organization
	Date           string // yyyy-mm-dd
	Minutes        int
}

// Options configure the fake. Zero fields take the value in DefaultOptions.
type Options struct {
	// Token is the OAuth token every request must carry as
	// "Authorization: Bearer <Token>". Default "timesheets-test-token".
	Token string
	// Account is the value the "account" header must have. Default "pro-product".
	Account string
	// WorkdayMinutes is the workday of every organization. Default 480.
	WorkdayMinutes int
	// WorkweekMinutes is the workweek of every organization. Default 2400.
	WorkweekMinutes int
	// People are the known people. Default the document's examples: 77 Luis
	// Thomas and 54 Grace Weller in organization 44.
	People []Person
	// MaxPerPage is the largest per_page accepted. Default 100.
	MaxPerPage int
}

// DefaultOptions are the values zero Options fields take.
var DefaultOptions = Options{
	Token:           "timesheets-test-token",
	Account:         "pro-product",
	WorkdayMinutes:  480,
	WorkweekMinutes: 2400,
	People: []Person{
		{ID: 77, Name: "Luis Thomas", PrimaryEmail: "luis.thomas@widget.com", OrganizationID: 44},
		{ID: 54, Name: "Grace Weller", PrimaryEmail: "grace.weller@widget.com", OrganizationID: 44},
	},
	MaxPerPage: 100,
}

type lockKey struct {
	person, org int // org 0: every organization
	date        string
}

// Server is the fake Timesheets API. Fault injection and the request log
// come from the embedded fault.Injector.
type Server struct {
	*fault.Injector
	srv *httptest.Server
	opt Options

	mu      sync.Mutex
	entries []TimeEntry
	locks   map[lockKey]bool
}

// New starts the fake on a loopback port; it is closed when the test ends
// (t may be a *testing.T, or a fault.Standalone outside tests).
// Refused requests are logged to t with the reason.
func New(t fault.TB, o Options) *Server {
	t.Helper()
	d := DefaultOptions
	if o.Token == "" {
		o.Token = d.Token
	}
	if o.Account == "" {
		o.Account = d.Account
	}
	if o.WorkdayMinutes == 0 {
		o.WorkdayMinutes = d.WorkdayMinutes
	}
	if o.WorkweekMinutes == 0 {
		o.WorkweekMinutes = d.WorkweekMinutes
	}
	if o.People == nil {
		o.People = d.People
	}
	if o.MaxPerPage == 0 {
		o.MaxPerPage = d.MaxPerPage
	}
	s := &Server{opt: o, locks: map[lockKey]bool{}}
	s.Injector = fault.New(func(q fault.Request) {
		t.Logf("timesheets fake: %d %s %s?%s: %s", q.Status, q.Method, q.Path, q.Query, q.Reason)
	})
	s.srv = httptest.NewServer(s.Wrap(http.HandlerFunc(s.route)))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the base URL; /v1/timesheets... go after it, as after
// https://api.r-service.tech.
func (s *Server) URL() string { return s.srv.URL }

// Client returns an HTTP client for the fake.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// AddTimeEntry records time spent (not validated).
func (s *Server) AddTimeEntry(e TimeEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.OrganizationID == 0 {
		if p, ok := s.person(e.PersonID); ok {
			e.OrganizationID = p.OrganizationID
		}
	}
	s.entries = append(s.entries, e)
}

// SetLocked locks or unlocks one day (yyyy-mm-dd) for a person; org 0 means
// for every organization.
func (s *Server) SetLocked(personID, org int, date string, locked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setLockedLocked(personID, org, date, locked)
}

func (s *Server) setLockedLocked(personID, org int, date string, locked bool) {
	k := lockKey{personID, org, date}
	if locked {
		s.locks[k] = true
		return
	}
	delete(s.locks, k)
	if org == 0 {
		for l := range s.locks {
			if l.person == personID && l.date == date {
				delete(s.locks, l)
			}
		}
	}
}

// Locked reports whether the day (yyyy-mm-dd) is locked for the person in
// the organization (org 0: the person's organization).
func (s *Server) Locked(personID, org int, date string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lockedLocked(personID, org, date)
}

func (s *Server) lockedLocked(personID, org int, date string) bool {
	if org == 0 {
		if p, ok := s.person(personID); ok {
			org = p.OrganizationID
		}
	}
	return s.locks[lockKey{personID, 0, date}] || s.locks[lockKey{personID, org, date}]
}

// LockedDays lists the locked days (yyyy-mm-dd, sorted) of a person in any
// organization.
func (s *Server) LockedDays(personID int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	set := map[string]bool{}
	for k := range s.locks {
		if k.person == personID {
			set[k.date] = true
		}
	}
	var out []string
	for d := range set {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

func (s *Server) person(id int) (Person, bool) {
	for _, p := range s.opt.People {
		if p.ID == id {
			return p, true
		}
	}
	return Person{}, false
}

const dateLayout = "2006-01-02"

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
	b, _ := json.Marshal(map[string]string{"message": reason})
	fault.Refuse(w, status, reason, "application/json; charset=utf-8", b)
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	tok, err := strict.Bearer(r, "Authorization", "Bearer")
	if err != nil {
		refuse(w, http.StatusUnauthorized, err.Error())
		return
	}
	if tok != s.opt.Token {
		refuse(w, http.StatusUnauthorized, "OAuth token is not the configured one")
		return
	}
	if acc := r.Header.Get("account"); acc != s.opt.Account {
		refuse(w, http.StatusBadRequest, fmt.Sprintf("header account is %q, want %q", acc, s.opt.Account))
		return
	}
	methods := map[string][]string{
		"/v1/timesheets":            {http.MethodGet},
		"/v1/timesheets/incomplete": {http.MethodGet},
		"/v1/timesheets/day_totals": {http.MethodGet},
		"/v1/timesheets/lock":       {http.MethodPost, http.MethodDelete},
	}
	allowed, ok := methods[r.URL.Path]
	if !ok {
		refuse(w, http.StatusNotFound, "no such path in the document: "+r.URL.Path)
		return
	}
	if !contains(allowed, r.Method) {
		w.Header().Set("Allow", fmt.Sprint(allowed))
		refuse(w, http.StatusMethodNotAllowed, "method "+r.Method+" not documented for "+r.URL.Path)
		return
	}
	if r.ContentLength != 0 {
		refuse(w, http.StatusBadRequest, "request has a body; the documented parameters go in the query string")
		return
	}
	q, err := parseQuery(r, s.opt.MaxPerPage)
	if err != nil {
		refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	switch r.URL.Path {
	case "/v1/timesheets":
		s.timesheets(w, q)
	case "/v1/timesheets/incomplete":
		s.incomplete(w, q)
	case "/v1/timesheets/day_totals":
		s.dayTotals(w, q)
	case "/v1/timesheets/lock":
		s.lock(w, q, r.Method == http.MethodPost)
	}
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// span is the days a date, week_of or month_of parameter selects.
type span struct{ from, to time.Time }

func (sp span) days() []time.Time {
	var out []time.Time
	for d := sp.from; !d.After(sp.to); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out
}

func daySpan(d time.Time) span { return span{d, d} }

// weekSpan is Monday to Sunday around d.
func weekSpan(d time.Time) span {
	off := (int(d.Weekday()) + 6) % 7
	from := d.AddDate(0, 0, -off)
	return span{from, from.AddDate(0, 0, 6)}
}

func monthSpan(d time.Time) span {
	from := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
	return span{from, from.AddDate(0, 1, -1)}
}
