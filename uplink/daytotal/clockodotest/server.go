// Package clockodotest is a fake clockodo entry-groups API
// (GET /api/entrygroups, see /work/shared/api/clockodo-entrygroups.txt)
// for tests and demos.
//
// Every request needs the headers X-ClockodoApiUser and X-ClockodoApiKey
// (clockodo's API authentication; else 401) and
// X-Clockodo-External-Application ("<name>;<email>", at most 50 characters;
// else 400). The request needs time_since and time_until
// ("YYYY-MM-DD HH:MM:SS", since not after until) and grouping[] (one or
// more of the documented criteria, no repeats); filter[users_id],
// filter[customers_id], filter[projects_id], filter[services_id] must be
// integers and filter[billable] 0, 1 or 2. An entry belongs to the range
// when its start lies in it. Errors are {"error": {"message": …}}.
// Durations are seconds.
package clockodotest

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults for zero Options fields.
const (
	DefaultUser = "admin@example.com"
	DefaultKey  = "test-clockodo-key"
)

// Layout is the API's time format.
const Layout = "2006-01-02 15:04:05"

// criteria are the documented grouping criteria.
var criteria = []string{"customers_id", "projects_id", "services_id", "users_id", "texts_id", "billable", "is_lumpSum", "year", "week", "month", "day"}

// Options configure a Server.
type Options struct {
	// APIUser and APIKey are the accepted credentials.
	APIUser, APIKey string
}

// Entry is a stored time entry; Start and End are wall-clock times in the
// account's zone.
type Entry struct {
	UsersID, CustomersID, ProjectsID, ServicesID int
	Billable                                     int
	Start, End                                   time.Time
}

// Stats count requests since New.
type Stats struct {
	Requests int
	Answered int // entrygroups answered 200
}

// Server is the fake API; all methods are safe for concurrent use.
type Server struct {
	o Options

	mu      sync.Mutex
	entries []Entry
	fail    []int
	down    bool
	stats   Stats
}

// New returns a server configured by o.
func New(o Options) *Server {
	if o.APIUser == "" {
		o.APIUser = DefaultUser
	}
	if o.APIKey == "" {
		o.APIKey = DefaultKey
	}
	return &Server{o: o}
}

// TB is the part of testing.TB that Start needs.
type TB interface {
	Helper()
	Cleanup(func())
}

// Start serves a new Server on a loopback port until the test ends and
// returns it and its URL (the client's BaseURL).
func Start(tb TB, o Options) (*Server, string) {
	tb.Helper()
	s := New(o)
	ts := httptest.NewServer(s.Handler())
	tb.Cleanup(ts.Close)
	return s, ts.URL
}

// Add stores e.
func (s *Server) Add(e Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries = append(s.entries, e)
}

// FailNext answers the next n authenticated requests with status.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fail = append(s.fail, status)
	}
}

// SetDown makes every request's connection close without an answer.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Requests returns the counters.
func (s *Server) Requests() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

func fail(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"message": msg}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// Handler returns the API handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/entrygroups", s.groups)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.stats.Requests++
		down := s.down
		s.mu.Unlock()
		if down {
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
				return
			}
			panic(http.ErrAbortHandler)
		}
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-ClockodoApiUser")), []byte(s.o.APIUser)) != 1 ||
			subtle.ConstantTimeCompare([]byte(r.Header.Get("X-ClockodoApiKey")), []byte(s.o.APIKey)) != 1 {
			fail(w, http.StatusUnauthorized, "Authentication failed")
			return
		}
		app := r.Header.Get("X-Clockodo-External-Application")
		if name, mail, ok := strings.Cut(app, ";"); !ok || name == "" || !strings.Contains(mail, "@") || len(app) > 50 {
			fail(w, http.StatusBadRequest, "X-Clockodo-External-Application: want \"<name>;<email>\", at most 50 characters")
			return
		}
		s.mu.Lock()
		status := 0
		if len(s.fail) > 0 {
			status, s.fail = s.fail[0], s.fail[1:]
		}
		s.mu.Unlock()
		if status != 0 {
			fail(w, status, http.StatusText(status))
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func (s *Server) groups(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	since, err1 := time.Parse(Layout, q.Get("time_since"))
	until, err2 := time.Parse(Layout, q.Get("time_until"))
	switch {
	case err1 != nil:
		fail(w, 400, "time_since: required, YYYY-MM-DD HH:MM:SS")
		return
	case err2 != nil:
		fail(w, 400, "time_until: required, YYYY-MM-DD HH:MM:SS")
		return
	case until.Before(since):
		fail(w, 400, "time_until before time_since")
		return
	}
	grouping := q["grouping[]"]
	if len(grouping) == 0 {
		fail(w, 400, "grouping: required")
		return
	}
	for i, g := range grouping {
		if !slices.Contains(criteria, g) || slices.Contains(grouping[:i], g) {
			fail(w, 400, "grouping: invalid or repeated criterion "+strconv.Quote(g))
			return
		}
	}
	filters := map[string]int{}
	for _, f := range []string{"users_id", "customers_id", "projects_id", "services_id", "billable"} {
		if v := q.Get("filter[" + f + "]"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || f == "billable" && (n < 0 || n > 2) {
				fail(w, 400, "filter["+f+"]: invalid value")
				return
			}
			filters[f] = n
		}
	}
	s.mu.Lock()
	var sel []Entry
	for _, e := range s.entries {
		if e.Start.Before(since) || e.Start.After(until) {
			continue
		}
		ok := true
		for f, n := range filters {
			ok = ok && key(e, f) == strconv.Itoa(n)
		}
		if ok {
			sel = append(sel, e)
		}
	}
	s.stats.Answered++
	s.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"groups": group(sel, grouping)})
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// key returns an entry's group identifier for a criterion.
func key(e Entry, criterion string) string {
	switch criterion {
	case "users_id":
		return strconv.Itoa(e.UsersID)
	case "customers_id":
		return strconv.Itoa(e.CustomersID)
	case "projects_id":
		return strconv.Itoa(e.ProjectsID)
	case "services_id":
		return strconv.Itoa(e.ServicesID)
	case "billable":
		return strconv.Itoa(e.Billable)
	case "year":
		return e.Start.Format("2006")
	case "month":
		return e.Start.Format("2006-01")
	case "week":
		y, w := e.Start.ISOWeek()
		return strconv.Itoa(y) + "-" + strconv.Itoa(w)
	case "day":
		return e.Start.Format(time.DateOnly)
	}
	return "0"
}

// group builds the nested groups of entries for the criteria.
func group(entries []Entry, crit []string) []map[string]any {
	out := []map[string]any{}
	if len(crit) == 0 {
		return out
	}
	var order []string
	by := map[string][]Entry{}
	for _, e := range entries {
		k := key(e, crit[0])
		if _, ok := by[k]; !ok {
			order = append(order, k)
		}
		by[k] = append(by[k], e)
	}
	slices.Sort(order)
	for _, k := range order {
		var d int64
		for _, e := range by[k] {
			d += int64(e.End.Sub(e.Start) / time.Second)
		}
		g := map[string]any{"groupedBy": crit[0], "group": k, "name": k, "duration": d, "restrictions": []string{}}
		if len(crit) > 1 {
			g["sub_groups"] = group(by[k], crit[1:])
		}
		out = append(out, g)
	}
	return out
}
