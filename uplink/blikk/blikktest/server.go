package blikktest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"stampclock/internal/fakehttp"
	"sync"
	"time"
)

// Default credentials and limits, used for zero Options fields.
const (
	DefaultAppID         = "test-app-id"
	DefaultAppSecret     = "test-app-secret"
	DefaultTokenLifetime = time.Hour
	// DefaultRateLimit requests per DefaultRateWindow per token: the
	// document's "more than four (4) requests during a given second".
	DefaultRateLimit  = 4
	DefaultRateWindow = time.Second
)

// User is a Blikk user.
type User struct {
	ID        int
	FirstName string
	LastName  string
}

// Item is an entry of a registry: activity, time code, time article,
// project or internal project.
type Item struct {
	ID       int
	Name     string
	Inactive bool // isActive false: listed, but a report using it is rejected
}

// DownMode is how a server that is "down" answers.
type DownMode = fakehttp.DownMode

// Down modes.
const (
	Up        = fakehttp.Up        // the server works normally
	DownClose = fakehttp.DownClose // every connection is closed without an answer
	Down503   = fakehttp.Down503   // every request is answered 503
)

// Options configure a Server. Zero values mean the documented default.
type Options struct {
	// AppID and AppSecret are accepted by POST /v1/Auth/Token; defaults
	// DefaultAppID and DefaultAppSecret.
	AppID, AppSecret string
	// Users are the known users. Default one: {1, "Test", "User"}.
	Users []User
	// Activities, TimeCodes and TimeArticles are the registries. Default
	// one item each, id 1.
	Activities, TimeCodes, TimeArticles []Item
	// Projects and InternalProjects are the known projects; default none.
	Projects, InternalProjects []Item
	// TokenLifetime is how long an issued token works; default 1h.
	TokenLifetime time.Duration
	// RateLimit is how many requests one token may make per RateWindow
	// (any window of that length); more are answered 429. Default 4 per
	// 1s; a negative RateLimit disables the limit.
	RateLimit  int
	RateWindow time.Duration
	// Now is the server's clock (token expiry, the rate limit, created
	// dates); default time.Now.
	Now func() time.Time
	// OnStore, if set, is called (outside the server's lock) for every
	// report stored.
	OnStore func(Report)
	// Logger receives one line per request; default discards.
	Logger *slog.Logger
}

// Report is a stored time report, with the values as received. Clock
// fields are "" when null; pointer fields are nil when null or absent.
type Report struct {
	ID                int
	Date              string // "2006-01-02"
	ClockStart        string // "hh:mm" or ""
	ClockEnd          string
	Hours             float64
	InvoiceableHours  float64
	BreakMinutes      *int
	Comment           string
	InternalComment   string
	UserID            int
	ProjectID         *int
	InternalProjectID *int
	AbsenceProjectID  *int
	ActivityID        int
	TimeCodeID        int
	TimeArticleID     int
	Created           time.Time
}

// key identifies a report for duplicate detection: user, date and clock
// (and hours for a report without a clock).
func (r Report) key() string {
	k := fmt.Sprintf("%d\x00%s\x00%s\x00%s", r.UserID, r.Date, r.ClockStart, r.ClockEnd)
	if r.ClockStart == "" && r.ClockEnd == "" {
		k += fmt.Sprintf("\x00%.2f", r.Hours)
	}
	return k
}

// Stats count what the server saw. All counts are since New. Of the
// shared Counts, Rejected are the 4xx answers other than 401 and 429
// (validation, 404, 405, 415) and Injected the answers of FailNext,
// FailCreates, FailTokens, RejectAuth and Down503.
type Stats struct {
	fakehttp.Counts
	Tokens        int // tokens issued
	TokenFailures int // token requests answered 4xx
	Unauthorized  int // 401 answers to API requests (missing, unknown, expired or rejected token)
	RateLimited   int // 429 answers
	EarlyRetries  int // 429 answers to a token still inside the wait it was told (it ignored Retry-After)
	Creates       int // POST /v1/Core/TimeReports calls that passed authentication and the rate limit
	Stored        int // reports stored
	Queries       int // list calls answered 200
}

// Fault is an injected answer (FailNext, FailCreates, FailTokens): Message
// goes into the API's {"message": …} answer, or Body replaces it.
type Fault = fakehttp.Fault

// tokenState is an issued token.
type tokenState struct {
	expires time.Time
	times   []time.Time // accepted requests within the rate window, oldest first
	blocked time.Time   // told to wait until then
}

