// Package webhooktest is a strict webhook receiver for tests: it checks
// every request as a careful receiver would (method, content type, the
// timestamp within a tolerance of its clock, the HMAC signature, the
// idempotency key against the body, the MQTT payload schema's required
// fields), stores each record once by its idempotency key and injects
// faults with the shape every strict fake shares (internal/fakehttp):
// SetDown, SetDelay, DropAfterStore (answers lost after the record was
// stored) and FailNext (chosen answers); Requests counts what it saw.
package webhooktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"sync"
	"time"

	"stampclock/internal/fakehttp"
	"stampclock/uplink/webhook"
)

// DownMode is how a server that is "down" answers (SetDown).
type DownMode = fakehttp.DownMode

// Down modes.
const (
	Up        = fakehttp.Up        // the server works normally
	DownClose = fakehttp.DownClose // every connection is closed without an answer
	Down503   = fakehttp.Down503   // every request is answered 503
)

// DefaultSecret is the shared secret unless Options say otherwise.
const DefaultSecret = "0123456789abcdef0123456789abcdef"

// Path is where the receiver takes POSTs.
const Path = "/hooks/stampclock"

// Options configure the server. Zero values mean the defaults.
type Options struct {
	// Secret is the shared secret. Default DefaultSecret.
	Secret string
	// Now is the receiver's clock. Default time.Now.
	Now func() time.Time
	// Tolerance is how far a timestamp may be from Now. Default 5m.
	Tolerance time.Duration
	// Logger receives one line per request; default discards.
	Logger *slog.Logger
}

// Record is a stored record as the schema describes it; the server
// decodes it itself rather than with the sender's type.
type Record struct {
	Schema         int       `json:"schema"`
	IdempotencyKey string    `json:"idempotency_key"`
	DeviceID       string    `json:"device_id"`
	Seq            uint64    `json:"seq"`
	Kind           string    `json:"kind"`
	At             time.Time `json:"at"`
	ClockSynced    *bool     `json:"clock_synced"`
	UID            string    `json:"uid,omitempty"`
	Email          string    `json:"email,omitempty"`
	Action         string    `json:"action,omitempty"`
	Start          time.Time `json:"start,omitzero"`
	End            time.Time `json:"end,omitzero"`
	StartSeq       uint64    `json:"start_seq,omitempty"`
	StopSeq        uint64    `json:"stop_seq,omitempty"`
	Event          string    `json:"event,omitempty"`
	Detail         string    `json:"detail,omitempty"`
	Retracts       uint64    `json:"retracts,omitempty"`
	SiteEntry      string    `json:"site_entry,omitempty"`
}

// Fault is an injected answer (FailNext): Message is the text/plain body,
// or Body (JSON) replaces it.
type Fault = fakehttp.Fault

// Stats count what the server saw since New. Of the shared Counts,
// Rejected are the 4xx answers but 401 (a bad or stale signature) and
// Injected the answers of FailNext and Down503; Dropped counts DownClose
// and DropAfterStore.
type Stats struct {
	fakehttp.Counts
	Stored  int // records stored
	Replays int // requests for a key already stored with the same body
}

// Server is the receiver.
type Server struct {
	fakehttp.Faults   // SetDown (nothing is stored while down), SetDelay, DropAfterStore
	fakehttp.Failures // FailNext: valid requests for a new key, nothing stored

	o   Options
	log *slog.Logger

	mu       sync.Mutex
	stored   map[string][]byte // body by idempotency key
	order    []Record
	rejected []string
	stats    Stats
}

// TB is the part of testing.TB that Start needs; *testing.T and
// *testing.B satisfy it.
type TB = fakehttp.TB

// Start serves a new Server configured by o on a loopback port and closes
// it when the test ends. It returns the server and the running
// httptest.Server (its URL followed by Path is the webhook's URL).
func Start(tb TB, o Options) (*Server, *httptest.Server) {
	tb.Helper()
	s := New(o)
	return s, fakehttp.Serve(tb, s)
}

// New returns a Server to serve as an http.Handler.
func New(o Options) *Server {
	if o.Secret == "" {
		o.Secret = DefaultSecret
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Tolerance <= 0 {
		o.Tolerance = 5 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Server{o: o, log: o.Logger, stored: map[string][]byte{}}
}

// Requests returns the request counters.
func (s *Server) Requests() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Records returns the stored records, in the order they were first stored.
func (s *Server) Records() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Record(nil), s.order...)
}

// Replays counts requests for a key already stored (answered 200 again,
// nothing stored).
func (s *Server) Replays() int { s.mu.Lock(); defer s.mu.Unlock(); return s.stats.Replays }

// Rejected returns why requests were refused (bad signature, schema, …).
func (s *Server) Rejected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.rejected...)
}

var keyPattern = regexp.MustCompile(`^[^/+#]+:[1-9][0-9]*$`)

