package zeiterfassung

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type answer struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, s *Server, method, path, token, ctype, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

const docLogin = `{"loginemail": "admin@somedomain.com", "apipassword": "12345678"}`

// docEntry is the document's create example, with the comma it lacks.
const docEntry = `{"starttime": "2017-03-23T10:15:00", "endtime": "2017-03-23T18:21:00",
"useremail": "maier@somedomain.com", "timetypeid": "83be5360-6067-4a09-a970-1ff2413d7101",
"projectid": "2aeba501-ca09-41b2-a938-654d178914e4",
"comment": "Eine Testbemerkung!"}`

func login(t *testing.T, s *Server) string {
	t.Helper()
	a := do(t, s, "POST", "/api/login", "", "application/json", docLogin)
	if a.status != 200 {
		t.Fatalf("login: %d %s", a.status, a.body)
	}
	return a.body
}

func TestLogin_DocumentExample_GivesJWTThatOpensSecuredHello(t *testing.T) {
	s := New(t, Options{})
	tok := login(t, s)
	if parts := strings.Split(tok, "."); len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", tok)
	}
	if a := do(t, s, "GET", "/api/hello/securedSayhello", tok, "", ""); a.status != 200 {
		t.Fatalf("securedSayhello with token: %d %s", a.status, a.body)
	}
	if a := do(t, s, "GET", "/api/hello/securedSayhello", "", "", ""); a.status != 401 {
		t.Fatalf("securedSayhello without token: %d, want 401", a.status)
	}
	if a := do(t, s, "GET", "/api/hello/sayhello", "", "", ""); a.status != 200 || a.body != "Hallo" {
		t.Fatalf("sayhello: %d %q", a.status, a.body)
	}
	if s.Logins() != 1 {
		t.Fatalf("Logins = %d, want 1", s.Logins())
	}
}

func TestLogin_TokenJSON_AnswersJSONString(t *testing.T) {
	s := New(t, Options{LoginAnswer: TokenJSON})
	a := do(t, s, "POST", "/api/login", "", "application/json", docLogin)
	var tok string
	if err := json.Unmarshal([]byte(a.body), &tok); err != nil || a.header.Get("Content-Type") != "application/json" {
		t.Fatalf("answer %q (%s) is not a JSON string: %v", a.body, a.header.Get("Content-Type"), err)
	}
	if a := do(t, s, "GET", "/api/hello/securedSayhello", tok, "", ""); a.status != 200 {
		t.Fatalf("securedSayhello: %d", a.status)
	}
}

func TestLogin_Violations_Refused(t *testing.T) {
	s := New(t, Options{})
	cases := []struct {
		name, ctype, body string
		want              int
	}{
		{"wrong password", "application/json", `{"loginemail": "admin@somedomain.com", "apipassword": "x"}`, 401},
		{"other user", "application/json", `{"loginemail": "maier@somedomain.com", "apipassword": "12345678"}`, 401},
		{"form encoded", "application/x-www-form-urlencoded", "loginemail=admin%40somedomain.com&apipassword=12345678", 415},
		{"no content type", "", docLogin, 415},
		{"missing password", "application/json", `{"loginemail": "admin@somedomain.com"}`, 400},
		{"extra member", "application/json", `{"loginemail": "admin@somedomain.com", "apipassword": "12345678", "x": 1}`, 400},
		{"password as number", "application/json", `{"loginemail": "admin@somedomain.com", "apipassword": 12345678}`, 400},
		{"not json", "application/json", `loginemail=admin`, 400},
	}
	for _, c := range cases {
		if a := do(t, s, "POST", "/api/login", "", c.ctype, c.body); a.status != c.want {
			t.Errorf("%s: status %d, want %d (%s)", c.name, a.status, c.want, a.body)
		}
	}
	if a := do(t, s, "GET", "/api/login", "", "", ""); a.status != 405 || a.header.Get("Allow") != "POST" {
		t.Errorf("GET login: %d Allow=%q, want 405 POST", a.status, a.header.Get("Allow"))
	}
	if s.Logins() != 0 {
		t.Errorf("Logins = %d after only bad logins", s.Logins())
	}
}

