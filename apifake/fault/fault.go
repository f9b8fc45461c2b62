// Package fault wraps the handler of a fake API server with fault injection
// and a request log: down mode (503 for everything), a delay before every
// answer, requests dropped before the fake handles them, and answers dropped
// after the fake has handled (and stored) them.
//
// A dropped request or answer closes the TCP connection without writing a
// byte, so the client sees a broken connection (EOF or reset), never a status.
//
// Faults are selected by route: "" matches every request, "/path" every
// request to that exact path, "METHOD /path" only that method and path; a
// path ending in "*" matches every path starting with what precedes the "*".
package fault

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Request is one request as the fake saw it.
type Request struct {
	Method string
	Path   string // URL path, decoded
	Query  string // raw query string
	// Status is the status the fake answered with; 0 when the request or
	// its answer was dropped.
	Status int
	// Handled is true when the fake's handler ran (so any change it makes
	// is stored), also when the answer was then dropped.
	Handled bool
	// Reason says why the fake refused the request (status >= 400), naming
	// the field or header and what the document demands.
	Reason string
}

// Injector holds the faults to inject and logs every request. Its zero value
// is not usable; servers create one with New and embed it.
type Injector struct {
	mu        sync.Mutex
	down      bool
	delay     time.Duration
	dropReq   []rule
	dropAns   []rule
	failNext  []rule
	delayNext []rule
	log       []Request
	onRefusal func(Request)
}

type rule struct {
	route  string
	n      int
	status int
	header http.Header
	delay  time.Duration
}

// New returns an Injector. onRefusal, when not nil, is called for every
// answer with a status >= 400 that the handler gave (fakes log it to the test).
func New(onRefusal func(Request)) *Injector {
	return &Injector{onRefusal: onRefusal}
}

// SetDown switches down mode: while down, every request is answered with
// 503 Service Unavailable and not handled.
func (f *Injector) SetDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

// SetDelay makes the fake wait d before handling each request (0 = none).
// The wait ends early when the client gives up on the request.
func (f *Injector) SetDelay(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delay = d
}

// DropRequests closes the connection of the next n requests matching route
// before they are handled: nothing is stored.
func (f *Injector) DropRequests(route string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dropReq = append(f.dropReq, rule{route: route, n: n})
}

// DropAnswers lets the next n requests matching route be handled (and what
// they create stored) and then closes the connection instead of answering.
func (f *Injector) DropAnswers(route string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dropAns = append(f.dropAns, rule{route: route, n: n})
}

// FailNext answers the next n requests matching route with status and an
// empty body, without handling them.
func (f *Injector) FailNext(route string, n, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext = append(f.failNext, rule{route: route, n: n, status: status})
}

// FailNextHeader is FailNext with header set on the answers, e.g.
// Retry-After on a 429 or 503.
func (f *Injector) FailNextHeader(route string, n, status int, header http.Header) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext = append(f.failNext, rule{route: route, n: n, status: status, header: header.Clone()})
}

// DelayNext makes the next n requests matching route wait d before they
// are handled (on top of SetDelay).
func (f *Injector) DelayNext(route string, n int, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delayNext = append(f.delayNext, rule{route: route, n: n, delay: d})
}

// Requests returns a copy of the log of every request seen, oldest first.
func (f *Injector) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.log...)
}

// Refusals returns the logged requests the fake refused (status >= 400 given
// by the handler, not by down mode or FailNext), oldest first.
func (f *Injector) Refusals() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Request
	for _, r := range f.log {
		if r.Handled && r.Status >= 400 {
			out = append(out, r)
		}
	}
	return out
}

// take consumes one use of the first rule in rules matching r.
func take(rules []rule, r *http.Request) (rule, bool) {
	for i := range rules {
		if rules[i].n > 0 && matches(rules[i].route, r) {
			rules[i].n--
			return rules[i], true
		}
	}
	return rule{}, false
}

func matches(route string, r *http.Request) bool {
	if route == "" {
		return true
	}
	method, path, ok := strings.Cut(route, " ")
	if !ok {
		method, path = "", route
	}
	if method != "" && method != r.Method {
		return false
	}
	if prefix, ok := strings.CutSuffix(path, "*"); ok {
		return strings.HasPrefix(r.URL.Path, prefix)
	}
	return path == r.URL.Path
}

func (f *Injector) record(q Request) {
	f.mu.Lock()
	f.log = append(f.log, q)
	f.mu.Unlock()
}

// Refuse answers a refused request: it records reason for the log and
// writes status with body (as JSON when contentType says so). An empty
// contentType writes no Content-Type and body must be empty.
func Refuse(w http.ResponseWriter, status int, reason, contentType string, body []byte) {
	if rec, ok := w.(*recorder); ok {
		rec.reason = reason
	}
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// recorder buffers the handler's answer so it can be dropped after handling.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	reason string
}

func (rec *recorder) Header() http.Header { return rec.header }
func (rec *recorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
}
func (rec *recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec.body.Write(p)
}

// Wrap returns h with the faults applied and every request logged.
func (f *Injector) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery}
		f.mu.Lock()
		down, delay := f.down, f.delay
		_, dropReq := take(f.dropReq, r)
		fail, failing := take(f.failNext, r)
		if extra, ok := take(f.delayNext, r); ok {
			delay += extra.delay
		}
		f.mu.Unlock()

		if delay > 0 {
			// The server notices a client that gave up only once the
			// request body was read to its end: read it before waiting.
			if err := bufferBody(r); err != nil {
				f.record(q)
				return
			}
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				f.record(q)
				return
			}
		}
		switch {
		case dropReq:
			// Logged before the hang-up: the client's next request
			// may arrive as soon as it sees the connection close.
			f.record(q)
			hangUp(w)
			return
		case down:
			w.WriteHeader(http.StatusServiceUnavailable)
			q.Status = http.StatusServiceUnavailable
			f.record(q)
			return
		case failing:
			for k, v := range fail.header {
				w.Header()[k] = v
			}
			w.WriteHeader(fail.status)
			q.Status = fail.status
			f.record(q)
			return
		}

		rec := &recorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		q.Handled, q.Reason = true, rec.reason
		f.mu.Lock()
		_, dropAns := take(f.dropAns, r)
		f.mu.Unlock()
		if dropAns {
			f.record(q)
			hangUp(w)
			return
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body.Bytes())
		q.Status = rec.status
		f.record(q)
		if q.Status >= 400 && f.onRefusal != nil {
			f.onRefusal(q)
		}
	})
}

// maxBuffered bounds the body bufferBody holds in memory; the rest, if
// any, stays on the connection for the handler (and its size limits).
const maxBuffered = 4 << 20

// bufferBody reads r's body (up to maxBuffered) into memory and puts it
// back, so that the handler reads the same bytes.
func bufferBody(r *http.Request) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBuffered))
	if err != nil {
		return err
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), r.Body), r.Body}
	return nil
}

// hangUp closes the client connection without an answer.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("fault: connection cannot be hijacked (HTTP/2?)")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic("fault: hijack: " + err.Error())
	}
	_ = conn.Close()
}
