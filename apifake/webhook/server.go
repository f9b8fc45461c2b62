package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"stampclock/apifake/fault"
	"stampclock/apifake/strict"
)

// Header names of the webhook request.
const (
	HeaderTimestamp   = "X-Stampclock-Timestamp"
	HeaderSignature   = "X-Stampclock-Signature"
	HeaderIdempotency = "Idempotency-Key"
)

// Options configure the fake. Zero fields take the value in DefaultOptions.
type Options struct {
	// Secret is the shared signing secret (the first line of
	// webhook.secret_file, without the line end). Required.
	Secret []byte
	// Now is the receiver's clock for the timestamp window and
	// Record.Received. Default time.Now.
	Now func() time.Time
	// Tolerance is how far X-Stampclock-Timestamp may be from Now, either
	// way, before the request is refused. Default 300 s (the README's
	// verifier).
	Tolerance time.Duration
	// Path is the URL path the fake receives on. Default "/stampclock"
	// (the README's example URL).
	Path string
	// Status answers a stored record and a repeat of a stored key.
	// Default 200; set 201, 202 or 204 to check that any 2xx counts.
	Status int
	// ConflictStatus answers a repeat of a stored key with a different
	// body (always a violation). Default Status: the fake keeps the first
	// body and answers like a receiver that only looks at the key.
	ConflictStatus int
	// PlainHTTP serves plain HTTP instead of HTTPS. Default false: the
	// README wants https unless webhook.allow_http.
	PlainHTTP bool
}

// DefaultOptions are the values zero Options fields take.
var DefaultOptions = Options{
	Tolerance: 300 * time.Second,
	Path:      "/stampclock",
	Status:    http.StatusOK,
}

// Violation is a request the fake refused, or a repeat whose body differs
// from the stored one, with the reason naming the header or member.
type Violation struct {
	Status int    // the status the fake answered
	Key    string // the Idempotency-Key header, if any
	Reason string
}

// Duplicate is a request whose Idempotency-Key was stored before.
type Duplicate struct {
	Key      string
	Body     []byte // the repeat's body
	SameBody bool   // it holds the same JSON as the stored record's body
}

// Server is the fake webhook receiver. Fault injection and the request log
// come from the embedded fault.Injector (routes: "" or Route()).
type Server struct {
	*fault.Injector
	srv *httptest.Server
	opt Options

	mu         sync.Mutex
	records    []Record
	byKey      map[string]int // Idempotency-Key -> index in records
	duplicates []Duplicate
	violations []Violation
	requests   int
	stored     chan struct{} // closed and replaced whenever a record is stored
}

// New starts the fake on a loopback port; it is closed when the test ends
// (t may be a *testing.T, or a fault.Standalone outside tests). Refused
// requests are logged to t with the reason. New panics without a Secret.
func New(t fault.TB, o Options) *Server {
	t.Helper()
	if len(o.Secret) == 0 {
		panic("webhook fake: Options.Secret is required")
	}
	d := DefaultOptions
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Tolerance == 0 {
		o.Tolerance = d.Tolerance
	}
	if o.Path == "" {
		o.Path = d.Path
	}
	if o.Status == 0 {
		o.Status = d.Status
	}
	if o.ConflictStatus == 0 {
		o.ConflictStatus = o.Status
	}
	o.Secret = append([]byte(nil), o.Secret...)
	s := &Server{opt: o, byKey: map[string]int{}, stored: make(chan struct{})}
	s.Injector = fault.New(func(q fault.Request) {
		t.Logf("webhook fake: %d %s %s: %s", q.Status, q.Method, q.Path, q.Reason)
	})
	s.srv = httptest.NewUnstartedServer(s.Wrap(http.HandlerFunc(s.receive)))
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

// URL is the full URL to POST records to (https://127.0.0.1:port/stampclock
// by default).
func (s *Server) URL() string { return s.srv.URL + s.opt.Path }

// Client returns an HTTP client that trusts the fake's certificate.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// CertificatePEM returns the fake's TLS certificate as PEM (nil with
// PlainHTTP), for a client that takes a CA file rather than an http.Client.
func (s *Server) CertificatePEM() []byte {
	if c := s.srv.Certificate(); c != nil {
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return nil
}

// Route is the fault route of the receiving path ("POST <path>").
func (s *Server) Route() string { return http.MethodPost + " " + s.opt.Path }

// Records returns a copy of the stored records in arrival order, each once.
// Their Body and Members are shared with the fake: do not modify them.
func (s *Server) Records() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Record(nil), s.records...)
}