func TestCreate_DocumentExample_StoredAndListed(t *testing.T) {
	s := New(t, Options{})
	tok := login(t, s)
	a := do(t, s, "POST", "/api/time-v2.1/createtimeentry", tok, "application/json", docEntry)
	if a.status != 200 {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	var ids []struct{ ID string }
	if err := json.Unmarshal([]byte(a.body), &ids); err != nil || len(ids) != 1 || ids[0].ID == "" {
		t.Fatalf("create answer %q: %v", a.body, err)
	}
	es := s.Entries()
	want := Entry{ID: ids[0].ID, StartTime: "2017-03-23T10:15:00", EndTime: "2017-03-23T18:21:00",
		UserEmail: "maier@somedomain.com", TimeTypeID: "83be5360-6067-4a09-a970-1ff2413d7101",
		ProjectID: "2aeba501-ca09-41b2-a938-654d178914e4", Comment: "Eine Testbemerkung!", HasComment: true}
	if len(es) != 1 {
		t.Fatalf("Entries = %+v", es)
	}
	es[0].Created = time.Time{}
	if es[0] != want {
		t.Fatalf("stored %+v\nwant %+v", es[0], want)
	}
	a = do(t, s, "GET", "/api/time-v2.1/timeentries?useremail=maier@somedomain.com&start=2017-03-23T10:15:00&end=2017-03-23T10:15:00", tok, "", "")
	var list []map[string]string
	if err := json.Unmarshal([]byte(a.body), &list); err != nil || len(list) != 1 {
		t.Fatalf("list %d %q: %v", a.status, a.body, err)
	}
	if list[0]["id"] != want.ID || list[0]["endtime"] != want.EndTime || list[0]["projectid"] != want.ProjectID || list[0]["comment"] != want.Comment {
		t.Fatalf("listed %v", list[0])
	}
	a = do(t, s, "GET", "/api/time-v2.1/timeentries?useremail=maier@somedomain.com&start=2017-03-23T10:16:00&end=2017-03-24T00:00:00", tok, "", "")
	if a.status != 200 || a.body != "[]" {
		t.Fatalf("list after start: %d %q, want []", a.status, a.body)
	}
}

func TestCreate_IDStrings_AnswersStringList(t *testing.T) {
	s := New(t, Options{CreateAnswer: IDStrings, CreateStatus: 201})
	a := do(t, s, "POST", "/api/time-v2.1/createtimeentry", login(t, s), "application/json", docEntry)
	var ids []string
	if err := json.Unmarshal([]byte(a.body), &ids); err != nil || a.status != 201 || len(ids) != 1 || ids[0] != s.Entries()[0].ID {
		t.Fatalf("create: %d %q: %v", a.status, a.body, err)
	}
}

func TestCreate_Violations_RefusedAndNotStored(t *testing.T) {
	s := New(t, Options{UserProjects: map[string][]string{"admin@somedomain.com": {"2aeba501-ca09-41b2-a938-654d178914e4"}}})
	tok := login(t, s)
	entry := func(repl ...string) string { return strings.NewReplacer(repl...).Replace(docEntry) }
	cases := []struct {
		name, token, ctype, body string
		want                     int
	}{
		{"no token", "", "application/json", docEntry, 401},
		{"foreign token", "abc.def.ghi", "application/json", docEntry, 401},
		{"text body", tok, "text/plain", docEntry, 415},
		{"seconds not 00", tok, "application/json", entry("10:15:00", "10:15:30"), 400},
		{"offset", tok, "application/json", entry("T10:15:00", "T10:15:00+01:00"), 400},
		{"space instead of T", tok, "application/json", entry("2017-03-23T10:15:00", "2017-03-23 10:15:00"), 400},
		{"no such day", tok, "application/json", entry("2017-03-23T18:21", "2017-02-30T18:21"), 400},
		{"end before start", tok, "application/json", entry("18:21:00", "09:00:00"), 400},
		{"zero length", tok, "application/json", entry("18:21:00", "10:15:00"), 400},
		{"unknown user", tok, "application/json", entry("maier@", "huber@"), 400},
		{"unknown time type", tok, "application/json", entry("83be5360", "00be5360"), 400},
		{"unknown project", tok, "application/json", entry("2aeba501", "00aeba501"), 400},
		{"project not the user's", tok, "application/json", docEntry, 400},
		{"null project", tok, "application/json", entry(`"2aeba501-ca09-41b2-a938-654d178914e4"`, "null", "maier@", "admin@"), 400},
		{"empty project", tok, "application/json", entry(`2aeba501-ca09-41b2-a938-654d178914e4`, "", "maier@", "admin@"), 400},
		{"missing timetypeid", tok, "application/json", `{"starttime": "2017-03-23T10:15:00", "endtime": "2017-03-23T18:21:00", "useremail": "admin@somedomain.com"}`, 400},
		{"unknown member", tok, "application/json", entry(`"comment"`, `"note"`, "maier@", "admin@"), 400},
		{"array body", tok, "application/json", "[" + entry("maier@", "admin@") + "]", 400},
	}
	for _, c := range cases {
		if a := do(t, s, "POST", "/api/time-v2.1/createtimeentry", c.token, c.ctype, c.body); a.status != c.want {
			t.Errorf("%s: status %d, want %d (%s)", c.name, a.status, c.want, a.body)
		}
	}
	if es := s.Entries(); len(es) != 0 {
		t.Fatalf("refused requests stored %+v", es)
	}
	if n := len(s.Refusals()); n != len(cases) {
		t.Fatalf("Refusals lists %d, want %d", n, len(cases))
	}
	// The same entry for a user who may book on the project is accepted,
	// without projectid and comment too.
	if a := do(t, s, "POST", "/api/time-v2.1/createtimeentry", tok, "application/json; charset=utf-8", entry("maier@", "admin@")); a.status != 200 {
		t.Fatalf("valid entry: %d %s", a.status, a.body)
	}
	bare := `{"starttime": "2017-03-24T08:00:00", "endtime": "2017-03-24T12:00:00", "useremail": "maier@somedomain.com", "timetypeid": "83be5360-6067-4a09-a970-1ff2413d7101"}`
	if a := do(t, s, "POST", "/api/time-v2.1/createtimeentry", tok, "application/json", bare); a.status != 200 {
		t.Fatalf("entry without project: %d %s", a.status, a.body)
	}
	if es := s.Entries(); len(es) != 2 || es[1].ProjectID != "" || es[1].HasComment {
		t.Fatalf("Entries = %+v", es)
	}
}

func TestList_ParameterViolations_Refused(t *testing.T) {
	s := New(t, Options{})
	tok := login(t, s)
	for _, q := range []string{
		"",
		"useremail=maier@somedomain.com&start=2024-07-23T00:00:00",
		"useremail=maier@somedomain.com&start=2024-07-23&end=2024-07-25",
		"useremail=maier@somedomain.com&start=2024-07-25T00:00:00&end=2024-07-23T23:59:00",
		"useremail=nobody@somedomain.com&start=2024-07-23T00:00:00&end=2024-07-25T23:59:00",
		"useremail=maier@somedomain.com&start=2024-07-23T00:00:00&end=2024-07-25T23:59:00&limit=5",
	} {
		if a := do(t, s, "GET", "/api/time-v2.1/timeentries?"+q, tok, "", ""); a.status != 400 {
			t.Errorf("?%s: %d, want 400", q, a.status)
		}
	}
	// The document's three-day example.
	a := do(t, s, "GET", "/api/time-v2.1/timeentries?useremail=maier@somedomain.com&start=2024-07-23T00:00:00&end=2024-07-25T23:59:00", tok, "", "")
	if a.status != 200 || a.body != "[]" {
		t.Fatalf("document example: %d %q", a.status, a.body)
	}
}

func TestLookups_AnswerConfiguredData(t *testing.T) {
	s := New(t, Options{
		Projects:     []Named{{ID: "p1", Name: "Eins"}, {ID: "p2", Name: "Zwei"}},
		UserProjects: map[string][]string{"maier@somedomain.com": {"p2"}},
	})
	tok := login(t, s)
	for path, want := range map[string]string{
		"/api/time-v2.1/timetypes":                     `[{"id":"83be5360-6067-4a09-a970-1ff2413d7101","name":"Arbeitszeit"}]`,
		"/api/time-v2.1/users":                         `[{"loginemail":"admin@somedomain.com"},{"loginemail":"maier@somedomain.com"}]`,
		"/api/time-v2.1/projects":                      `[{"id":"p1","name":"Eins"},{"id":"p2","name":"Zwei"}]`,
		"/api/time-v2.1/projects/maier@somedomain.com": `[{"id":"p2","name":"Zwei"}]`,
		"/api/time-v2.1/projects/admin@somedomain.com": `[]`,
	} {
		if a := do(t, s, "GET", path, tok, "", ""); a.status != 200 || a.body != want {
			t.Errorf("%s: %d %s, want %s", path, a.status, a.body, want)
		}
	}
	for path, want := range map[string]int{
		"/api/time-v2.1/projects/huber@somedomain.com": 404,
		"/api/time-v2.1/timecategories":                404,
		"/api/time/timetypes":                          404,
		"/api/time-v2.1/users/":                        404,
	} {
		if a := do(t, s, "GET", path, tok, "", ""); a.status != want {
			t.Errorf("%s: %d, want %d", path, a.status, want)
		}
	}
	if a := do(t, s, "GET", "/api/time-v2.1/users", "", "", ""); a.status != 401 {
		t.Errorf("users without token: %d", a.status)
	}
}

func TestDelete_RemovesEntry_UnknownIs404(t *testing.T) {
	s := New(t, Options{})
	tok := login(t, s)
	id := s.AddEntry(Entry{StartTime: "2024-07-23T08:00:00", EndTime: "2024-07-23T12:00:00", UserEmail: "maier@somedomain.com", TimeTypeID: "x"})
	if a := do(t, s, "POST", "/api/time-v2.1/deletetimeentry/"+id, tok, "", ""); a.status != 405 {
		t.Fatalf("POST delete: %d", a.status)
	}
	if a := do(t, s, "DELETE", "/api/time-v2.1/deletetimeentry/"+id, tok, "", ""); a.status != 200 || a.body != "" {
		t.Fatalf("delete: %d %q", a.status, a.body)
	}
	if len(s.Entries()) != 0 {
		t.Fatal("entry not deleted")
	}
	if a := do(t, s, "DELETE", "/api/time-v2.1/deletetimeentry/"+id, tok, "", ""); a.status != 404 {
		t.Fatalf("second delete: %d", a.status)
	}
}

func TestToken_ExpiresOnInjectedClock(t *testing.T) {
	c := &clock{now: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	s := New(t, Options{Now: c.Now, TokenTTL: time.Hour})
	tok := login(t, s)
	c.Add(59 * time.Minute)
	if a := do(t, s, "GET", "/api/hello/securedSayhello", tok, "", ""); a.status != 200 {
		t.Fatalf("before expiry: %d", a.status)
	}
	c.Add(time.Minute)
	if a := do(t, s, "GET", "/api/hello/securedSayhello", tok, "", ""); a.status != 401 {
		t.Fatalf("at expiry: %d, want 401", a.status)
	}
	tok = login(t, s)
	s.ExpireTokens()
	if a := do(t, s, "GET", "/api/hello/securedSayhello", tok, "", ""); a.status != 401 {
		t.Fatalf("after ExpireTokens: %d, want 401", a.status)
	}
}

func TestAuthHeader_Configurable(t *testing.T) {
	s := New(t, Options{AuthHeader: "X-Auth-Token", NoAuthScheme: true})
	tok := login(t, s)
	if a := do(t, s, "GET", "/api/hello/securedSayhello", tok, "", ""); a.status != 401 {
		t.Fatalf("Authorization: Bearer accepted though X-Auth-Token is configured: %d", a.status)
	}
	req, _ := http.NewRequest("GET", s.URL()+"/api/hello/securedSayhello", nil)
	req.Header.Set("X-Auth-Token", tok)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("X-Auth-Token: %d", resp.StatusCode)
	}
}

func TestFaults_DownDropAndDelay(t *testing.T) {
	s := New(t, Options{})
	tok := login(t, s)
	post := func() (*http.Response, error) {
		req, _ := http.NewRequest("POST", s.URL()+"/api/time-v2.1/createtimeentry", strings.NewReader(docEntry))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		return s.Client().Do(req)
	}

	s.SetDown(true)
	if resp, err := post(); err != nil || resp.StatusCode != 503 {
		t.Fatalf("down: %v %v", resp, err)
	}
	s.SetDown(false)
	if len(s.Entries()) != 0 {
		t.Fatal("stored while down")
	}

	s.DropRequests(RouteCreate, 1)
	if _, err := post(); err == nil {
		t.Fatal("dropped request answered")
	}
	if len(s.Entries()) != 0 {
		t.Fatal("dropped request stored")
	}

	s.DropAnswers(RouteCreate, 1)
	if _, err := post(); err == nil {
		t.Fatal("dropped answer arrived")
	}
	if len(s.Entries()) != 1 {
		t.Fatalf("answer-dropped request not stored: %d entries", len(s.Entries()))
	}

	s.FailNext(RouteCreate, 1, 500)
	if resp, err := post(); err != nil || resp.StatusCode != 500 {
		t.Fatalf("FailNext: %v %v", resp, err)
	}
	if len(s.Entries()) != 1 {
		t.Fatal("FailNext request stored")
	}

	s.SetDelay(time.Minute)
	c := &http.Client{Timeout: 50 * time.Millisecond}
	req, _ := http.NewRequest("GET", s.URL()+"/api/hello/sayhello", nil)
	if _, err := c.Do(req); err == nil {
		t.Fatal("delayed answer arrived within the client timeout")
	}
	s.SetDelay(0)
	if resp, err := post(); err != nil || resp.StatusCode != 200 {
		t.Fatalf("after faults: %v %v", resp, err)
	}
	if len(s.Entries()) != 2 {
		t.Fatalf("%d entries, want 2", len(s.Entries()))
	}
	var handled, dropped int
	for _, q := range s.Requests() {
		if q.Path == "/api/time-v2.1/createtimeentry" && q.Handled {
			handled++
		}
		if q.Status == 0 {
			dropped++
		}
	}
	if handled != 2 || dropped < 2 {
		t.Fatalf("request log: handled %d creates, %d dropped; log %+v", handled, dropped, s.Requests())
	}
}

func TestDocumentLiteralAnswers(t *testing.T) {
	s := New(t, Options{CreateAnswer: IDLiteral, UsersLiteral: true})
	tok := login(t, s)
	a := do(t, s, "POST", "/api/time-v2.1/createtimeentry", tok, "application/json", docEntry)
	if want := `[{"` + s.Entries()[0].ID + `"}]`; a.status != 200 || a.body != want {
		t.Fatalf("create: %d %s, want %s", a.status, a.body, want)
	}
	a = do(t, s, "GET", "/api/time-v2.1/users", tok, "", "")
	if want := `[{"admin@somedomain.com"}, {"maier@somedomain.com"}]`; a.body != want {
		t.Fatalf("users: %s, want %s", a.body, want)
	}
}