// Server is the fake Blikk API. Create it with New and serve Handler; all
// methods are safe for concurrent use.
type Server struct {
	fakehttp.Faults   // SetDown, SetDelay, DropAfterStore
	fakehttp.Failures // FailNext: authenticated requests within the rate limit

	o        Options
	log      *slog.Logger
	users    map[int]User
	registry map[string]map[int]Item // field name (activityId, …) → items

	mu          sync.Mutex
	tokens      map[string]*tokenState
	reports     []Report
	nextID      int
	stats       Stats
	failCreates fakehttp.Queue[Fault]
	failTokens  fakehttp.Queue[Fault]
	rejectAuth  int
	rateLimit   int
	rateWindow  time.Duration
}

// New returns a server configured by o. It is not listening: serve
// Handler, e.g. with httptest.NewServer, or use Start.
func New(o Options) *Server {
	if o.AppID == "" {
		o.AppID = DefaultAppID
	}
	if o.AppSecret == "" {
		o.AppSecret = DefaultAppSecret
	}
	if len(o.Users) == 0 {
		o.Users = []User{{ID: 1, FirstName: "Test", LastName: "User"}}
	}
	if len(o.Activities) == 0 {
		o.Activities = []Item{{ID: 1, Name: "Arbete"}}
	}
	if len(o.TimeCodes) == 0 {
		o.TimeCodes = []Item{{ID: 1, Name: "Normal"}}
	}
	if len(o.TimeArticles) == 0 {
		o.TimeArticles = []Item{{ID: 1, Name: "Arbetstid"}}
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = DefaultTokenLifetime
	}
	if o.RateLimit == 0 {
		o.RateLimit = DefaultRateLimit
	}
	if o.RateWindow <= 0 {
		o.RateWindow = DefaultRateWindow
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		o: o, log: o.Logger,
		users:      map[int]User{},
		registry:   map[string]map[int]Item{},
		tokens:     map[string]*tokenState{},
		nextID:     1,
		rateLimit:  o.RateLimit,
		rateWindow: o.RateWindow,
	}
	for _, u := range o.Users {
		s.users[u.ID] = u
	}
	for field, items := range map[string][]Item{
		"activityId": o.Activities, "timeCodeId": o.TimeCodes, "timeArticleId": o.TimeArticles,
		"projectId": o.Projects, "internalProjectId": o.InternalProjects,
	} {
		m := map[int]Item{}
		for _, it := range items {
			m[it.ID] = it
		}
		s.registry[field] = m
	}
	return s
}

// Reports returns the stored reports in creation order.
func (s *Server) Reports() []Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Report(nil), s.reports...)
}

// Duplicates returns every stored report with the same user, date and
// clock (and, without a clock, hours) as one stored before it. Empty means
// no duplicates.
func (s *Server) Duplicates() []Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fakehttp.Repeats(s.reports, Report.key)
}

// Requests returns the request counters.
func (s *Server) Requests() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// AddReport stores r as if it had been created, e.g. to seed a test. A
// zero ID gets the next one. It does not validate r.
func (s *Server) AddReport(r Report) Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.ID == 0 {
		r.ID = s.nextID
	}
	s.nextID = max(s.nextID, r.ID+1)
	if r.Created.IsZero() {
		r.Created = s.o.Now()
	}
	s.reports = append(s.reports, r)
	return r
}

// FailCreates answers the next n create calls (after authentication and
// the rate limit, before validation) with f; nothing is stored.
func (s *Server) FailCreates(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failCreates.Add(n, f)
}

// FailTokens answers the next n token requests with f.
func (s *Server) FailTokens(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failTokens.Add(n, f)
}

// RejectAuth answers the next n authenticated requests 401 whatever token
// they carry.
func (s *Server) RejectAuth(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectAuth += n
}

// ExpireTokens invalidates every token issued so far.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// SetRateLimit changes the limit to n requests per window and token (n < 0:
// no limit).
func (s *Server) SetRateLimit(n int, window time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimit, s.rateWindow = n, window
}

// newToken returns a random token shaped like the document's
// "pk_<uuid>.pa_<uuid>".
func newToken() string { return "pk_" + newUUID() + ".pa_" + newUUID() }

// newUUID returns a random version 4 UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// TB is the part of testing.TB that Start needs; *testing.T and
// *testing.B satisfy it.
type TB = fakehttp.TB

// Start serves a new Server configured by o on a loopback port and closes
// it when the test ends. It returns the server and the running
// httptest.Server (its URL is the client's BaseURL).
func Start(tb TB, o Options) (*Server, *httptest.Server) {
	tb.Helper()
	s := New(o)
	return s, fakehttp.Serve(tb, s.Handler())
}