// WaitRecords waits until at least n records are stored and returns them
// (as Records does), or returns the records so far and an error once
// timeout has passed.
func (s *Server) WaitRecords(n int, timeout time.Duration) ([]Record, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		recs, stored := append([]Record(nil), s.records...), s.stored
		s.mu.Unlock()
		if len(recs) >= n {
			return recs, nil
		}
		select {
		case <-stored:
		case <-deadline.C:
			return recs, fmt.Errorf("webhook fake: %d records stored after %v, want %d", len(recs), timeout, n)
		}
	}
}

// Record returns the stored record with Idempotency-Key key.
func (s *Server) Record(key string) (Record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.byKey[key]
	if !ok {
		return Record{}, false
	}
	return s.records[i], true
}

// Duplicates returns the repeats of stored keys in arrival order.
func (s *Server) Duplicates() []Duplicate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Duplicate(nil), s.duplicates...)
}

// Violations returns every request the fake refused (except the GET and
// HEAD probes stampctl check sends) and every repeat with a different
// body, oldest first. A correct client leaves it empty.
func (s *Server) Violations() []Violation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Violation(nil), s.violations...)
}

// NumRequests counts the requests that reached the receiver's handler
// (not those answered by a fault: down, FailNext, dropped requests).
func (s *Server) NumRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

const ctText = "text/plain; charset=utf-8"

var timestampPattern = regexp.MustCompile(`^(?:0|[1-9][0-9]{0,17})$`)

// refusal is a refused request: status and reason.
type refusal struct {
	status int
	reason string
}

func refuse(status int, format string, args ...any) *refusal {
	return &refusal{status, fmt.Sprintf(format, args...)}
}

func (s *Server) receive(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get(HeaderIdempotency)
	s.mu.Lock()
	s.requests++
	s.mu.Unlock()
	if r.URL.Path != s.opt.Path {
		s.answerRefusal(w, key, refuse(http.StatusNotFound, "path %s, the receiver is at %s", r.URL.Path, s.opt.Path), true)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		// stampctl check probes the URL with a GET and expects 405.
		probe := r.Method == http.MethodGet || r.Method == http.MethodHead
		s.answerRefusal(w, key, refuse(http.StatusMethodNotAllowed, "method %s, records are POSTed", r.Method), !probe)
		return
	}
	body, ref := readBody(r)
	if ref == nil {
		ref = s.checkHeaders(r, body)
	}
	var rec Record
	if ref == nil {
		rec, ref = s.checkBody(r, body)
	}
	if ref != nil {
		s.answerRefusal(w, key, ref, true)
		return
	}

	s.mu.Lock()
	status := s.opt.Status
	if rec.Kind == "retract" {
		if _, stored := s.byKey[key]; !stored {
			if i, ok := s.byKey[rec.DeviceID+":"+strconv.FormatInt(rec.Retracts, 10)]; ok {
				if err := checkRetract(rec, s.records[i]); err != nil {
					s.mu.Unlock()
					s.answerRefusal(w, key, refuse(http.StatusUnprocessableEntity, "record: %v", err), true)
					return
				}
			}
		}
	}
	if i, ok := s.byKey[key]; ok {
		same := sameContent(s.records[i].Body, body)
		s.duplicates = append(s.duplicates, Duplicate{Key: key, Body: body, SameBody: same})
		if !same {
			status = s.opt.ConflictStatus
			s.violations = append(s.violations, Violation{Status: status, Key: key,
				Reason: "Idempotency-Key " + key + " repeated with a different body; the first one is kept"})
		}
	} else {
		s.byKey[key] = len(s.records)
		s.records = append(s.records, rec)
		close(s.stored)
		s.stored = make(chan struct{})
	}
	s.mu.Unlock()
	w.WriteHeader(status)
}

func (s *Server) answerRefusal(w http.ResponseWriter, key string, ref *refusal, violation bool) {
	if violation {
		s.mu.Lock()
		s.violations = append(s.violations, Violation{Status: ref.status, Key: key, Reason: ref.reason})
		s.mu.Unlock()
	}
	fault.Refuse(w, ref.status, ref.reason, ctText, []byte(ref.reason+"\n"))
}

