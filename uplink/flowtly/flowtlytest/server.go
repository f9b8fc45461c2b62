package flowtlytest

import (
	"log/slog"
	"slices"
	"stampclock/internal/fakehttp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DownMode is how a server that is "down" answers.
type DownMode = fakehttp.DownMode

// Down modes.
const (
	Up        = fakehttp.Up        // the server works normally
	DownClose = fakehttp.DownClose // every connection is closed without an answer
	Down503   = fakehttp.Down503   // every request is answered 503
)

// Style is how list answers name the collection's members.
type Style int

const (
	// StyleHydra writes "hydra:member", "hydra:totalItems", "hydra:view".
	StyleHydra Style = iota
	// StylePlain writes "member", "totalItems", "view" (API Platform 3+).
	StylePlain
)

// Defaults for zero Options fields.
const (
	DefaultToken      = "test-flowtly-token"
	DefaultAuthHeader = "Authorization"
	DefaultAuthScheme = "Bearer"
	DefaultIRIPrefix  = "/api"
	DefaultPageSize   = 30
)

// Options configure a Server. Zero values mean the documented default.
type Options struct {
	// Token is the accepted API token; default DefaultToken.
	Token string
	// AuthHeader carries the token; default "Authorization".
	AuthHeader string
	// AuthScheme precedes the token ("Bearer <token>"); default "Bearer".
	// "none" means the header holds only the token.
	AuthScheme string
	// IRIPrefix precedes "/employees/<id>" and "/projects/<id>" in IRIs;
	// default "/api".
	IRIPrefix string
	// Employees and Projects are the known ids (IRIs are built from them).
	Employees []string
	Projects  []string
	// PageSize is the number of members per list page; default 30.
	PageSize int
	// Style is how list answers are written; default StyleHydra.
	Style Style
	// Now stamps createdAt and updatedAt; default time.Now.
	Now func() time.Time
	// OnStore, if set, is called (outside the server's lock) for every
	// stored record.
	OnStore func(Record)
	// Logger receives one line per request; default discards.
	Logger *slog.Logger
}

// Record is a stored WorkTime with the values as received.
type Record struct {
	ID          int
	Employee    string // IRI
	Project     string // IRI
	Date        string // as received
	date        time.Time
	Seconds     int64
	Description *string
	CreatedAt   time.Time
	Deleted     bool
}

// key identifies a record for duplicate detection.
func (r Record) key() string {
	d := ""
	if r.Description != nil {
		d = *r.Description
	}
	return strings.Join([]string{r.Employee, r.Project, r.date.UTC().Format(time.RFC3339), d}, "\x00") + "\x00" + strconv.FormatInt(r.Seconds, 10)
}

// Stats count what the server saw. All counts are since New. Of the
// shared Counts, Rejected are the 4xx answers other than 401 and Injected
// the answers of FailNext, FailPosts, FailLists and Down503.
type Stats struct {
	fakehttp.Counts
	Unauthorized int // 401 answers
	Posts        int // POSTs that passed authentication
	Stored       int // records stored
	Lists        int // list requests answered 200
}

// Fault is an injected answer (FailNext, FailPosts, FailLists): Message
// goes into a hydra error, or Body (JSON-LD) replaces it.
type Fault = fakehttp.Fault

// Server is the fake Flowtly API. Create it with New and serve Handler;
// all methods are safe for concurrent use.
type Server struct {
	fakehttp.Faults   // SetDown, SetDelay, DropAfterStore
	fakehttp.Failures // FailNext: authenticated requests

	o         Options
	log       *slog.Logger
	employees map[string]bool // IRIs
	projects  map[string]bool // IRIs

	mu        sync.Mutex
	records   []Record
	nextID    int
	stats     Stats
	failPosts fakehttp.Queue[Fault]
	failLists fakehttp.Queue[Fault]
}

// New returns a server configured by o. It is not listening: serve
// Handler, e.g. with httptest.NewServer, or use Start.
func New(o Options) *Server {
	if o.Token == "" {
		o.Token = DefaultToken
	}
	if o.AuthHeader == "" {
		o.AuthHeader = DefaultAuthHeader
	}
	if o.AuthScheme == "" {
		o.AuthScheme = DefaultAuthScheme
	}
	if o.IRIPrefix == "" {
		o.IRIPrefix = DefaultIRIPrefix
	}
	o.IRIPrefix = "/" + strings.Trim(o.IRIPrefix, "/")
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{o: o, log: o.Logger, employees: map[string]bool{}, projects: map[string]bool{}, nextID: 9001}
	for _, e := range o.Employees {
		s.employees[s.EmployeeIRI(e)] = true
	}
	for _, p := range o.Projects {
		s.projects[s.ProjectIRI(p)] = true
	}
	return s
}

// EmployeeIRI returns the IRI of the employee with id.
func (s *Server) EmployeeIRI(id string) string { return s.o.IRIPrefix + "/employees/" + id }

// ProjectIRI returns the IRI of the project with id.
func (s *Server) ProjectIRI(id string) string { return s.o.IRIPrefix + "/projects/" + id }

// Records returns the stored records in creation order.
func (s *Server) Records() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Record(nil), s.records...)
}

// Duplicates returns every stored, not deleted record equal in employee,
// project, date (instant), seconds and description to one stored before
// it. Empty means no duplicates.
func (s *Server) Duplicates() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	live := slices.DeleteFunc(slices.Clone(s.records), func(r Record) bool { return r.Deleted })
	return fakehttp.Repeats(live, Record.key)
}

// Requests returns the request counters.
func (s *Server) Requests() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// AddRecord stores r as if it had been posted, e.g. to seed a test. Its
// ID is assigned; Date must be RFC 3339 or yyyy-mm-dd (else it is stored
// with a zero date). It does not validate r.
func (s *Server) AddRecord(r Record) Record {
	r.date, _ = parseDate(r.Date)
	s.mu.Lock()
	defer s.mu.Unlock()
	r.ID = s.nextID
	s.nextID++
	if r.CreatedAt.IsZero() {
		r.CreatedAt = s.o.Now()
	}
	s.records = append(s.records, r)
	return r
}

// FailPosts answers the next n authenticated POSTs with f, before
// validation; nothing is stored.
func (s *Server) FailPosts(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failPosts.Add(n, f)
}

// FailLists answers the next n authenticated list requests with f.
func (s *Server) FailLists(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failLists.Add(n, f)
}
