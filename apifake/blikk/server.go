package blikk

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"stampclock/apifake/fault"
	"stampclock/apifake/strict"
)

// Routes for fault injection (see package fault).
const (
	RouteToken  = "POST /v1/Auth/Token"
	RouteCreate = "POST /v1/Core/TimeReports"
	RouteList   = "GET /v1/Core/TimeReports"
	RouteReport = "/v1/Core/TimeReports/*" // GET, PUT, DELETE of one report
)

// PathUserDayStatistics is the per-user, per-day statistics list.
const PathUserDayStatistics = "/v1/Core/TimeReports/UserDayStatistics"

// Permission names used by the document.
const (
	TimereportRead  = "Timereport_Read"
	TimereportWrite = "Timereport_Write"
	ProjectRead     = "Project_Read"
)

// NameID is a registry item: activity, time code, time article, internal or
// absence project.
type NameID struct {
	ID   int
	Name string
}

// User is a Blikk user.
type User struct {
	ID                  int
	FirstName, LastName string
}

// Project is a customer project; Contact is its customer.
type Project struct {
	ID          int
	OrderNumber string
	Title       string
	Contact     NameID
}

// Options configure the fake. Zero fields take the value in DefaultOptions.
type Options struct {
	// Now is the clock for token expiry, the rate limit and the created and
	// updated dates. Default time.Now.
	Now func() time.Time
	// AppID and AppSecret are the credentials POST /v1/Auth/Token accepts.
	// Default "myappid" / "myappsecret" (the document's example).
	AppID, AppSecret string
	// TokenTTL is how long an access token is valid. Default 1h.
	TokenTTL time.Duration
	// RateLimit is the number of requests an access token may make in any
	// one second; more are answered 429. Default 4; negative disables it.
	RateLimit int
	// PlainHTTP serves plain HTTP instead of HTTPS. Default false: the
	// document says calls over plain HTTP fail, so the fake speaks TLS with a
	// test certificate that Client and CertPool trust.
	PlainHTTP bool
	// CreateAnswerDetail makes a successful create (and update) answer the
	// timereport.detail object. Default: empty body (the document shows none).
	CreateAnswerDetail bool
	// Permissions are the API application's permissions. Default all of
	// TimereportRead, TimereportWrite and ProjectRead; a request that needs
	// a missing one is answered 403.
	Permissions []string
	// Registries. Defaults: user 1 John Doe, project 1 (contact 87), activity
	// 1, time code 1, time article 1, internal project 1, absence project 1.
	Users            []User
	Projects         []Project
	Activities       []NameID
	TimeCodes        []NameID
	TimeArticles     []NameID
	InternalProjects []NameID
	AbsenceProjects  []NameID
	// TaskIDs are the ids of existing tasks. Default none: a taskId is refused.
	TaskIDs []int
	// ScheduledHours are every user's scheduled hours Monday to Friday, as
	// reported by UserDayStatistics (0 on weekends). Default 8.
	ScheduledHours float64
}

// DefaultOptions are the values zero Options fields take.
var DefaultOptions = Options{
	AppID:            "myappid",
	AppSecret:        "myappsecret",
	TokenTTL:         time.Hour,
	RateLimit:        4,
	Permissions:      []string{TimereportRead, TimereportWrite, ProjectRead},
	Users:            []User{{ID: 1, FirstName: "John", LastName: "Doe"}},
	Projects:         []Project{{ID: 1, OrderNumber: "12", Title: "Maintenance", Contact: NameID{87, "Microsoft"}}},
	Activities:       []NameID{{1, "Project management"}},
	TimeCodes:        []NameID{{1, "Normal"}},
	TimeArticles:     []NameID{{1, "Work hours"}},
	InternalProjects: []NameID{{1, "Internal"}},
	AbsenceProjects:  []NameID{{1, "Vacation"}},
	ScheduledHours:   8,
}

