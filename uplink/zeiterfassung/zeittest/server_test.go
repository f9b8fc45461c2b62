package zeittest_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"stampclock/uplink/zeiterfassung/zeittest"
)

const (
	admin = "admin@example.com"
	pass  = "s3cret-pass"
	maier = "maier@example.com"
	tt    = "56941eee-86a7-4a8d-8af1-f78b0a688f32"
	proj  = "693fe9a3-bb48-4763-bb20-5fd9fa4ffeb2"
)

func start(t *testing.T, mod func(*zeittest.Options)) (*zeittest.Server, string) {
	t.Helper()
	o := zeittest.Options{
		Email: admin, Password: pass, Users: []string{maier},
		TimeTypes: []zeittest.IDName{{ID: tt, Name: "Arbeitszeit"}},
		Projects:  []zeittest.IDName{{ID: proj, Name: "Demoprojekt"}},
	}
	if mod != nil {
		mod(&o)
	}
	s, ts := zeittest.Start(t, o)
	return s, ts.URL
}

// do sends a request and returns status and body.
func do(t *testing.T, method, url, ctype, body string, hdr ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func login(t *testing.T, url string) string {
	t.Helper()
	st, body := do(t, "POST", url+"/api/login", "application/json", `{"loginemail":"`+admin+`","apipassword":"`+pass+`"}`)
	if st != 200 {
		t.Fatalf("login: %d %s", st, body)
	}
	var tok string
	if err := json.Unmarshal([]byte(body), &tok); err != nil || strings.Count(tok, ".") != 2 {
		t.Fatalf("login answer %q is not a JSON string holding a JWT-like token", body)
	}
	return tok
}

func TestLogin(t *testing.T) {
	_, url := start(t, nil)
	for _, tc := range []struct {
		name, ctype, body string
		want              int
	}{
		{"ok", "application/json", `{"loginemail":"` + admin + `","apipassword":"` + pass + `"}`, 200},
		{"ok, email case", "application/json; charset=utf-8", `{"loginemail":"ADMIN@example.com","apipassword":"` + pass + `"}`, 200},
		{"wrong password", "application/json", `{"loginemail":"` + admin + `","apipassword":"nope"}`, 401},
		{"wrong email", "application/json", `{"loginemail":"x@example.com","apipassword":"` + pass + `"}`, 401},
		{"missing password", "application/json", `{"loginemail":"` + admin + `"}`, 400},
		{"unknown field", "application/json", `{"loginemail":"` + admin + `","apipassword":"` + pass + `","x":1}`, 400},
		{"not JSON content", "text/plain", `{"loginemail":"` + admin + `","apipassword":"` + pass + `"}`, 400},
		{"malformed", "application/json", `{"loginemail":`, 400},
		{"trailing data", "application/json", `{"loginemail":"` + admin + `","apipassword":"` + pass + `"} {}`, 400},
		{"number password", "application/json", `{"loginemail":"` + admin + `","apipassword":12345678}`, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if st, body := do(t, "POST", url+"/api/login", tc.ctype, tc.body); st != tc.want {
				t.Errorf("status %d (%s), want %d", st, body, tc.want)
			}
		})
	}
	if st, _ := do(t, "GET", url+"/api/login", "", ""); st != 405 {
		t.Errorf("GET /api/login: %d, want 405", st)
	}
}

func TestLoginRaw(t *testing.T) {
	_, url := start(t, func(o *zeittest.Options) { o.LoginStyle = zeittest.LoginRaw })
	st, body := do(t, "POST", url+"/api/login", "application/json", `{"loginemail":"`+admin+`","apipassword":"`+pass+`"}`)
	if st != 200 || strings.HasPrefix(body, `"`) || strings.Count(body, ".") != 2 {
		t.Fatalf("raw login: %d %q", st, body)
	}
	st, _ = do(t, "GET", url+"/api/hello/securedSayhello", "", "", "Authorization", "Bearer "+body)
	if st != 200 {
		t.Fatalf("raw token not accepted: %d", st)
	}
}

