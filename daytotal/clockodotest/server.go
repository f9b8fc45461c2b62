// Package clockodotest is a fake clockodo entry-groups API
// (GET /api/entrygroups, see the clockodo entry-groups document) for tests
// and demos.
//
// Every request needs the headers X-ClockodoApiUser and X-ClockodoApiKey
// (clockodo's API authentication; else 401) and
// X-Clockodo-External-Application ("<name>;<email>", at most 50 characters;
// else 400). The request needs time_since and time_until
// ("YYYY-MM-DD HH:MM:SS", since not after until) and grouping[] (one or
// more of the documented criteria, no repeats); filter[users_id],
// filter[customers_id], filter[projects_id], filter[services_id] must be
// integers and filter[billable] 0, 1 or 2. Errors are
// {"error": {"message": …}}. Durations are seconds.
//
// The document gives the times no zone: the fake reads them as wall clock
// in the account's zone (Options.Location) and refuses a wall-clock time
// that zone skips (the hour lost to summer time). Entries are real
// instants; years, months, weeks and days are the account zone's. Which
// entries the range takes the document leaves open, so Options.Range picks
// one reading: a client must give the same day total under each.
package clockodotest

import (
	"crypto/subtle"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
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
	// Location is the account's time zone. Default Europe/Berlin (UTC if
	// the zone database is missing): a client must not rely on UTC.
	Location *time.Location
	// Range is how time_since and time_until select entries; default
	// RangeStart.
	Range Range
}

// Range is a reading of the time_since/time_until filter.
type Range int

const (
	// RangeStart: an entry is taken whole when its start lies in
	// [time_since, time_until], both ends inclusive, and counts on its
	// start's day.
	RangeStart Range = iota
	// RangeClip: time_until is an exact, exclusive end: only the part of
	// an entry inside [time_since, time_until) counts, each part on its
	// own day.
	RangeClip
)

// Entry is a stored time entry; Start and End are instants (their zone
// does not matter).
type Entry struct {
	UsersID, CustomersID, ProjectsID, ServicesID int
	Billable                                     int
	Start, End                                   time.Time
}

// Fault is an injected answer (FailNext): Message goes into the API's
// {"error": {"message": …}} answer, or Body replaces it.
type Fault = fakehttp.Fault

// Stats count requests since New. Of the shared Counts, Rejected are the
// API's 4xx answers but 401 and Injected the answers of FailNext and
// Down503.
type Stats struct {
	fakehttp.Counts
	Answered int // entrygroups answered 200
}

// Server is the fake API; all methods are safe for concurrent use.
type Server struct {
	fakehttp.Down     // SetDown
	fakehttp.Failures // FailNext: authenticated requests with a valid application header

	o Options

	mu      sync.Mutex
	entries []Entry
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
	if o.Location == nil {
		o.Location = time.UTC
		if loc, err := time.LoadLocation("Europe/Berlin"); err == nil {
			o.Location = loc
		}
	}
	return &Server{o: o}
}

// TB is the part of testing.TB that Start needs; *testing.T and
// *testing.B satisfy it.
type TB = fakehttp.TB

// Start serves a new Server on a loopback port until the test ends. It
// returns the server and the running httptest.Server (its URL is the
// client's BaseURL).
func Start(tb TB, o Options) (*Server, *httptest.Server) {
	tb.Helper()
	s := New(o)
	return s, fakehttp.Serve(tb, s.Handler())
}

// Add stores e.
func (s *Server) Add(e Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries = append(s.entries, e)
}

// Requests returns the counters.
func (s *Server) Requests() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

func fail(w http.ResponseWriter, status int, msg string) {
	fakehttp.WriteJSON(w, status, "application/json", map[string]any{"error": map[string]string{"message": msg}})
}

// unavailable is the answer of a Down503 server.
func unavailable(w http.ResponseWriter, _ *http.Request) {
	fail(w, http.StatusServiceUnavailable, http.StatusText(http.StatusServiceUnavailable))
}

// Handler returns the API handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/entrygroups", s.groups)
	front := fakehttp.Front{
		Faults:      &s.Down,
		Mu:          &s.mu,
		Counts:      &s.stats.Counts,
		Unavailable: unavailable,
		Name:        "clockodotest",
		Log:         slog.New(slog.DiscardHandler),
	}
	return front.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
		if f := s.TakeNext(); f != nil {
			s.mu.Lock()
			s.stats.Injected++
			s.mu.Unlock()
			f.Write(w, "application/json", fail)
			return
		}
		mux.ServeHTTP(w, r)
	}))
}

// parseWall reads a documented time as wall clock in loc, refusing one
// that loc skips.
func parseWall(name, v string, loc *time.Location) (time.Time, string) {
	t, err := time.ParseInLocation(Layout, v, loc)
	if err != nil {
		return t, name + ": required, YYYY-MM-DD HH:MM:SS"
	}
	if t.Format(Layout) != v {
		return t, name + ": " + v + " does not exist in " + loc.String()
	}
	return t, ""
}

func (s *Server) groups(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	since, msg1 := parseWall("time_since", q.Get("time_since"), s.o.Location)
	until, msg2 := parseWall("time_until", q.Get("time_until"), s.o.Location)
	switch {
	case msg1 != "":
		fail(w, 400, msg1)
		return
	case msg2 != "":
		fail(w, 400, msg2)
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
		ok := true
		for f, n := range filters {
			ok = ok && key(e, f, s.o.Location) == strconv.Itoa(n)
		}
		if !ok {
			continue
		}
		switch s.o.Range {
		case RangeClip:
			sel = append(sel, clipDays(e, since, until, s.o.Location)...)
		default:
			if !e.Start.Before(since) && !e.Start.After(until) {
				sel = append(sel, e)
			}
		}
	}
	s.stats.Answered++
	s.mu.Unlock()
	fakehttp.WriteJSON(w, http.StatusOK, "application/json", map[string]any{"groups": group(sel, grouping, s.o.Location)})
}

// clipDays returns the parts of e inside [since, until), cut at the
// account zone's midnights.
func clipDays(e Entry, since, until time.Time, loc *time.Location) []Entry {
	start, end := e.Start, e.End
	if start.Before(since) {
		start = since
	}
	if end.After(until) {
		end = until
	}
	var parts []Entry
	for start.Before(end) {
		y, m, d := start.In(loc).Date()
		next := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
		p := e
		p.Start = start
		if next.Before(end) {
			p.End = next
		} else {
			p.End = end
		}
		parts = append(parts, p)
		start = p.End
	}
	return parts
}

// key returns an entry's group identifier for a criterion.
func key(e Entry, criterion string, loc *time.Location) string {
	start := e.Start.In(loc)
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
		return start.Format("2006")
	case "month":
		return start.Format("2006-01")
	case "week":
		y, w := start.ISOWeek()
		return strconv.Itoa(y) + "-" + strconv.Itoa(w)
	case "day":
		return start.Format(time.DateOnly)
	}
	return "0"
}

// group builds the nested groups of entries for the criteria.
func group(entries []Entry, crit []string, loc *time.Location) []map[string]any {
	out := []map[string]any{}
	if len(crit) == 0 {
		return out
	}
	var order []string
	by := map[string][]Entry{}
	for _, e := range entries {
		k := key(e, crit[0], loc)
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
			g["sub_groups"] = group(by[k], crit[1:], loc)
		}
		out = append(out, g)
	}
	return out
}