func readBody(r *http.Request) ([]byte, *refusal) {
	if err := strict.MediaType(r, "application/json"); err != nil {
		return nil, refuse(http.StatusUnsupportedMediaType, "%v", err)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, strict.MaxBody+1))
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "read body: %v", err)
	}
	if len(body) > strict.MaxBody {
		return nil, refuse(http.StatusRequestEntityTooLarge, "body larger than %d bytes", strict.MaxBody)
	}
	return body, nil
}

// one returns the single value of header name.
func one(r *http.Request, name string) (string, error) {
	vs := r.Header.Values(name)
	switch {
	case len(vs) == 0 || vs[0] == "":
		return "", fmt.Errorf("header %s missing", name)
	case len(vs) > 1:
		return "", fmt.Errorf("header %s given %d times", name, len(vs))
	}
	return vs[0], nil
}

// checkHeaders verifies the signature over the exact body before anything
// reads it, then the timestamp window and the User-Agent.
func (s *Server) checkHeaders(r *http.Request, body []byte) *refusal {
	ts, err := one(r, HeaderTimestamp)
	if err != nil {
		return refuse(http.StatusUnauthorized, "%v", err)
	}
	if !timestampPattern.MatchString(ts) {
		return refuse(http.StatusUnauthorized, "header %s: %q, want Unix seconds (decimal digits)", HeaderTimestamp, ts)
	}
	sig, err := one(r, HeaderSignature)
	if err != nil {
		return refuse(http.StatusUnauthorized, "%v", err)
	}
	hexMAC, ok := strings.CutPrefix(sig, "sha256=")
	if !ok {
		return refuse(http.StatusUnauthorized, "header %s: %q, want sha256=<hex>", HeaderSignature, sig)
	}
	mac := hmac.New(sha256.New, s.opt.Secret)
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	want := hex.EncodeToString(mac.Sum(nil))
	// The README's verifier compares the whole header to "sha256=" + the
	// lower-case hexdigest: upper-case hex fails there, so it fails here.
	if !hmac.Equal([]byte(hexMAC), []byte(want)) {
		return refuse(http.StatusForbidden, "header %s: not HMAC-SHA256 of <timestamp>.<body> with the secret (lower-case hex)", HeaderSignature)
	}
	sec, _ := strconv.ParseInt(ts, 10, 64)
	off := s.opt.Now().Sub(time.Unix(sec, 0))
	if off > s.opt.Tolerance || off < -s.opt.Tolerance {
		way := "behind"
		if off < 0 {
			off, way = -off, "ahead of"
		}
		return refuse(http.StatusForbidden, "header %s: %s is %v %s the receiver's clock (tolerance %v)",
			HeaderTimestamp, ts, off.Round(time.Second), way, s.opt.Tolerance)
	}
	ua := r.Header.Get("User-Agent")
	if v, ok := strings.CutPrefix(ua, "stampclock/"); !ok || v == "" {
		return refuse(http.StatusBadRequest, "header User-Agent: %q, want stampclock/<version>", ua)
	}
	return nil
}

// checkBody decodes the record and checks it against the Idempotency-Key.
func (s *Server) checkBody(r *http.Request, body []byte) (Record, *refusal) {
	hdrKey, err := one(r, HeaderIdempotency)
	if err != nil {
		return Record{}, refuse(http.StatusBadRequest, "%v", err)
	}
	m, err := parseMembers(body)
	if err != nil {
		return Record{}, refuse(http.StatusBadRequest, "%v", err)
	}
	rec, err := decodeRecord(m)
	if err != nil {
		status := http.StatusUnprocessableEntity
		if errors.Is(err, errBadJSON) {
			status = http.StatusBadRequest
		}
		return Record{}, refuse(status, "record: %v", err)
	}
	if hdrKey != rec.Key {
		return Record{}, refuse(http.StatusUnprocessableEntity, "header %s: %q, the body's idempotency_key is %q", HeaderIdempotency, hdrKey, rec.Key)
	}
	rec.Body = body
	rec.Timestamp, _ = strconv.ParseInt(r.Header.Get(HeaderTimestamp), 10, 64)
	rec.UserAgent = r.Header.Get("User-Agent")
	rec.Received = s.opt.Now()
	return rec, nil
}