func TestAuth(t *testing.T) {
	s, url := start(t, nil)
	tok := login(t, url)
	for _, tc := range []struct {
		name, hdr string
		want      int
	}{
		{"valid", "Bearer " + tok, 200},
		{"scheme case-insensitive", "bearer " + tok, 200},
		{"missing", "", 401},
		{"no scheme", tok, 401},
		{"wrong scheme", "Basic " + tok, 401},
		{"unknown token", "Bearer a.b.c", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.hdr != "" {
				hdr = []string{"Authorization", tc.hdr}
			}
			for _, p := range []string{"/api/hello/securedSayhello", "/api/time-v2.1/users", "/api/time-v2.1/timetypes", "/api/time-v2.1/projects"} {
				if st, body := do(t, "GET", url+p, "", "", hdr...); st != tc.want {
					t.Errorf("%s: %d (%s), want %d", p, st, body, tc.want)
				}
			}
		})
	}
	if st, _ := do(t, "GET", url+"/api/hello/sayhello", "", ""); st != 200 {
		t.Errorf("sayhello without auth: %d", st)
	}
	s.ExpireTokens()
	if st, _ := do(t, "GET", url+"/api/time-v2.1/users", "", "", "Authorization", "Bearer "+tok); st != 401 {
		t.Errorf("expired token: %d, want 401", st)
	}
	tok = login(t, url)
	s.RejectAuth(1)
	if st, _ := do(t, "GET", url+"/api/time-v2.1/users", "", "", "Authorization", "Bearer "+tok); st != 401 {
		t.Errorf("RejectAuth: %d, want 401", st)
	}
	if st, _ := do(t, "GET", url+"/api/time-v2.1/users", "", "", "Authorization", "Bearer "+tok); st != 200 {
		t.Errorf("after RejectAuth(1): %d, want 200", st)
	}
	if got := s.Requests().Unauthorized; got < 10 {
		t.Errorf("Unauthorized = %d, want ≥ 10", got)
	}
}

func TestAuthCustomHeader(t *testing.T) {
	_, url := start(t, func(o *zeittest.Options) { o.AuthHeader = "X-Token"; o.AuthScheme = "none" })
	tok := login(t, url)
	if st, _ := do(t, "GET", url+"/api/time-v2.1/users", "", "", "X-Token", tok); st != 200 {
		t.Errorf("X-Token raw: %d, want 200", st)
	}
	if st, _ := do(t, "GET", url+"/api/time-v2.1/users", "", "", "Authorization", "Bearer "+tok); st != 401 {
		t.Errorf("Authorization header: %d, want 401", st)
	}
}

func entryJSON(start, end string, extra string) string {
	return `{"starttime":"` + start + `","endtime":"` + end + `","useremail":"` + maier + `","timetypeid":"` + tt + `"` + extra + `}`
}

