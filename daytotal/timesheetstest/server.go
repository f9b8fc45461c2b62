// Package timesheetstest is a fake timesheets API (the parts of the
// rservice timesheets API document that the terminal reads and a
// technician writes) for tests and demos.
//
// It serves, below /v1:
//
//   - GET /timesheets/day_totals: person_id (required, integer, known) and
//     exactly one of date, week_of or month_of (yyyy-mm-dd); optional
//     organization_id (integer, must match). Answers {"yyyy-mm-dd": "minutes"}
//     for the day, the week (Monday to Sunday) or the month.
//   - GET /timesheets: month_of (required) and person_id and/or
//     organization_id (one required). With person_id: one timesheet object;
//     with organization_id only: an array of every person's.
//   - POST and DELETE /timesheets/lock: person_id or organization_id and one
//     of date, week_of, month_of; answers 204.
//
// Every request needs "Authorization: Bearer <token>" (else 401) and the
// "account" header (else 401: the document does not say, a wrong account
// cannot authenticate). A bad parameter is answered 400 with
// {"message": …}, an unknown person 404.
package timesheetstest

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"stampclock/internal/fakehttp"
)

// DownMode is how a server that is "down" answers (SetDown).
type DownMode = fakehttp.DownMode

// Down modes.
const (
	Up        = fakehttp.Up        // the server works normally
	DownClose = fakehttp.DownClose // every connection is closed without an answer
	Down503   = fakehttp.Down503   // every request is answered 503
)

// Defaults for zero Options fields.
const (
	DefaultToken   = "test-oauth-token"
	DefaultAccount = "pro-product"
	DefaultOrg     = 44
	DefaultWorkday = 480
)

// Options configure a Server.
type Options struct {
	// Token and Account are the accepted credentials; defaults
	// DefaultToken and DefaultAccount.
	Token, Account string
	// OrganizationID is the only organization; default 44.
	OrganizationID int
	// People maps person ids to names; every known person belongs to the
	// organization.
	People map[int]string
}

// Fault is an injected answer (FailNext): Message goes into the API's
// {"message": …} answer, or Body replaces it.
type Fault = fakehttp.Fault

// Stats count requests since New. Of the shared Counts, Rejected are the
// API's 4xx answers but 401 and Injected the answers of FailNext and
// Down503.
type Stats struct {
	fakehttp.Counts
	DayTotals  int // day_totals answered 200
	Timesheets int // timesheet reads answered 200
}

// Server is the fake API; all methods are safe for concurrent use.
type Server struct {
	fakehttp.Down     // SetDown
	fakehttp.Failures // FailNext: authenticated requests

	o Options

	mu      sync.Mutex
	minutes map[int]map[string]int  // person → date → minutes
	locked  map[int]map[string]bool // person → date → locked
	stats   Stats
}

// New returns a server configured by o.
func New(o Options) *Server {
	if o.Token == "" {
		o.Token = DefaultToken
	}
	if o.Account == "" {
		o.Account = DefaultAccount
	}
	if o.OrganizationID == 0 {
		o.OrganizationID = DefaultOrg
	}
	return &Server{o: o, minutes: map[int]map[string]int{}, locked: map[int]map[string]bool{}}
}

// TB is the part of testing.TB that Start needs; *testing.T and
// *testing.B satisfy it.
type TB = fakehttp.TB

// Start serves a new Server on a loopback port until the test ends. It
// returns the server and the running httptest.Server; the client's BaseURL
// is its URL followed by APIPrefix.
func Start(tb TB, o Options) (*Server, *httptest.Server) {
	tb.Helper()
	s := New(o)
	return s, fakehttp.Serve(tb, s.Handler())
}

// APIPrefix is the path below which the API is served.
const APIPrefix = "/v1"

// AddTime books minutes on a person's day (yyyy-mm-dd).
func (s *Server) AddTime(person int, date string, minutes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.minutes[person] == nil {
		s.minutes[person] = map[string]int{}
	}
	s.minutes[person][date] += minutes
}

// Lock locks (or with false unlocks) a person's day (yyyy-mm-dd).
func (s *Server) Lock(person int, date string, locked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.locked[person] == nil {
		s.locked[person] = map[string]bool{}
	}
	s.locked[person][date] = locked
}

// Requests returns the counters.
func (s *Server) Requests() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Handler returns the API handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/timesheets/day_totals", s.dayTotals)
	mux.HandleFunc("GET /v1/timesheets", s.timesheets)
	mux.HandleFunc("POST /v1/timesheets/lock", s.lock(true))
	mux.HandleFunc("DELETE /v1/timesheets/lock", s.lock(false))
	front := fakehttp.Front{
		Faults:      &s.Down,
		Mu:          &s.mu,
		Counts:      &s.stats.Counts,
		Unavailable: unavailable,
		Name:        "timesheetstest",
		Log:         slog.New(slog.DiscardHandler),
	}
	return front.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if subtle.ConstantTimeCompare([]byte(auth), []byte("Bearer "+s.o.Token)) != 1 || r.Header.Get("account") != s.o.Account {
			message(w, http.StatusUnauthorized, "Unauthorized")
			return
		}
		if f := s.TakeNext(); f != nil {
			s.mu.Lock()
			s.stats.Injected++
			s.mu.Unlock()
			f.Write(w, "application/json", message)
			return
		}
		mux.ServeHTTP(w, r)
	}))
}

