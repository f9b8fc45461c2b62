package blikk

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

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

func do(t *testing.T, s *Server, method, path, auth, ctype, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
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

// docBasic is the document's token request header value.
const docBasic = "Basic bXlhcHBpZDpteWFwcHNlY3JldA=="

func token(t *testing.T, s *Server) string {
	t.Helper()
	a := do(t, s, "POST", "/v1/Auth/Token", docBasic, "", "")
	var tok struct{ ObjectName, AccessToken, Expires string }
	if err := json.Unmarshal([]byte(a.body), &tok); err != nil || a.status != 200 || tok.ObjectName != "auth.token" {
		t.Fatalf("token: %d %s: %v", a.status, a.body, err)
	}
	if _, err := time.Parse(stampLayout, tok.Expires); err != nil {
		t.Fatalf("expires %q: %v", tok.Expires, err)
	}
	return "Bearer " + tok.AccessToken
}

// docCreate is the document's create example.
const docCreate = `{ "date": "2021-11-10 00:00:00", "clockStart": "10:00", "clockEnd": "18:00", "hours": 7.75, "invoiceableHours": 9.0, "breakMinutes": 15, "comment": "Lorem ipsum dolar sit amet", "internalComment": "Lorem ipsum dolar sit amet", "userId": 1, "projectId": 1, "internalProjectId": null, "absenceProjectId": null, "activityId": 1, "timeCodeId": 1, "timeArticleId": 1, "taskId": null, "travelReport": { "place": "Piteå-Luleå-Piteå", "distance": 100.0, "invoiceableDistance": 120.0, "toSalary": true, "companyCar": { "id": 1, "tripStart": 15000.0, "tripEnd": 15100.0, "addressStart": "Blikkgatan 1", "addressGoal": "Blikkgatan 2", "addressEnd": "Blikkgatan 1" } }, "allowanceReport": { "allowanceTypeId": 1, "description": "Lorem ipsum dolar sit amet", "toBeInvoiced": true }, "materials": [ { "id": null, "articleId": 55, "articleNumber": "A12", "title": "Lorem ipsum", "unitPrice": 600.0, "invoiceableUnitPrice": 650.0, "units": 4.0, "invoiceableUnits": 5.0, "calculatedUnits": 4.0, "unitText": "st", "cost": 500.0, "discountInPercent": 0.0, "isTextOnly": false } ], "equipments": [ { "id": null, "hours": 4.5, "articleId": 10, "comment": "Lorem ipsum dolar sit amet" } ], "additions": [ { "id": null, "articleId": 14, "yesNo": null, "numberCount": 3.0 } ] }`

// minimal is a create body with only the required members and a project.
const minimal = `{"date": "2026-03-02", "clockStart": "07:30", "clockEnd": "16:00", "hours": 8, "invoiceableHours": 8, "breakMinutes": 30, "userId": 1, "projectId": 1, "activityId": 1, "timeCodeId": 1, "timeArticleId": 1}`

func TestToken_DocumentExample_AndBearerRequired(t *testing.T) {
	s := New(t, Options{RateLimit: -1})
	auth := token(t, s)
	if a := do(t, s, "GET", "/v1/Core/TimeReports?page=1", auth, "", ""); a.status != 200 {
		t.Fatalf("list with token: %d %s", a.status, a.body)
	}
	for name, h := range map[string]string{
		"none": "", "basic": docBasic, "lowercase scheme": strings.Replace(auth, "Bearer", "bearer", 1),
		"unknown token": "Bearer pk_0.pa_0",
	} {
		a := do(t, s, "GET", "/v1/Core/TimeReports?page=1", h, "", "")
		if a.status != 401 || !strings.Contains(a.body, `"Invalid token"`) {
			t.Errorf("%s: %d %s, want 401 Invalid token", name, a.status, a.body)
		}
	}
	for name, h := range map[string]string{
		"wrong secret": "Basic " + "bXlhcHBpZDp3cm9uZw==", "bearer": auth, "not base64": "Basic ***",
	} {
		if a := do(t, s, "POST", "/v1/Auth/Token", h, "", ""); a.status != 401 {
			t.Errorf("token with %s: %d, want 401", name, a.status)
		}
	}
	if a := do(t, s, "GET", "/v1/Auth/Token", docBasic, "", ""); a.status != 405 {
		t.Errorf("GET token: %d, want 405", a.status)
	}
	if a := do(t, s, "GET", "/v1/EndpointThatDoesNotExist", auth, "", ""); a.status != 404 || a.body != "" {
		t.Errorf("unknown endpoint: %d %q, want 404 empty", a.status, a.body)
	}
	if s.TokensIssued() != 1 {
		t.Errorf("TokensIssued = %d", s.TokensIssued())
	}
}

func TestToken_ExpiresOnInjectedClock(t *testing.T) {
	c := &clock{now: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
	s := New(t, Options{Now: c.Now, TokenTTL: 10 * time.Minute, RateLimit: -1})
	auth := token(t, s)
	c.Add(10*time.Minute - time.Second)
	if a := do(t, s, "GET", "/v1/Admin/Users?page=1", auth, "", ""); a.status != 200 {
		t.Fatalf("before expiry: %d", a.status)
	}
	c.Add(time.Second)
	if a := do(t, s, "GET", "/v1/Admin/Users?page=1", auth, "", ""); a.status != 401 {
		t.Fatalf("at expiry: %d, want 401", a.status)
	}
	auth = token(t, s)
	s.ExpireTokens()
	if a := do(t, s, "GET", "/v1/Admin/Users?page=1", auth, "", ""); a.status != 401 {
		t.Fatalf("after ExpireTokens: %d, want 401", a.status)
	}
}

func TestPlainHTTP_FailsAgainstTLSServer(t *testing.T) {
	s := New(t, Options{})
	if !strings.HasPrefix(s.URL(), "https://") || s.CertPool() == nil {
		t.Fatalf("URL %s: want https with a certificate", s.URL())
	}
	resp, err := http.Post("http"+strings.TrimPrefix(s.URL(), "https")+"/v1/Auth/Token", "", nil)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP call succeeded")
		}
	}
	p := New(t, Options{PlainHTTP: true})
	if !strings.HasPrefix(p.URL(), "http://") {
		t.Fatalf("PlainHTTP URL %s", p.URL())
	}
	token(t, p)
}

