package zeittest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net/http"
	"stampclock/internal/fakehttp"
	"strings"
	"sync"
)

// IDName is a time type or a project: the API's {id, name}.
type IDName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// LoginStyle is how the server writes the token in the login answer.
type LoginStyle int

const (
	// LoginJSONString answers `"eyJ..."` with Content-Type application/json.
	LoginJSONString LoginStyle = iota
	// LoginRaw answers the bare token as text/plain.
	LoginRaw
)

// DownMode is how a server that is "down" answers.
type DownMode = fakehttp.DownMode

// Down modes.
const (
	Up        = fakehttp.Up        // the server works normally
	DownClose = fakehttp.DownClose // every connection is closed without an answer
	Down503   = fakehttp.Down503   // every request is answered 503
)

// Default credentials and header, used for zero Options fields.
const (
	DefaultEmail      = "admin@example.com"
	DefaultPassword   = "test-api-password"
	DefaultAuthHeader = "Authorization"
	DefaultAuthScheme = "Bearer"
)

// Options configure a Server. Zero values mean the documented default.
type Options struct {
	// Email is the admin's loginemail accepted by /api/login; default
	// DefaultEmail. The admin is always a known user.
	Email string
	// Password is the apipassword accepted by /api/login; default
	// DefaultPassword.
	Password string
	// Users are further known user login emails (compared case-insensitively).
	Users []string
	// TimeTypes are the known time types. Default: one, {"arbeitszeit",
	// "Arbeitszeit"}.
	TimeTypes []IDName
	// Projects are the known projects; default none.
	Projects []IDName
	// AuthHeader is the header that must carry the token; default
	// "Authorization".
	AuthHeader string
	// AuthScheme precedes the token in AuthHeader ("Bearer <token>"); default
	// "Bearer". The literal "none" means the header holds only the token.
	AuthScheme string
	// LoginStyle is how the login answer carries the token; default
	// LoginJSONString.
	LoginStyle LoginStyle
	// OnStore, if set, is called (outside the server's lock) for every entry
	// stored by createtimeentry.
	OnStore func(Entry)
	// Logger receives one line per request; default discards.
	Logger *slog.Logger
}

// Entry is a stored time entry, with the API's field names and wall-clock
// times exactly as received.
type Entry struct {
	ID         string `json:"id"`
	StartTime  string `json:"starttime"`
	EndTime    string `json:"endtime"`
	UserEmail  string `json:"useremail"`
	TimeTypeID string `json:"timetypeid"`
	ProjectID  string `json:"projectid,omitempty"`
	Comment    string `json:"comment,omitempty"`
}

// key identifies an entry for duplicate detection.
func (e Entry) key() string {
	return strings.Join([]string{strings.ToLower(e.UserEmail), e.StartTime, e.EndTime, e.TimeTypeID, e.ProjectID}, "\x00")
}

// Stats count what the server saw. All counts are since New. Of the
// shared Counts, Rejected are the 4xx answers other than 401 (validation
// failures, 405, 404) and Injected the answers of FailNext, FailCreates,
// RejectAuth and Down503.
type Stats struct {
	fakehttp.Counts
	Logins        int // successful logins
	LoginFailures int // logins answered 4xx
	Unauthorized  int // 401 answers to non-login requests (missing, expired or rejected token)
	Creates       int // createtimeentry calls that passed authentication
	Stored        int // entries stored
	Queries       int // timeentries queries answered 200
	Deletes       int // deletetimeentry calls that passed authentication
	Deleted       int // entries deleted
}

// Fault is an injected answer (FailNext, FailCreates): Message goes into
// the API's {"status", "message"} answer, or Body replaces it.
type Fault = fakehttp.Fault

// Server is the fake Zeiterfassung API. Create it with New and serve
// Handler; all methods are safe for concurrent use.
type Server struct {
	fakehttp.Faults   // SetDown, SetDelay, DropAfterStore
	fakehttp.Failures // FailNext: authenticated requests, after RejectAuth

	o         Options
	log       *slog.Logger
	users     map[string]bool // lower-case emails
	timeTypes map[string]bool
	projects  map[string]bool

	mu          sync.Mutex
	tokens      map[string]bool
	entries     []Entry
	stats       Stats
	failCreates fakehttp.Queue[Fault]
	rejectAuth  int
	dropDeletes int
	loginStyle  LoginStyle
}

// New returns a server configured by o. It is not listening: serve
// Handler, e.g. with httptest.NewServer, or use Start.
func New(o Options) *Server {
	if o.Email == "" {
		o.Email = DefaultEmail
	}
	if o.Password == "" {
		o.Password = DefaultPassword
	}
	if len(o.TimeTypes) == 0 {
		o.TimeTypes = []IDName{{ID: "arbeitszeit", Name: "Arbeitszeit"}}
	}
	if o.AuthHeader == "" {
		o.AuthHeader = DefaultAuthHeader
	}
	if o.AuthScheme == "" {
		o.AuthScheme = DefaultAuthScheme
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		o:          o,
		log:        o.Logger,
		users:      map[string]bool{strings.ToLower(o.Email): true},
		timeTypes:  map[string]bool{},
		projects:   map[string]bool{},
		tokens:     map[string]bool{},
		loginStyle: o.LoginStyle,
	}
	for _, u := range o.Users {
		s.users[strings.ToLower(u)] = true
	}
	for _, t := range o.TimeTypes {
		s.timeTypes[t.ID] = true
	}
	for _, p := range o.Projects {
		s.projects[p.ID] = true
	}
	return s
}

// Entries returns the stored entries in creation order.
func (s *Server) Entries() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Entry(nil), s.entries...)
}

// Duplicates returns every stored entry whose useremail, starttime,
// endtime, timetypeid and projectid equal those of an entry stored before
// it: each copy after the first. Empty means no duplicates.
func (s *Server) Duplicates() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fakehttp.Repeats(s.entries, Entry.key)
}

// Requests returns the request counters.
func (s *Server) Requests() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// AddEntry stores e as if it had been created, e.g. to seed a test. An
// empty ID gets a fresh one. It does not validate e.
func (s *Server) AddEntry(e Entry) Entry {
	if e.ID == "" {
		e.ID = newUUID()
	}
	s.mu.Lock()
	s.entries = append(s.entries, e)
	s.mu.Unlock()
	return e
}

// FailCreates answers the next n createtimeentry calls (after
// authentication, before validation) with f; nothing is stored.
func (s *Server) FailCreates(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failCreates.Add(n, f)
}

// DropAfterDelete makes the next n successful deletetimeentry calls
// delete the entry and then close the connection without answering: the
// client cannot know the entry is gone.
func (s *Server) DropAfterDelete(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropDeletes += n
}

// RejectAuth answers the next n authenticated requests 401 whatever token
// they carry (as if the server had forgotten it right after every login).
func (s *Server) RejectAuth(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectAuth += n
}

// ExpireTokens invalidates every token issued so far; the next
// authenticated call with one of them is answered 401.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// SetLoginStyle changes how the next logins carry the token.
func (s *Server) SetLoginStyle(st LoginStyle) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loginStyle = st
}

// newToken returns a random opaque token shaped like a JWT.
func newToken() string {
	hdr := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	body := make([]byte, 24)
	sig := make([]byte, 32)
	rand.Read(body)
	rand.Read(sig)
	return hdr + "." + base64.RawURLEncoding.EncodeToString(body) + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// newUUID returns a random version 4 UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	fakehttp.WriteJSON(w, status, "application/json", v)
}