// Server is the fake Blikk public API. Fault injection and the request log
// come from the embedded fault.Injector.
type Server struct {
	*fault.Injector
	srv *httptest.Server
	opt Options

	mu      sync.Mutex
	tokens  map[string]time.Time   // token -> expiry
	recent  map[string][]time.Time // token -> times of counted requests in the last second
	reports []TimeReport
	locked  map[dayKey]time.Time // user and day -> when it was locked
	seq     int
	issued  int
	limited int
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
	if o.AppID == "" {
		o.AppID = d.AppID
	}
	if o.AppSecret == "" {
		o.AppSecret = d.AppSecret
	}
	if o.TokenTTL == 0 {
		o.TokenTTL = d.TokenTTL
	}
	if o.RateLimit == 0 {
		o.RateLimit = d.RateLimit
	}
	if o.ScheduledHours == 0 {
		o.ScheduledHours = d.ScheduledHours
	}
	if o.Permissions == nil {
		o.Permissions = d.Permissions
	}
	if o.Users == nil {
		o.Users = d.Users
	}
	if o.Projects == nil {
		o.Projects = d.Projects
	}
	if o.Activities == nil {
		o.Activities = d.Activities
	}
	if o.TimeCodes == nil {
		o.TimeCodes = d.TimeCodes
	}
	if o.TimeArticles == nil {
		o.TimeArticles = d.TimeArticles
	}
	if o.InternalProjects == nil {
		o.InternalProjects = d.InternalProjects
	}
	if o.AbsenceProjects == nil {
		o.AbsenceProjects = d.AbsenceProjects
	}
	s := &Server{opt: o, tokens: map[string]time.Time{}, recent: map[string][]time.Time{}, locked: map[dayKey]time.Time{}}
	s.Injector = fault.New(func(q fault.Request) {
		t.Logf("blikk fake: %d %s %s: %s", q.Status, q.Method, q.Path, q.Reason)
	})
	h := s.Wrap(http.HandlerFunc(s.route))
	s.srv = httptest.NewUnstartedServer(h)
	// Handshake failures (a plain HTTP call) are expected, not worth a line on stderr.
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if o.PlainHTTP {
		s.srv.Start()
	} else {
		s.srv.StartTLS()
	}
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the base URL (https://127.0.0.1:port unless PlainHTTP); paths
// such as /v1/Auth/Token go after it.
func (s *Server) URL() string { return s.srv.URL }

// Client returns an HTTP client that trusts the fake's certificate.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// CertPool returns a pool holding the fake's certificate (nil with PlainHTTP),
// for clients that build their own TLS configuration.
func (s *Server) CertPool() *x509.CertPool {
	if s.srv.Certificate() == nil {
		return nil
	}
	p := x509.NewCertPool()
	p.AddCert(s.srv.Certificate())
	return p
}

// TokensIssued counts the access tokens handed out.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// RateLimited counts the requests answered 429.
func (s *Server) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limited
}

// ExpireTokens invalidates every access token issued so far.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]time.Time{}
}

const (
	ctJSON       = "application/json"
	stampLayout  = "2006-01-02 15:04:05 -07:00"
	dateLayout   = "2006-01-02"
	dtLayout     = "2006-01-02 15:04:05"
	msgInvalid   = "The request is invalid."
	msgBadToken  = "Invalid token"
	reportPrefix = "/v1/Core/TimeReports/"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", ctJSON+"; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func refuseJSON(w http.ResponseWriter, status int, reason string, body any) {
	b, _ := json.Marshal(body)
	fault.Refuse(w, status, reason, ctJSON+"; charset=utf-8", b)
}

// badRequest answers 400 in the document's shape, with one model state
// entry naming the field.
func badRequest(w http.ResponseWriter, field, msg string) {
	refuseJSON(w, http.StatusBadRequest, field+": "+msg, map[string]any{
		"message": msgInvalid, "modelState": map[string][]string{field: {msg}},
	})
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if p == "/v1/Auth/Token" {
		if allow(w, r, http.MethodPost) {
			s.token(w, r)
		}
		return
	}
	lists := s.registries()
	_, isList := lists[p]
	isStats := p == PathUserDayStatistics
	isReport := strings.HasPrefix(p, reportPrefix) && !strings.Contains(p[len(reportPrefix):], "/") && !isStats
	if p != "/v1/Core/TimeReports" && !isList && !isReport && !isStats {
		fault.Refuse(w, http.StatusNotFound, "no such endpoint in the document: "+p, "", nil)
		return
	}
	tok, ok := s.auth(w, r)
	if !ok || !s.rate(w, tok) {
		return
	}
	switch {
	case p == "/v1/Core/TimeReports":
		if !allow(w, r, http.MethodGet, http.MethodPost) {
			return
		}
		if r.Method == http.MethodGet {
			if s.permitted(w, TimereportRead) {
				s.listReports(w, r)
			}
		} else if s.permitted(w, TimereportWrite) {
			s.createReport(w, r)
		}
	case isStats:
		if allow(w, r, http.MethodGet) && s.permitted(w, TimereportRead) {
			s.userDayStatistics(w, r)
		}
	case isReport:
		if !allow(w, r, http.MethodGet, http.MethodPut, http.MethodDelete) {
			return
		}
		need := TimereportWrite
		if r.Method == http.MethodGet {
			need = TimereportRead
		}
		if s.permitted(w, need) {
			s.oneReport(w, r, p[len(reportPrefix):])
		}
	default:
		if allow(w, r, http.MethodGet) {
			reg := lists[p]
			if reg.permission == "" || s.permitted(w, reg.permission) {
				s.listRegistry(w, r, reg)
			}
		}
	}
}

func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	fault.Refuse(w, http.StatusMethodNotAllowed, "method "+r.Method+" not documented for "+r.URL.Path, "", nil)
	return false
}

