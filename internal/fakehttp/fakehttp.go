// Package fakehttp holds what the fake servers of the uplinks (zeittest,
// blikktest, flowtlytest, webhooktest) and of the day-total sources
// (clockodotest, timesheetstest) share to inject faults: the down switch
// (Down: connections closed or 503), an answer that is delayed, a
// connection closed without an answer, and JSON answers; and serving one
// on loopback for a test.
package fakehttp

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"
)

// Recorder wraps a ResponseWriter: it notes the status of the answer and
// holds the answer back by a delay (a slow server; the work is done first).
type Recorder struct {
	http.ResponseWriter
	ctx   context.Context
	delay time.Duration
	// Status is the answer's status, 0 until one was written.
	Status int
}

// NewRecorder wraps w for the request r, delaying the answer by delay.
func NewRecorder(w http.ResponseWriter, r *http.Request, delay time.Duration) *Recorder {
	return &Recorder{ResponseWriter: w, ctx: r.Context(), delay: delay}
}

// WriteHeader waits out the delay (or the request's end), then answers.
func (rw *Recorder) WriteHeader(code int) {
	if rw.Status != 0 {
		return
	}
	rw.Status = code
	if rw.delay > 0 {
		t := time.NewTimer(rw.delay)
		select {
		case <-t.C:
		case <-rw.ctx.Done():
			t.Stop()
		}
	}
	rw.ResponseWriter.WriteHeader(code)
}

// Write answers 200 first if nothing was written yet.
func (rw *Recorder) Write(b []byte) (int, error) {
	if rw.Status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	return rw.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (Hijack).
func (rw *Recorder) Unwrap() http.ResponseWriter { return rw.ResponseWriter }

// Drop closes the request's connection without an answer: to the client,
// the request may or may not have been processed.
func Drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 or a writer without a connection: abort the handler,
		// which resets the stream without an answer.
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

// WriteJSON answers status with v as JSON of the given content type.
func WriteJSON(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	w.Write(b)
}

// DownMode is how a server that is "down" answers.
type DownMode int

const (
	// Up: the server works normally.
	Up DownMode = iota
	// DownClose: every request's connection is closed without an answer.
	DownClose
	// Down503: every request is answered 503 Service Unavailable.
	Down503
)

// Down is a fake server's down switch, the one way every fake is taken
// down and brought back up. The zero value is Up; it is safe for
// concurrent use and its SetDown is promoted to the servers that embed it.
type Down struct {
	mu sync.Mutex
	m  DownMode
}

// SetDown takes the server down (DownClose, Down503) or back Up.
func (d *Down) SetDown(m DownMode) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.m = m
}

// Mode returns the mode now in force and no delay: a fake that only goes
// down can stand behind Front with its Down.
func (d *Down) Mode() (DownMode, time.Duration) { return d.DownMode(), 0 }

// DownMode returns the mode now in force.
func (d *Down) DownMode() DownMode {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.m
}

// Serve answers r as a server in the mode now in force does and returns
// that mode: DownClose closes the connection without an answer, Down503
// calls unavailable (which writes the API's 503), Up leaves the request to
// the caller.
func (d *Down) Serve(w http.ResponseWriter, r *http.Request, unavailable func(http.ResponseWriter, *http.Request)) DownMode {
	m := d.DownMode()
	switch m {
	case DownClose:
		Drop(w)
	case Down503:
		unavailable(w, r)
	}
	return m
}

// Counts are the counters every fake's Requests reports, embedded first in
// its Stats, with the same meaning in each. All counts are since New.
type Counts struct {
	Requests int // all requests
	Rejected int // 4xx answers but 401, injected ones too (IsRejection; a fake's Stats names further exceptions)
	Injected int // answers replaced by an injected fault (FailNext, the fake's other Fail…, Down503)
	Dropped  int // connections closed without an answer (DownClose, answers dropped after a store)
}

// CountDown counts a request that a server in mode m answered for being
// down: DownClose as Dropped, Down503 as Injected.
func (c *Counts) CountDown(m DownMode) {
	switch m {
	case DownClose:
		c.Dropped++
	case Down503:
		c.Injected++
	}
}

// IsRejection reports whether an answer with status counts as Rejected: a
// 4xx but 401 and the fake's exceptions.
func IsRejection(status int, exceptions ...int) bool {
	return status >= 400 && status < 500 && status != http.StatusUnauthorized && !slices.Contains(exceptions, status)
}

// Fault is an injected answer to one request, the same type in every fake
// (each names it Fault).
type Fault struct {
	// Status is the HTTP status, e.g. 500, 503, 429 or 400.
	Status int
	// RetryAfter is sent as the Retry-After header when not empty: seconds
	// ("2") or an HTTP date.
	RetryAfter string
	// Message is the text of the API's error answer; default the status
	// text.
	Message string
	// Body, when not empty, is the whole answer body (JSON), sent as is in
	// place of the API's error answer.
	Body string
}

// Write answers with f: the Retry-After header, then Body as is with
// contentType, or else the API's error answer, which errorAnswer writes
// for f's status and message.
func (f Fault) Write(w http.ResponseWriter, contentType string, errorAnswer func(w http.ResponseWriter, status int, msg string)) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.Body != "" {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(f.Status)
		io.WriteString(w, f.Body)
		return
	}
	msg := f.Message
	if msg == "" {
		msg = http.StatusText(f.Status)
	}
	errorAnswer(w, f.Status, msg)
}