func TestCreateValidation(t *testing.T) {
	s, url := start(t, nil)
	tok := login(t, url)
	const a, b = "2017-03-23T10:15:00", "2017-03-23T18:21:00"
	for _, tc := range []struct {
		name, ctype, body string
		want              int
		msg               string // part of the answer
	}{
		{"ok", "application/json", entryJSON(a, b, ""), 200, ""},
		{"ok with project and comment", "application/json", entryJSON(a, b, `,"projectid":"`+proj+`","comment":"Eine Testbemerkung!"`), 200, ""},
		{"ok zero length", "application/json", entryJSON(a, a, ""), 200, ""},
		{"end before start", "application/json", entryJSON(b, a, ""), 400, "endtime"},
		{"seconds", "application/json", entryJSON("2017-03-23T10:15:30", b, ""), 400, "format"},
		{"offset", "application/json", entryJSON("2017-03-23T10:15:00+01:00", b, ""), 400, "format"},
		{"no T", "application/json", entryJSON("2017-03-23 10:15:00", b, ""), 400, "format"},
		{"short", "application/json", entryJSON("2017-3-23T10:15:00", b, ""), 400, "format"},
		{"millis", "application/json", entryJSON(a, "2017-03-23T18:21:00.000", ""), 400, "format"},
		{"no real date", "application/json", entryJSON("2017-02-30T10:15:00", b, ""), 400, "valid"},
		{"hour 24", "application/json", entryJSON(a, "2017-03-23T24:00:00", ""), 400, "valid"},
		{"missing useremail", "application/json", `{"starttime":"` + a + `","endtime":"` + b + `","timetypeid":"` + tt + `"}`, 400, "useremail"},
		{"missing timetypeid", "application/json", `{"starttime":"` + a + `","endtime":"` + b + `","useremail":"` + maier + `"}`, 400, "timetypeid"},
		{"unknown field", "application/json", entryJSON(a, b, `,"note":"x"`), 400, "note"},
		{"null projectid", "application/json", entryJSON(a, b, `,"projectid":null`), 400, "projectid"},
		{"unknown user", "application/json", strings.Replace(entryJSON(a, b, ""), maier, "nobody@example.com", 1), 404, "unknown user"},
		{"unknown timetype", "application/json", strings.Replace(entryJSON(a, b, ""), tt, "x", 1), 400, "timetypeid"},
		{"unknown project", "application/json", entryJSON(a, b, `,"projectid":"x"`), 400, "projectid"},
		{"not JSON content", "text/plain", entryJSON(a, b, ""), 400, "Content-Type"},
		{"list", "application/json", `[` + entryJSON(a, b, "") + `]`, 400, "object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, body := do(t, "POST", url+"/api/time-v2.1/createtimeentry", tc.ctype, tc.body, "Authorization", "Bearer "+tok)
			if st != tc.want || !strings.Contains(body, tc.msg) {
				t.Errorf("status %d %s, want %d with %q", st, body, tc.want, tc.msg)
			}
			if st == 200 {
				var ids []string
				if err := json.Unmarshal([]byte(body), &ids); err != nil || len(ids) != 1 || ids[0] == "" {
					t.Errorf("answer %s is not a list of one id", body)
				}
			}
		})
	}
	if got := len(s.Entries()); got != 3 {
		t.Errorf("stored %d entries, want 3", got)
	}
	if st, _ := do(t, "GET", url+"/api/time-v2.1/createtimeentry", "", "", "Authorization", "Bearer "+tok); st != 405 {
		t.Errorf("GET createtimeentry: %d, want 405", st)
	}
	if st, _ := do(t, "POST", url+"/api/time-v2.1/createtimeentry", "application/json", entryJSON(a, b, "")); st != 401 {
		t.Errorf("create without token: %d, want 401", st)
	}
}

func TestTimeEntriesQuery(t *testing.T) {
	s, url := start(t, nil)
	tok := login(t, url)
	for _, e := range []zeittest.Entry{
		{StartTime: "2024-07-22T23:59:00", EndTime: "2024-07-23T01:00:00", UserEmail: maier, TimeTypeID: tt},
		{StartTime: "2024-07-23T00:00:00", EndTime: "2024-07-23T08:00:00", UserEmail: maier, TimeTypeID: tt},
		{StartTime: "2024-07-25T23:59:00", EndTime: "2024-07-26T01:00:00", UserEmail: "MAIER@example.com", TimeTypeID: tt, ProjectID: proj},
		{StartTime: "2024-07-26T00:00:00", EndTime: "2024-07-26T01:00:00", UserEmail: maier, TimeTypeID: tt},
		{StartTime: "2024-07-24T10:00:00", EndTime: "2024-07-24T11:00:00", UserEmail: admin, TimeTypeID: tt},
	} {
		s.AddEntry(e)
	}
	q := func(query string) (int, string) {
		return do(t, "GET", url+"/api/time-v2.1/timeentries?"+query, "", "", "Authorization", "Bearer "+tok)
	}
	st, body := q("useremail=" + maier + "&start=2024-07-23T00:00:00&end=2024-07-25T23:59:00")
	if st != 200 {
		t.Fatalf("query: %d %s", st, body)
	}
	var got []zeittest.Entry
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].StartTime != "2024-07-23T00:00:00" || got[1].ProjectID != proj || got[1].ID == "" {
		t.Errorf("query answer %s, want the entries starting 07-23T00:00 and 07-25T23:59", body)
	}
	for _, tc := range []struct{ name, query string }{
		{"missing end", "useremail=" + maier + "&start=2024-07-23T00:00:00"},
		{"missing user", "start=2024-07-23T00:00:00&end=2024-07-25T23:59:00"},
		{"bad format", "useremail=" + maier + "&start=2024-07-23&end=2024-07-25T23:59:00"},
		{"end before start", "useremail=" + maier + "&start=2024-07-25T00:00:00&end=2024-07-23T00:00:00"},
	} {
		if st, body := q(tc.query); st != 400 {
			t.Errorf("%s: %d %s, want 400", tc.name, st, body)
		}
	}
	if st, _ := q("useremail=x@example.com&start=2024-07-23T00:00:00&end=2024-07-25T23:59:00"); st != 404 {
		t.Errorf("unknown user: %d, want 404", st)
	}
	if st, body := q("useremail=" + admin + "&start=2030-01-01T00:00:00&end=2030-01-02T00:00:00"); st != 200 || strings.TrimSpace(body) != "[]" {
		t.Errorf("empty query: %d %q, want 200 []", st, body)
	}
}