// ServeHTTP serves r behind fakehttp's Front: counted, down, delayed.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.front().Handler(http.HandlerFunc(s.serve)).ServeHTTP(w, r)
}

// front is the server's outer handler.
func (s *Server) front() fakehttp.Front {
	return fakehttp.Front{
		Faults:      &s.Faults,
		Mu:          &s.mu,
		Counts:      &s.stats.Counts,
		Unavailable: unavailable,
		Name:        "webhooktest",
		Log:         s.log,
	}
}

// serve checks and stores one delivery.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != Path {
		s.refuse(w, http.StatusNotFound, "no endpoint "+r.URL.Path)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.refuse(w, http.StatusMethodNotAllowed, r.Method+" is not POST")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		s.refuse(w, http.StatusUnsupportedMediaType, "content type "+ct)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16+1))
	if err != nil || len(body) > 1<<16 {
		s.refuse(w, http.StatusRequestEntityTooLarge, "body over 64 KiB or unreadable")
		return
	}
	if err := webhook.Verify([]byte(s.o.Secret), r.Header.Get(webhook.TimestampHeader), r.Header.Get(webhook.SignatureHeader), body, s.o.Now(), s.o.Tolerance); err != nil {
		s.refuse(w, http.StatusUnauthorized, err.Error())
		return
	}
	key := r.Header.Get(webhook.IdempotencyHeader)
	if !keyPattern.MatchString(key) {
		s.refuse(w, http.StatusBadRequest, fmt.Sprintf("%s %q: want <device_id>:<seq>", webhook.IdempotencyHeader, key))
		return
	}
	rec, err := decode(body, key)
	if err != nil {
		s.refuse(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	s.mu.Lock()
	if prev, ok := s.stored[key]; ok {
		same := bytes.Equal(prev, body)
		if same {
			s.stats.Replays++
		} else {
			s.rejected = append(s.rejected, "key "+key+" reused with another body")
		}
		s.mu.Unlock()
		if !same {
			http.Error(w, "idempotency key reused with another body", http.StatusUnprocessableEntity)
			return
		}
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(http.StatusOK)
		return
	}
	if f := s.TakeNext(); f != nil {
		s.stats.Injected++
		s.mu.Unlock()
		f.Write(w, "application/json", textError)
		return
	}
	// Canonical bytes: a replay is compared with what was stored, and
	// the signing timestamp is not part of the body.
	s.stored[key] = body
	s.order = append(s.order, rec)
	s.stats.Stored++
	s.mu.Unlock()
	if s.TakeDrop() {
		s.front().Drop(w, r)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) refuse(w http.ResponseWriter, status int, why string) {
	s.mu.Lock()
	s.rejected = append(s.rejected, why)
	s.mu.Unlock()
	http.Error(w, why, status)
}

// textError answers status with msg as text, as http.Error does.
func textError(w http.ResponseWriter, status int, msg string) { http.Error(w, msg, status) }

// unavailable is the answer of a Down503 server.
func unavailable(w http.ResponseWriter, _ *http.Request) {
	http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
}

// decode checks body against the payload schema and key.
func decode(body []byte, key string) (Record, error) {
	var rec Record
	if err := json.Unmarshal(body, &rec); err != nil {
		return rec, fmt.Errorf("body: %v", err)
	}
	switch {
	case rec.Schema != 1:
		return rec, fmt.Errorf("schema %d; want 1", rec.Schema)
	case rec.IdempotencyKey != key:
		return rec, fmt.Errorf("idempotency_key %q differs from the header's %q", rec.IdempotencyKey, key)
	case rec.DeviceID+":"+strconv.FormatUint(rec.Seq, 10) != key:
		return rec, fmt.Errorf("device_id %q and seq %d do not make the key %q", rec.DeviceID, rec.Seq, key)
	case rec.At.IsZero():
		return rec, fmt.Errorf("at: required")
	case rec.ClockSynced == nil:
		return rec, fmt.Errorf("clock_synced: required")
	}
	switch rec.Kind {
	case "punch":
		if rec.Action != "start" && rec.Action != "stop" {
			return rec, fmt.Errorf("punch: action %q; want start or stop", rec.Action)
		}
	case "entry":
		if rec.Start.IsZero() || rec.End.IsZero() || !rec.End.After(rec.Start) {
			return rec, fmt.Errorf("entry: start %s and end %s; want both, end after start", rec.Start, rec.End)
		}
	case "event":
		if rec.Event == "" {
			return rec, fmt.Errorf("event: event required")
		}
	case "retract":
		if rec.Retracts == 0 || rec.Start.IsZero() {
			return rec, fmt.Errorf("retract: retracts %d and start %s; want both", rec.Retracts, rec.Start)
		}
	default:
		return rec, fmt.Errorf("kind %q; want punch, entry, event or retract", rec.Kind)
	}
	return rec, nil
}