// Failures holds the faults of FailNext, the one way to fail the next
// requests that every fake has. Its FailNext is promoted to the servers
// that embed it; each fake takes the faults with TakeNext at the point its
// doc names (after authentication: the requests that reach the API). It is
// safe for concurrent use.
type Failures struct {
	mu sync.Mutex
	q  Queue[Fault]
}

// FailNext answers the next n requests that reach the API with f; nothing
// is stored.
func (fs *Failures) FailNext(n int, f Fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.q.Add(n, f)
}

// TakeNext removes the next fault and returns it, or nil when none is
// queued.
func (fs *Failures) TakeNext() *Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.q.Take()
}

// Faults is the fault state every fake uplink server has: whether it is
// down, how long answers are held back, and how many stores lose their
// answer. Its methods are promoted to the servers that embed it and are
// safe for concurrent use.
type Faults struct {
	Down // SetDown

	mu        sync.Mutex
	delay     time.Duration
	dropAfter int
}

// SetDelay delays every answer by d (0: no delay). Work is done first: a
// create stores its record, then waits d before answering, so a client
// that times out has in fact delivered.
func (f *Faults) SetDelay(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delay = d
}

// DropAfterStore makes the next n successful creates store the record and
// then close the connection without answering.
func (f *Faults) DropAfterStore(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dropAfter += n
}

// Mode returns the down mode and the answer delay now in force.
func (f *Faults) Mode() (DownMode, time.Duration) {
	down := f.DownMode()
	f.mu.Lock()
	defer f.mu.Unlock()
	return down, f.delay
}

// TakeDrop reports whether the answer to the store just made is to be
// dropped, using up one of the DropAfterStore count.
func (f *Faults) TakeDrop() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dropAfter == 0 {
		return false
	}
	f.dropAfter--
	return true
}

// TB is the part of testing.TB that Serve needs; *testing.T and *testing.B
// satisfy it, as does each fake server's own TB.
type TB interface {
	Helper()
	Cleanup(func())
}

// Serve serves h on a loopback port until the test ends and returns the
// running server (its URL is the client's base URL).
func Serve(tb TB, h http.Handler) *httptest.Server {
	tb.Helper()
	ts := httptest.NewServer(h)
	tb.Cleanup(ts.Close)
	return ts
}

// Front is the outer handler of a fake uplink server, before its API mux:
// it counts the request, answers for a server that is down (closing the
// connection or with the API's 503), holds the mux's answer back by the
// delay in force, counts a rejection and logs the answer.
type Front struct {
	// Faults is the server's fault state: a *Faults, or a *Down for a
	// server that does not delay.
	Faults interface {
		Mode() (DownMode, time.Duration)
	}
	// Mu guards the server's Counts, which Front increments: Requests
	// (every request), Injected (the 503s of a Down503 server), Rejected
	// (the mux's 4xx answers but 401 and the NotRejected ones) and Dropped
	// (connections closed without an answer).
	Mu     sync.Locker
	Counts *Counts
	// NotRejected are further 4xx statuses that are not rejections.
	NotRejected []int
	// Unavailable writes the API's 503 answer.
	Unavailable func(w http.ResponseWriter, r *http.Request)
	// Name prefixes the log lines ("blikktest"); Log receives a line per
	// answer of the mux and per dropped connection.
	Name string
	Log  *slog.Logger
}

// Handler returns mux behind the front.
func (f Front) Handler(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		down, delay := f.Faults.Mode()
		f.Mu.Lock()
		f.Counts.Requests++
		if down == Down503 {
			f.Counts.Injected++
		}
		f.Mu.Unlock()
		switch down {
		case DownClose:
			f.Drop(w, r)
			return
		case Down503:
			f.Unavailable(w, r)
			return
		}
		rw := NewRecorder(w, r, delay)
		mux.ServeHTTP(rw, r)
		if IsRejection(rw.Status, f.NotRejected...) {
			f.Mu.Lock()
			f.Counts.Rejected++
			f.Mu.Unlock()
		}
		f.Log.Info(f.Name+": request", "method", r.Method, "path", r.URL.Path, "status", rw.Status)
	})
}

// Drop counts and logs the request, then closes its connection without an
// answer (see the function Drop).
func (f Front) Drop(w http.ResponseWriter, r *http.Request) {
	f.Mu.Lock()
	f.Counts.Dropped++
	f.Mu.Unlock()
	f.Log.Info(f.Name+": dropping connection", "method", r.Method, "path", r.URL.Path)
	Drop(w)
}

// Queue holds injected faults in order, each to answer one request. The
// zero value is empty. It does no locking of its own: use it under the
// server's lock.
type Queue[T any] []T

// Add queues n copies of f.
func (q *Queue[T]) Add(n int, f T) {
	for range n {
		*q = append(*q, f)
	}
}

// Take removes the first fault and returns it, or nil when none is queued.
func (q *Queue[T]) Take() *T {
	if len(*q) == 0 {
		return nil
	}
	f := &(*q)[0]
	*q = (*q)[1:]
	return f
}

// Repeats returns, in order, every item whose key equals the key of an item
// before it: each copy after the first, as a fake server reports the
// duplicates a client created.
func Repeats[T any](items []T, key func(T) string) []T {
	seen := map[string]bool{}
	var dups []T
	for _, it := range items {
		k := key(it)
		if seen[k] {
			dups = append(dups, it)
		}
		seen[k] = true
	}
	return dups
}