func TestListsAndDelete(t *testing.T) {
	s, url := start(t, nil)
	tok := login(t, url)
	auth := []string{"Authorization", "Bearer " + tok}
	if st, body := do(t, "GET", url+"/api/time-v2.1/users", "", "", auth...); st != 200 || body != `[{"loginemail":"`+admin+`"},{"loginemail":"`+maier+`"}]` {
		t.Errorf("users: %d %s", st, body)
	}
	if st, body := do(t, "GET", url+"/api/time-v2.1/timetypes", "", "", auth...); st != 200 || body != `[{"id":"`+tt+`","name":"Arbeitszeit"}]` {
		t.Errorf("timetypes: %d %s", st, body)
	}
	if st, body := do(t, "GET", url+"/api/time-v2.1/projects/"+maier, "", "", auth...); st != 200 || !strings.Contains(body, proj) {
		t.Errorf("projects of user: %d %s", st, body)
	}
	if st, _ := do(t, "GET", url+"/api/time-v2.1/projects/x@example.com", "", "", auth...); st != 404 {
		t.Errorf("projects of unknown user: %d, want 404", st)
	}
	e := s.AddEntry(zeittest.Entry{StartTime: "2024-07-22T08:00:00", EndTime: "2024-07-22T09:00:00", UserEmail: maier, TimeTypeID: tt})
	if st, _ := do(t, "DELETE", url+"/api/time-v2.1/deletetimeentry/"+e.ID, "", "", auth...); st != 200 {
		t.Errorf("delete: %d", st)
	}
	if st, _ := do(t, "DELETE", url+"/api/time-v2.1/deletetimeentry/"+e.ID, "", "", auth...); st != 404 {
		t.Errorf("delete again: %d, want 404", st)
	}
	if n := len(s.Entries()); n != 0 {
		t.Errorf("%d entries left after delete", n)
	}
}

func TestDropAfterDelete_DeletesThenClosesWithoutAnswer(t *testing.T) {
	s, url := start(t, nil)
	auth := []string{"Authorization", "Bearer " + login(t, url)}
	e := s.AddEntry(zeittest.Entry{StartTime: "2024-07-22T08:00:00", EndTime: "2024-07-22T09:00:00", UserEmail: maier, TimeTypeID: tt})
	s.DropAfterDelete(1)
	req, _ := http.NewRequest("DELETE", url+"/api/time-v2.1/deletetimeentry/"+e.ID, nil)
	req.Header.Set(auth[0], auth[1])
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("answer %d, want a closed connection", resp.StatusCode)
	}
	if n := len(s.Entries()); n != 0 {
		t.Errorf("%d entries left, want the entry deleted", n)
	}
	if st := s.Requests(); st.Deletes != 1 || st.Deleted != 1 || st.Dropped != 1 {
		t.Errorf("stats %+v", st)
	}
	// Used up: an unknown id is 404 again, with an answer.
	if st, _ := do(t, "DELETE", url+"/api/time-v2.1/deletetimeentry/"+e.ID, "", "", auth...); st != 404 {
		t.Errorf("delete again: %d, want 404", st)
	}
}

