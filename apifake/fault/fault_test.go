package fault

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func serve(t *testing.T) (*Injector, *httptest.Server, *[]Request) {
	t.Helper()
	var refused []Request
	f := New(func(q Request) { refused = append(refused, q) })
	srv := httptest.NewServer(f.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bad" {
			Refuse(w, http.StatusBadRequest, "field x: bad", "text/plain", []byte("bad\n"))
			return
		}
		w.Header().Set("X-Handled", "yes")
		_, _ = io.WriteString(w, "ok "+r.Method)
	})))
	t.Cleanup(srv.Close)
	return f, srv, &refused
}

func call(t *testing.T, srv *httptest.Server, method, path string) (int, string, error) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, nil)
	resp, err := srv.Client().Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

func TestRoutes_MatchMethodPathAndPrefix(t *testing.T) {
	f, srv, _ := serve(t)
	f.FailNext("POST /a/*", 2, 502)
	f.FailNext("/exact", 1, 500)
	cases := []struct {
		method, path string
		want         int
	}{
		{"GET", "/a/1", 200},     // method differs
		{"POST", "/a/1", 502},    // prefix match, 1 of 2
		{"POST", "/b", 200},      // path differs
		{"GET", "/exact/x", 200}, // exact path only
		{"DELETE", "/exact", 500},
		{"DELETE", "/exact", 200}, // used up
		{"POST", "/a/2/3", 502},   // 2 of 2
		{"POST", "/a/1", 200},
	}
	for _, c := range cases {
		if status, _, err := call(t, srv, c.method, c.path); err != nil || status != c.want {
			t.Errorf("%s %s: %d %v, want %d", c.method, c.path, status, err, c.want)
		}
	}
}

func TestDrops_CountAndHandledFlag(t *testing.T) {
	f, srv, _ := serve(t)
	f.DropRequests("GET /r", 1)
	f.DropAnswers("GET /a", 1)
	if _, _, err := call(t, srv, "GET", "/r"); err == nil {
		t.Fatal("dropped request answered")
	}
	if _, _, err := call(t, srv, "GET", "/a"); err == nil {
		t.Fatal("dropped answer arrived")
	}
	if status, body, err := call(t, srv, "GET", "/a"); err != nil || status != 200 || body != "ok GET" {
		t.Fatalf("after the drop: %d %q %v", status, body, err)
	}
	log := f.Requests()
	if len(log) != 3 || log[0].Handled || log[0].Status != 0 || !log[1].Handled || log[1].Status != 0 || log[2].Status != 200 {
		t.Fatalf("log %+v", log)
	}
}

func TestDown_503WithoutHandling(t *testing.T) {
	f, srv, _ := serve(t)
	f.SetDown(true)
	if status, body, _ := call(t, srv, "GET", "/x"); status != 503 || strings.Contains(body, "ok") {
		t.Fatalf("down: %d %q", status, body)
	}
	f.SetDown(false)
	if status, _, _ := call(t, srv, "GET", "/x"); status != 200 {
		t.Fatalf("up: %d", status)
	}
	if q := f.Requests()[0]; q.Handled {
		t.Fatal("request handled while down")
	}
}

func TestRefusals_ReasonRecordedAndReported(t *testing.T) {
	f, srv, refused := serve(t)
	f.FailNext("/x", 1, 500)
	call(t, srv, "GET", "/x")
	if status, body, _ := call(t, srv, "GET", "/bad"); status != 400 || body != "bad\n" {
		t.Fatalf("refusal: %d %q", status, body)
	}
	rs := f.Refusals()
	if len(rs) != 1 || rs[0].Reason != "field x: bad" || rs[0].Path != "/bad" {
		t.Fatalf("Refusals %+v (injected failures are not refusals)", rs)
	}
	if len(*refused) != 1 || (*refused)[0].Reason != "field x: bad" {
		t.Fatalf("onRefusal got %+v", *refused)
	}
}

func TestFailNextHeader_AndDelayNext(t *testing.T) {
	f, srv, _ := serve(t)
	f.FailNextHeader("/x", 1, 429, http.Header{"Retry-After": {"7"}})
	resp, err := srv.Client().Get(srv.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" {
		t.Fatalf("got %d Retry-After=%q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	f.DelayNext("/slow", 1, time.Minute)
	c := &http.Client{Timeout: 50 * time.Millisecond}
	if _, err := c.Get(srv.URL + "/fast"); err != nil {
		t.Fatalf("undelayed path: %v", err)
	}
	if _, err := c.Get(srv.URL + "/slow"); err == nil {
		t.Fatal("delayed request answered within the client timeout")
	}
	if _, err := c.Get(srv.URL + "/slow"); err != nil {
		t.Fatalf("second request to /slow still delayed: %v", err)
	}
}

func TestDelayNext_ClientGivesUpOnAPost_NotHandled(t *testing.T) {
	f, srv, _ := serve(t)
	f.DelayNext("POST /slow", 1, time.Minute)
	c := &http.Client{Timeout: 100 * time.Millisecond}
	if _, err := c.Post(srv.URL+"/slow", "application/json", strings.NewReader(`{"a":1}`)); err == nil {
		t.Fatal("delayed POST answered within the client timeout")
	}
	// The wait ends when the client gives up, long before the minute,
	// and the handler never runs.
	deadline := time.Now().Add(5 * time.Second)
	for len(f.Requests()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the delayed POST was still waiting 5s after the client gave up")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if q := f.Requests()[0]; q.Handled || q.Status != 0 {
		t.Errorf("request %+v, want not handled and no status", q)
	}
	// The next POST is not delayed and its body reaches the handler.
	resp, err := c.Post(srv.URL+"/slow", "text/plain", strings.NewReader("body"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("status %d", resp.StatusCode)
	}
}