// unavailable is the answer of a Down503 server.
func unavailable(w http.ResponseWriter, _ *http.Request) {
	message(w, http.StatusServiceUnavailable, http.StatusText(http.StatusServiceUnavailable))
}

func message(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	fakehttp.WriteJSON(w, status, "application/json", v)
}

// params checks person_id, organization_id and the date selector. need
// says which of person_id/organization_id is required: "person" or
// "either". sel names the allowed selectors. It returns the person (0 if
// none), the dates selected, or an error message and status.
func (s *Server) params(r *http.Request, need string, sel ...string) (person int, dates []time.Time, status int, msg string) {
	q := r.URL.Query()
	if v := q.Get("organization_id"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, nil, 400, "organization_id must be an integer"
		}
		if n != s.o.OrganizationID {
			return 0, nil, 404, "Not found"
		}
	}
	if v := q.Get("person_id"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, nil, 400, "person_id must be an integer"
		}
		if _, ok := s.o.People[n]; !ok {
			return 0, nil, 404, "Not found"
		}
		person = n
	}
	switch {
	case need == "person" && person == 0:
		return 0, nil, 400, "person_id is required"
	case need == "either" && person == 0 && q.Get("organization_id") == "":
		return 0, nil, 400, "person_id or organization_id is required"
	}
	var which, val string
	for _, k := range sel {
		if v := q.Get(k); v != "" {
			if which != "" {
				return 0, nil, 400, fmt.Sprintf("%s and %s cannot be combined", which, k)
			}
			which, val = k, v
		}
	}
	if which == "" {
		return 0, nil, 400, strings.Join(sel, ", ") + ": one is required"
	}
	d, err := time.Parse(time.DateOnly, val)
	if err != nil {
		return 0, nil, 400, fmt.Sprintf("%s must use the syntax yyyy-mm-dd", which)
	}
	var from, to time.Time
	switch which {
	case "date":
		from, to = d, d
	case "week_of":
		from = d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
		to = from.AddDate(0, 0, 6)
	case "month_of":
		from = time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
		to = from.AddDate(0, 1, -1)
	}
	for t := from; !t.After(to); t = t.AddDate(0, 0, 1) {
		dates = append(dates, t)
	}
	return person, dates, 0, ""
}

func (s *Server) dayTotals(w http.ResponseWriter, r *http.Request) {
	person, dates, status, msg := s.params(r, "person", "date", "week_of", "month_of")
	if msg != "" {
		message(w, status, msg)
		return
	}
	out := map[string]string{}
	s.mu.Lock()
	for _, d := range dates {
		k := d.Format(time.DateOnly)
		out[k] = strconv.Itoa(s.minutes[person][k])
	}
	s.stats.DayTotals++
	s.mu.Unlock()
	writeJSON(w, 200, out)
}

// sheet is one person's timesheet for a month.
func (s *Server) sheet(person int, dates []time.Time) map[string]any {
	var ld strings.Builder
	sum, all := 0, true
	for _, d := range dates {
		k := d.Format(time.DateOnly)
		sum += s.minutes[person][k]
		if s.locked[person][k] {
			ld.WriteByte('1')
		} else {
			ld.WriteByte('0')
			all = false
		}
	}
	return map[string]any{
		"person":         map[string]any{"id": person, "name": s.o.People[person]},
		"workday":        DefaultWorkday,
		"sum_time_spent": sum,
		"workdays":       float64(sum) / DefaultWorkday,
		"locked":         all,
		"locked_days":    ld.String(),
	}
}

func (s *Server) timesheets(w http.ResponseWriter, r *http.Request) {
	person, dates, status, msg := s.params(r, "either", "month_of")
	if msg != "" {
		message(w, status, msg)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Timesheets++
	if person != 0 {
		writeJSON(w, 200, s.sheet(person, dates))
		return
	}
	out := []map[string]any{}
	for id := range s.o.People {
		out = append(out, s.sheet(id, dates))
	}
	writeJSON(w, 200, out)
}

func (s *Server) lock(locked bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		person, dates, status, msg := s.params(r, "either", "date", "week_of", "month_of")
		if msg != "" {
			message(w, status, msg)
			return
		}
		people := []int{person}
		if person == 0 {
			people = people[:0]
			for id := range s.o.People {
				people = append(people, id)
			}
		}
		for _, p := range people {
			for _, d := range dates {
				s.Lock(p, d.Format(time.DateOnly), locked)
			}
		}
		w.WriteHeader(http.StatusNoContent)
	}
}
