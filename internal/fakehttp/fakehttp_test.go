package fakehttp

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestQueue_TakesInOrderThenNil(t *testing.T) {
	var q Queue[int]
	q.Add(2, 7)
	q.Add(1, 9)
	for _, want := range []int{7, 7, 9} {
		got := q.Take()
		if got == nil || *got != want {
			t.Fatalf("Take = %v, want %d", got, want)
		}
	}
	if got := q.Take(); got != nil {
		t.Fatalf("Take on an empty queue = %d, want nil", *got)
	}
}

func TestFront_CountsRequestsRejectionsAndDownAnswers(t *testing.T) {
	var (
		mu     sync.Mutex
		faults Faults
		counts Counts
	)
	var status atomic.Int64 // the mux's answer
	mux := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(int(status.Load())) })
	front := Front{
		Faults: &faults, Mu: &mu,
		Counts:      &counts,
		NotRejected: []int{http.StatusTooManyRequests},
		Unavailable: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) },
		Name:        "fronttest",
		Log:         slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	ts := Serve(t, front.Handler(mux))
	// No kept-alive connections: the client would resend a GET whose
	// reused connection closed without an answer, counting it twice.
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	get := func() (int, error) {
		resp, err := hc.Get(ts.URL)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	for _, st := range []int{http.StatusOK, http.StatusUnprocessableEntity, http.StatusUnauthorized, http.StatusTooManyRequests} {
		status.Store(int64(st))
		if got, err := get(); err != nil || got != st {
			t.Fatalf("GET = %d, %v; want %d", got, err, st)
		}
	}
	faults.SetDown(Down503)
	if got, err := get(); err != nil || got != http.StatusServiceUnavailable {
		t.Fatalf("GET on a Down503 server = %d, %v; want 503", got, err)
	}
	faults.SetDown(DownClose)
	if _, err := get(); err == nil {
		t.Fatal("GET on a DownClose server got an answer, want none")
	}
	mu.Lock()
	defer mu.Unlock()
	if c := counts; c.Requests != 6 || c.Rejected != 1 || c.Injected != 1 || c.Dropped != 1 {
		t.Errorf("requests %d rejected %d injected %d dropped %d, want 6 1 1 1", c.Requests, c.Rejected, c.Injected, c.Dropped)
	}
}

func TestRepeats_EachCopyAfterTheFirst(t *testing.T) {
	got := Repeats([]string{"a", "b", "A", "c", "a", "B"}, strings.ToLower)
	if !slices.Equal(got, []string{"A", "a", "B"}) {
		t.Errorf("Repeats = %q, want [A a B]", got)
	}
	if got := Repeats([]string{"a", "b"}, strings.ToLower); got != nil {
		t.Errorf("Repeats without copies = %q, want nil", got)
	}
}

func TestDown_ServeByMode(t *testing.T) {
	var d Down
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.Serve(w, r, func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) }) != Up {
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer ts.Close()
	get := func() (int, error) {
		resp, err := http.Get(ts.URL)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if got, err := get(); err != nil || got != http.StatusNoContent {
		t.Fatalf("zero Down: %d, %v; want 204 (up)", got, err)
	}
	d.SetDown(Down503)
	if got, err := get(); err != nil || got != http.StatusServiceUnavailable || d.DownMode() != Down503 {
		t.Fatalf("Down503: %d, %v; want 503", got, err)
	}
	d.SetDown(DownClose)
	if got, err := get(); err == nil {
		t.Fatalf("DownClose: answered %d; want the connection closed", got)
	}
	d.SetDown(Up)
	if got, err := get(); err != nil || got != http.StatusNoContent {
		t.Fatalf("Up again: %d, %v; want 204", got, err)
	}
}

func TestFault_WriteBodyOrErrorAnswer(t *testing.T) {
	errorAnswer := func(w http.ResponseWriter, status int, msg string) {
		WriteJSON(w, status, "application/json", map[string]string{"message": msg})
	}
	for _, c := range []struct {
		name     string
		f        Fault
		ctype    string
		body     string
		retryHdr string
	}{
		{"status only", Fault{Status: 500}, "application/json", `{"message":"Internal Server Error"}`, ""},
		{"message", Fault{Status: 400, Message: "locked"}, "application/json", `{"message":"locked"}`, ""},
		{"body replaces the answer", Fault{Status: 429, RetryAfter: "3", Message: "ignored", Body: `{"wait":3}`}, "application/x-test", `{"wait":3}`, "3"},
	} {
		rec := httptest.NewRecorder()
		c.f.Write(rec, "application/x-test", errorAnswer)
		if rec.Code != c.f.Status || rec.Body.String() != c.body || rec.Header().Get("Content-Type") != c.ctype || rec.Header().Get("Retry-After") != c.retryHdr {
			t.Errorf("%s: %d %q %q Retry-After %q, want %d %q %q %q", c.name, rec.Code, rec.Body, rec.Header().Get("Content-Type"), rec.Header().Get("Retry-After"), c.f.Status, c.body, c.ctype, c.retryHdr)
		}
	}
}

func TestFailures_FailNextInOrderThenNil(t *testing.T) {
	var fs Failures
	fs.FailNext(2, Fault{Status: 500})
	fs.FailNext(1, Fault{Status: 429})
	for _, want := range []int{500, 500, 429} {
		if f := fs.TakeNext(); f == nil || f.Status != want {
			t.Fatalf("TakeNext = %v, want status %d", f, want)
		}
	}
	if f := fs.TakeNext(); f != nil {
		t.Fatalf("TakeNext on an empty queue = %v, want nil", f)
	}
}

func TestCounts_CountDownAndIsRejection(t *testing.T) {
	var c Counts
	c.CountDown(Up)
	c.CountDown(DownClose)
	c.CountDown(Down503)
	c.CountDown(Down503)
	if c != (Counts{Injected: 2, Dropped: 1}) {
		t.Errorf("counts %+v, want Injected 2 Dropped 1", c)
	}
	for _, tc := range []struct {
		status     int
		exceptions []int
		want       bool
	}{
		{200, nil, false}, {400, nil, true}, {401, nil, false}, {404, nil, true},
		{429, nil, true}, {429, []int{429}, false}, {500, nil, false},
	} {
		if got := IsRejection(tc.status, tc.exceptions...); got != tc.want {
			t.Errorf("IsRejection(%d, %v) = %v, want %v", tc.status, tc.exceptions, got, tc.want)
		}
	}
}