func TestCreate_DocumentExample_StoredAndReadBack(t *testing.T) {
	s := New(t, Options{RateLimit: -1, CreateAnswerDetail: true})
	auth := token(t, s)
	a := do(t, s, "POST", "/v1/Core/TimeReports", auth, "application/json", docCreate)
	if a.status != 200 {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	rs := s.TimeReports()
	if len(rs) != 1 {
		t.Fatalf("stored %d reports", len(rs))
	}
	r := rs[0]
	if r.Date != "2021-11-10" || r.ClockStart != "10:00" || r.ClockEnd != "18:00" || r.Hours != 7.75 || r.InvoiceableHours != 9 ||
		*r.BreakMinutes != 15 || r.UserID != 1 || *r.ProjectID != 1 || r.InternalProjectID != nil || r.TaskID != nil ||
		*r.Comment != "Lorem ipsum dolar sit amet" || r.TravelReport == nil || r.AllowanceReport == nil || r.Materials == nil {
		t.Fatalf("stored %+v", r)
	}
	var detail map[string]any
	if err := json.Unmarshal([]byte(a.body), &detail); err != nil || detail["objectName"] != "timereport.detail" || detail["id"] != float64(r.ID) {
		t.Fatalf("create answer %s: %v", a.body, err)
	}
	// The document's list example covers October: the November report is not in it.
	a = do(t, s, "GET", "/v1/Core/TimeReports?page=1&filter.from=2021-10-01&filter.to=2021-10-31&sortOrder=ascending", auth, "", "")
	if a.status != 200 || !strings.Contains(a.body, `"totalItemCount":0`) {
		t.Fatalf("October list: %d %s", a.status, a.body)
	}
	a = do(t, s, "GET", "/v1/Core/TimeReports?page=1&filter.from=2021-11-10&filter.to=2021-11-10%2023:59:59&filter.userIds=3,1", auth, "", "")
	var page struct {
		ObjectName                                            string
		Page, PageSize, ItemCount, TotalItemCount, TotalPages int
		Items                                                 []map[string]any
	}
	if err := json.Unmarshal([]byte(a.body), &page); err != nil || page.ItemCount != 1 || page.PageSize != 25 || page.TotalPages != 1 {
		t.Fatalf("November list: %d %s: %v", a.status, a.body, err)
	}
	it := page.Items[0]
	if it["objectName"] != "timereport.list" || it["date"] != "2021-11-10" || it["clockStart"] != "10:00" || it["hours"] != 7.75 {
		t.Fatalf("list item %v", it)
	}
	a = do(t, s, "GET", "/v1/Core/TimeReports/1", auth, "", "")
	if a.status != 200 || !strings.Contains(a.body, `"timereport.detail"`) {
		t.Fatalf("get: %d %s", a.status, a.body)
	}
}

func TestCreate_DefaultAnswerIsEmpty(t *testing.T) {
	s := New(t, Options{RateLimit: -1})
	a := do(t, s, "POST", "/v1/Core/TimeReports", token(t, s), "application/json", minimal)
	if a.status != 200 || a.body != "" {
		t.Fatalf("create: %d %q, want 200 and no body", a.status, a.body)
	}
}

func TestCreate_Violations_Refused400WithModelState(t *testing.T) {
	s := New(t, Options{RateLimit: -1})
	auth := token(t, s)
	edit := func(repl ...string) string { return strings.NewReplacer(repl...).Replace(minimal) }
	cases := map[string]struct{ body, field string }{
		"date with T":              {edit(`"2026-03-02"`, `"2026-03-02T00:00:00"`), "date"},
		"date with time of day":    {edit(`"2026-03-02"`, `"2026-03-02 07:30:00"`), "date"},
		"date with offset":         {edit(`"2026-03-02"`, `"2026-03-02 00:00:00 +01:00"`), "date"},
		"no date":                  {edit(`"date": "2026-03-02", `, ""), "date"},
		"clock without zero":       {edit(`"07:30"`, `"7:30"`), "clockStart"},
		"clock with seconds":       {edit(`"16:00"`, `"16:00:00"`), "clockEnd"},
		"clock 24:00":              {edit(`"16:00"`, `"24:00"`), "clockEnd"},
		"only clockStart":          {edit(`"clockEnd": "16:00", `, ""), "clockEnd"},
		"hours ignore break":       {edit(`"hours": 8,`, `"hours": 8.5,`), "hours"},
		"hours one minute off":     {edit(`"hours": 8,`, `"hours": 7.98,`), "hours"},
		"hours as string":          {edit(`"hours": 8,`, `"hours": "8",`), "hours"},
		"hours missing":            {edit(`"hours": 8, `, ""), "hours"},
		"invoiceableHours missing": {edit(`"invoiceableHours": 8, `, ""), "invoiceableHours"},
		"negative break":           {edit(`"breakMinutes": 30`, `"breakMinutes": -30`), "breakMinutes"},
		"unknown user":             {edit(`"userId": 1`, `"userId": 2`), "userId"},
		"user id fraction":         {edit(`"userId": 1`, `"userId": 1.5`), "userId"},
		"null activity":            {edit(`"activityId": 1`, `"activityId": null`), "activityId"},
		"unknown time code":        {edit(`"timeCodeId": 1`, `"timeCodeId": 9`), "timeCodeId"},
		"unknown task":             {edit(`"userId": 1`, `"userId": 1, "taskId": 4`), "taskId"},
		"no project":               {edit(`"projectId": 1, `, ""), "projectId"},
		"two projects":             {edit(`"projectId": 1`, `"projectId": 1, "absenceProjectId": 1`), "projectId"},
		"allowance without travel": {edit(`"userId": 1`, `"userId": 1, "allowanceReport": {"allowanceTypeId": 1}`), "allowanceReport"},
		"materials not array":      {edit(`"userId": 1`, `"userId": 1, "materials": {}`), "materials"},
		"unknown member":           {edit(`"userId": 1`, `"userId": 1, "userName": "John Doe"`), "body"},
	}
	for name, c := range cases {
		a := do(t, s, "POST", "/v1/Core/TimeReports", auth, "application/json", c.body)
		var e struct {
			Message    string
			ModelState map[string][]string
		}
		if err := json.Unmarshal([]byte(a.body), &e); a.status != 400 || err != nil || e.Message != msgInvalid || e.ModelState[c.field] == nil {
			t.Errorf("%s: %d %s, want 400 naming %s", name, a.status, a.body, c.field)
		}
	}
	if a := do(t, s, "POST", "/v1/Core/TimeReports", auth, "text/plain", minimal); a.status != 415 {
		t.Errorf("text/plain: %d, want 415", a.status)
	}
	if n := len(s.TimeReports()); n != 0 {
		t.Fatalf("refused creates stored %d reports", n)
	}
	// Crossing midnight: 22:00-06:00 less 30 minutes is 7.5 hours.
	night := edit(`"07:30"`, `"22:00"`, `"16:00"`, `"06:00"`, `"hours": 8,`, `"hours": 7.5,`)
	if a := do(t, s, "POST", "/v1/Core/TimeReports", auth, "application/json", night); a.status != 200 {
		t.Fatalf("night shift: %d %s", a.status, a.body)
	}
}

func TestRateLimit_FourPerSecondPerToken(t *testing.T) {
	c := &clock{now: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
	s := New(t, Options{Now: c.Now})
	auth, other := token(t, s), token(t, s)
	get := func(h string) answer { return do(t, s, "GET", "/v1/Admin/Users?page=1", h, "", "") }
	for i := 0; i < 4; i++ {
		if a := get(auth); a.status != 200 {
			t.Fatalf("request %d: %d", i+1, a.status)
		}
		c.Add(200 * time.Millisecond)
	}
	// 800 ms after the first request: a fifth in the same second is refused.
	a := get(auth)
	if a.status != 429 || a.header.Get("Retry-After") != "1" || a.body != `{"waitInSeconds":1}` {
		t.Fatalf("fifth request: %d Retry-After=%q %s", a.status, a.header.Get("Retry-After"), a.body)
	}
	if a := get(other); a.status != 200 {
		t.Fatalf("other token limited too: %d", a.status)
	}
	c.Add(200 * time.Millisecond) // the first request left the window
	if a := get(auth); a.status != 200 {
		t.Fatalf("after the window moved: %d", a.status)
	}
	if a := get(auth); a.status != 429 {
		t.Fatalf("window full again: %d", a.status)
	}
	if s.RateLimited() != 2 {
		t.Fatalf("RateLimited = %d, want 2", s.RateLimited())
	}
}

func TestList_ParameterViolations_Refused(t *testing.T) {
	s := New(t, Options{RateLimit: -1})
	auth := token(t, s)
	for _, q := range []string{
		"", "page=0", "page=x", "page=1&pageSize=101", "page=1&pageSize=0", "page=1&sortBy=name",
		"page=1&sortOrder=asc", "page=1&sortorder=descending", "page=1&filter.userIds=a,b",
		"page=1&filter.from=01.10.2021", "page=1&filter.isAttested=yes", "page=1&filter.projectType=x",
		"page=1&filter.query=x", "page=1&page=2",
	} {
		if a := do(t, s, "GET", "/v1/Core/TimeReports?"+q, auth, "", ""); a.status != 400 || !strings.Contains(a.body, "modelState") {
			t.Errorf("?%s: %d %s, want 400", q, a.status, a.body)
		}
	}
}

func TestList_PagesAndSorts(t *testing.T) {
	s := New(t, Options{RateLimit: -1})
	auth := token(t, s)
	for _, d := range []string{"2026-03-03", "2026-03-01", "2026-03-02"} {
		s.AddTimeReport(TimeReport{Date: d, Hours: 1, UserID: 1, ActivityID: 1, TimeCodeID: 1, TimeArticleID: 1})
	}
	a := do(t, s, "GET", "/v1/Core/TimeReports?page=2&pageSize=2&sortBy=date&sortOrder=descending", auth, "", "")
	var page struct {
		Page, ItemCount, TotalItemCount, TotalPages int
		Items                                       []struct{ Date string }
	}
	if err := json.Unmarshal([]byte(a.body), &page); err != nil || page.Page != 2 || page.ItemCount != 1 || page.TotalItemCount != 3 ||
		page.TotalPages != 2 || page.Items[0].Date != "2026-03-01" {
		t.Fatalf("page 2: %s %v", a.body, err)
	}
}

func TestOneReport_GetPutDelete(t *testing.T) {
	s := New(t, Options{RateLimit: -1})
	auth := token(t, s)
	id := s.AddTimeReport(TimeReport{Date: "2026-03-02", UserID: 1, ActivityID: 1, TimeCodeID: 1, TimeArticleID: 1})
	locked := s.AddTimeReport(TimeReport{Date: "2026-03-01", UserID: 1, Attested: time.Now()})
	path := "/v1/Core/TimeReports/"
	if a := do(t, s, "PUT", path+"1", auth, "application/json", strings.Replace(minimal, `"hours": 8,`, `"hours": 9,`, 1)); a.status != 400 {
		t.Fatalf("inconsistent PUT: %d", a.status)
	}
	if a := do(t, s, "PUT", path+"1", auth, "application/json", minimal); a.status != 200 {
		t.Fatalf("PUT: %d %s", a.status, a.body)
	}
	if r := s.TimeReports()[0]; r.ID != id || r.Hours != 8 || r.Updated.IsZero() {
		t.Fatalf("after PUT: %+v", r)
	}
	for _, c := range []struct {
		method, id string
		want       int
	}{
		{"DELETE", "99", 400}, {"GET", "99", 400}, {"DELETE", "x", 400},
		{"DELETE", itoa(locked), 400}, {"PATCH", "1", 405}, {"DELETE", "1", 200}, {"GET", "1", 400},
	} {
		if a := do(t, s, c.method, path+c.id, auth, "", ""); a.status != c.want {
			t.Errorf("%s %s: %d, want %d (%s)", c.method, c.id, a.status, c.want, a.body)
		}
	}
	if n := len(s.TimeReports()); n != 1 {
		t.Fatalf("%d reports left, want the attested one", n)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestRegistries_ListConfiguredItems(t *testing.T) {
	s := New(t, Options{RateLimit: -1, Users: []User{{2, "John", "Doe"}, {3, "Anna", "Berg"}}})
	auth := token(t, s)
	a := do(t, s, "GET", "/v1/Admin/Users?page=1&filter.query=ann&sortBy=name", auth, "", "")
	if a.status != 200 || !strings.Contains(a.body, `"firstName":"Anna"`) || strings.Contains(a.body, "John") {
		t.Fatalf("users: %d %s", a.status, a.body)
	}
	for _, p := range []string{"/v1/Admin/Activities", "/v1/Admin/TimeCodes", "/v1/Admin/TimeArticles", "/v1/Core/Projects",
		"/v1/Admin/InternalProjects", "/v1/Admin/AbsenceProjects"} {
		if a := do(t, s, "GET", p+"?page=1", auth, "", ""); a.status != 200 || !strings.Contains(a.body, `"totalItemCount":1`) {
			t.Errorf("%s: %d %s", p, a.status, a.body)
		}
		if a := do(t, s, "GET", p, auth, "", ""); a.status != 400 {
			t.Errorf("%s without page: %d", p, a.status)
		}
	}
}

func TestPermissions_Missing403(t *testing.T) {
	s := New(t, Options{RateLimit: -1, Permissions: []string{TimereportRead}})
	a := do(t, s, "POST", "/v1/Core/TimeReports", token(t, s), "application/json", minimal)
	if a.status != 403 || !strings.Contains(a.body, `"permissionsRequired":["Timereport_Write"]`) {
		t.Fatalf("create without write permission: %d %s", a.status, a.body)
	}
}

func TestFaults_DroppedAnswerStillStores(t *testing.T) {
	s := New(t, Options{RateLimit: -1})
	auth := token(t, s)
	s.DropAnswers(RouteCreate, 1)
	req, _ := http.NewRequest("POST", s.URL()+"/v1/Core/TimeReports", strings.NewReader(minimal))
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := s.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("dropped answer arrived")
	}
	if len(s.TimeReports()) != 1 {
		t.Fatal("report of the dropped answer not stored")
	}
	s.SetDown(true)
	if a := do(t, s, "GET", "/v1/Core/TimeReports?page=1", auth, "", ""); a.status != 503 {
		t.Fatalf("down: %d", a.status)
	}
}