func TestFaults(t *testing.T) {
	s, url := start(t, nil)
	tok := login(t, url)
	create := func() (int, string, http.Header, error) {
		req, _ := http.NewRequest("POST", url+"/api/time-v2.1/createtimeentry", strings.NewReader(entryJSON("2024-07-22T08:00:00", "2024-07-22T09:00:00", "")))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, "", nil, err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header, nil
	}

	s.FailCreates(1, zeittest.Fault{Status: 429, RetryAfter: "7"})
	s.FailCreates(1, zeittest.Fault{Status: 400, Message: "Zeitraum gesperrt"})
	if st, _, h, err := create(); err != nil || st != 429 || h.Get("Retry-After") != "7" {
		t.Errorf("fault 429: %d %v %v", st, h, err)
	}
	if st, body, _, err := create(); err != nil || st != 400 || !strings.Contains(body, "Zeitraum gesperrt") {
		t.Errorf("fault 400: %d %s %v", st, body, err)
	}
	if n := len(s.Entries()); n != 0 {
		t.Errorf("faults stored %d entries", n)
	}

	s.DropAfterStore(1)
	if _, _, _, err := create(); err == nil {
		t.Errorf("DropAfterStore: got an answer")
	}
	if n := len(s.Entries()); n != 1 {
		t.Errorf("DropAfterStore stored %d entries, want 1", n)
	}
	if st, _, _, err := create(); err != nil || st != 200 {
		t.Errorf("after drop: %d %v", st, err)
	}
	if d := s.Duplicates(); len(d) != 1 || d[0].StartTime != "2024-07-22T08:00:00" {
		t.Errorf("Duplicates = %v, want the second copy", d)
	}

	s.SetDown(zeittest.Down503)
	if st, _, _, _ := create(); st != 503 {
		t.Errorf("Down503: %d", st)
	}
	s.SetDown(zeittest.DownClose)
	if _, _, _, err := create(); err == nil {
		t.Errorf("DownClose: got an answer")
	}
	s.SetDown(zeittest.Up)
	s.SetDelay(150 * time.Millisecond)
	t0 := time.Now()
	if st, _, _, err := create(); err != nil || st != 200 || time.Since(t0) < 150*time.Millisecond {
		t.Errorf("delay: %d %v after %v", st, err, time.Since(t0))
	}
	s.SetDelay(0)

	st := s.Requests()
	if st.Stored != 3 || st.Dropped != 2 || st.Injected != 3 || st.Creates != 5 {
		t.Errorf("stats = %+v", st)
	}
}

func TestConcurrentCreates(t *testing.T) {
	s, url := start(t, nil)
	tok := login(t, url)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			body := entryJSON("2024-07-22T08:00:00", "2024-07-22T09:"+twoDigits(i)+":00", "")
			req, _ := http.NewRequest("POST", url+"/api/time-v2.1/createtimeentry", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				errs <- errors.New(resp.Status)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, d := len(s.Entries()), len(s.Duplicates()); n != 20 || d != 0 {
		t.Errorf("entries %d duplicates %d, want 20 and 0", n, d)
	}
}

func twoDigits(i int) string { return string([]byte{byte('0' + i/10), byte('0' + i%10)}) }

func TestHandlerWithoutStart(t *testing.T) {
	s := zeittest.New(zeittest.Options{})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/api/login", strings.NewReader(`{"loginemail":"`+zeittest.DefaultEmail+`","apipassword":"`+zeittest.DefaultPassword+`"}`)))
	if rec.Code != 400 { // no Content-Type
		t.Errorf("login without Content-Type: %d", rec.Code)
	}
	req := httptest.NewRequest("POST", "/api/login", strings.NewReader(`{"loginemail":"`+zeittest.DefaultEmail+`","apipassword":"`+zeittest.DefaultPassword+`"}`))
	req.Header.Set("Content-Type", "application/json")
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Errorf("login with defaults: %d %s", rec.Code, rec.Body)
	}
}

func TestFailNext_AuthenticatedRequestsOnly(t *testing.T) {
	s, url := start(t, nil)
	s.FailNext(1, zeittest.Fault{Status: 502, Message: "upstream down"})
	if st, _ := do(t, "GET", url+"/api/time-v2.1/timetypes", "", ""); st != 401 {
		t.Errorf("unauthenticated: %d, want 401 (the fault waits)", st)
	}
	tok := login(t, url)
	if st, body := do(t, "GET", url+"/api/time-v2.1/timetypes", "", "", "Authorization", "Bearer "+tok); st != 502 || !strings.Contains(body, "upstream down") {
		t.Errorf("FailNext: %d %s, want 502 with the message", st, body)
	}
	if st, body := do(t, "GET", url+"/api/time-v2.1/timetypes", "", "", "Authorization", "Bearer "+tok); st != 200 {
		t.Errorf("after the fault: %d %s, want 200", st, body)
	}
	if n := s.Requests().Injected; n != 1 {
		t.Errorf("Injected = %d, want 1", n)
	}
}