func (s *Server) permitted(w http.ResponseWriter, perm string) bool {
	for _, p := range s.opt.Permissions {
		if p == perm {
			return true
		}
	}
	refuseJSON(w, http.StatusForbidden, "API application lacks permission "+perm, map[string]any{
		"message":             "You dont have the nessecery permissions to perform this action",
		"ipAddressAllowed":    true,
		"permissionsRequired": []string{perm},
	})
	return false
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	v := r.Header.Get("Authorization")
	enc, ok := strings.CutPrefix(v, "Basic ")
	if !ok {
		refuseJSON(w, http.StatusUnauthorized, "token: Authorization must use the Basic scheme", map[string]string{"message": "Invalid credentials"})
		return
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	id, secret, colon := strings.Cut(string(raw), ":")
	if err != nil || !colon {
		refuseJSON(w, http.StatusUnauthorized, "token: Basic value is not base64 of id:secret", map[string]string{"message": "Invalid credentials"})
		return
	}
	if id != s.opt.AppID || secret != s.opt.AppSecret {
		refuseJSON(w, http.StatusUnauthorized, "token: wrong application id or secret", map[string]string{"message": "Invalid credentials"})
		return
	}
	tok := "pk_" + uuid() + ".pa_" + uuid()
	s.mu.Lock()
	exp := s.opt.Now().Add(s.opt.TokenTTL)
	s.tokens[tok] = exp
	s.issued++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{
		"objectName": "auth.token", "accessToken": tok, "expires": exp.UTC().Format(stampLayout),
	})
}

func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func (s *Server) auth(w http.ResponseWriter, r *http.Request) (string, bool) {
	tok, err := strict.Bearer(r, "Authorization", "Bearer")
	if err != nil {
		refuseJSON(w, http.StatusUnauthorized, err.Error(), map[string]string{"message": msgBadToken})
		return "", false
	}
	s.mu.Lock()
	exp, ok := s.tokens[tok]
	now := s.opt.Now()
	s.mu.Unlock()
	if !ok || !now.Before(exp) {
		refuseJSON(w, http.StatusUnauthorized, "access token unknown or expired", map[string]string{"message": msgBadToken})
		return "", false
	}
	return tok, true
}

// rate counts the request against tok's limit: at most RateLimit requests
// in any window of one second. A refused request does not count.
func (s *Server) rate(w http.ResponseWriter, tok string) bool {
	if s.opt.RateLimit < 0 {
		return true
	}
	s.mu.Lock()
	now := s.opt.Now()
	kept := s.recent[tok][:0]
	for _, at := range s.recent[tok] {
		if now.Sub(at) < time.Second {
			kept = append(kept, at)
		}
	}
	s.recent[tok] = kept
	if len(kept) < s.opt.RateLimit {
		s.recent[tok] = append(kept, now)
		s.mu.Unlock()
		return true
	}
	s.limited++
	wait := int(math.Ceil(kept[0].Add(time.Second).Sub(now).Seconds()))
	s.mu.Unlock()
	if wait < 1 {
		wait = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(wait))
	refuseJSON(w, http.StatusTooManyRequests, fmt.Sprintf("more than %d requests in one second", s.opt.RateLimit),
		map[string]int{"waitInSeconds": wait})
	return false
}

func nameID(objectName string, id int, name string) map[string]any {
	return map[string]any{"objectName": objectName, "id": id, "name": name}
}

func stamp(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(stampLayout)
}
