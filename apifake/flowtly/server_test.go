package flowtly

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

type answer struct {
	status int
	header http.Header
	body   string
}

const bearer = "Bearer flowtly-test-token"

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

// docPayload is the document's example request payload.
const docPayload = `{
    "employee": "/api/employees/emp_102",
    "project": "/api/projects/aurora",
    "date": "2024-07-04T00:00:00+00:00",
    "seconds": 27000,
    "description": "Budget review for Aurora project"
}`

func fixedClock() time.Time { return time.Date(2024, 7, 4, 18, 5, 0, 0, time.UTC) }

func TestCreate_DocumentExample_AnswersDocumentedPayload(t *testing.T) {
	s := New(t, Options{Now: fixedClock, FirstID: 9001})
	a := do(t, s, "POST", "/employee_working_hours", bearer, "application/json", docPayload)
	if a.status != 201 {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	var got, want map[string]any
	docAnswer := `{"@id": "/api/employee_working_hours/wkt_9001", "@type": "WorkTime", "id": 9001,
		"employee": "/api/employees/emp_102", "project": "/api/projects/aurora", "date": "2024-07-04T00:00:00+00:00",
		"seconds": 27000, "description": "Budget review for Aurora project", "createdAt": "2024-07-04T18:05:00+00:00",
		"updatedAt": "2024-07-04T18:05:00+00:00", "deleted": false}`
	_ = json.Unmarshal([]byte(docAnswer), &want)
	if err := json.Unmarshal([]byte(a.body), &got); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Fatalf("answer\n%s\nwant the document's\n%s", gb, wb)
	}
	ws := s.WorkTimes()
	if len(ws) != 1 || ws[0].Seconds != 27000 || ws[0].Employee != "/api/employees/emp_102" || *ws[0].Description != "Budget review for Aurora project" ||
		ws[0].Collection != PathWorkingHours {
		t.Fatalf("stored %+v", ws)
	}
}

func TestCreate_Violations_Refused(t *testing.T) {
	s := New(t, Options{})
	edit := func(repl ...string) string { return strings.NewReplacer(repl...).Replace(docPayload) }
	cases := []struct {
		name, auth, ctype, body string
		want                    int
	}{
		{"no token", "", "application/json", docPayload, 401},
		{"wrong token", "Bearer other", "application/json", docPayload, 401},
		{"form body", bearer, "application/x-www-form-urlencoded", "seconds=1", 415},
		{"employee id not IRI", bearer, "application/json", edit(`"/api/employees/emp_102"`, `"emp_102"`), 400},
		{"unknown employee", bearer, "application/json", edit(`emp_102`, `emp_1`), 400},
		{"project without /api", bearer, "application/json", edit(`"/api/projects/aurora"`, `"/projects/aurora"`), 400},
		{"unknown project", bearer, "application/json", edit(`aurora"`, `borealis"`), 400},
		{"date only", bearer, "application/json", edit(`"2024-07-04T00:00:00+00:00"`, `"2024-07-04"`), 400},
		{"date without offset", bearer, "application/json", edit(`+00:00"`, `"`), 400},
		{"date with fraction", bearer, "application/json", edit(`00+00:00"`, `00.5+00:00"`), 400},
		{"seconds as string", bearer, "application/json", edit(`27000`, `"27000"`), 400},
		{"seconds fraction", bearer, "application/json", edit(`27000`, `27000.5`), 400},
		{"seconds zero", bearer, "application/json", edit(`27000`, `0`), 422},
		{"seconds over a day", bearer, "application/json", edit(`27000`, `86401`), 422},
		{"no project", bearer, "application/json", edit(`"project": "/api/projects/aurora",`, ``), 422},
		{"null seconds", bearer, "application/json", edit(`27000`, `null`), 422},
		{"read-only id", bearer, "application/json", edit(`"seconds"`, `"id": 5, "seconds"`), 400},
		{"unknown member", bearer, "application/json", edit(`"seconds"`, `"hours": 7.5, "seconds"`), 400},
	}
	for _, c := range cases {
		if a := do(t, s, "POST", "/employee_working_hours", c.auth, c.ctype, c.body); a.status != c.want {
			t.Errorf("%s: %d, want %d (%s)", c.name, a.status, c.want, a.body)
		}
	}
	if n := len(s.WorkTimes()); n != 0 {
		t.Fatalf("refused creates stored %d", n)
	}
	// Accepted: ld+json, Z offset, null description, the other collections.
	for path, body := range map[string]string{
		"/employee_working_hours": edit(`+00:00"`, `Z"`),
		"/employee-working-hours": edit(`"Budget review for Aurora project"`, `null`),
		"/work-times": edit(`"description": "Budget review for Aurora project"`, `"seconds2": 1`)[:0] + edit(`,
    "description": "Budget review for Aurora project"`, ``),
	} {
		if a := do(t, s, "POST", path, bearer, "application/ld+json", body); a.status != 201 {
			t.Errorf("%s: %d %s", path, a.status, a.body)
		}
	}
	if n := len(s.WorkTimes()); n != 3 {
		t.Fatalf("%d stored, want 3", n)
	}
}

func TestList_FiltersAndHydra(t *testing.T) {
	s := New(t, Options{Employees: []Employee{{ID: "1"}, {ID: "2"}}, PageSize: 2})
	for i, d := range []string{"2024-07-01T08:00:00+02:00", "2024-07-02T08:00:00+02:00", "2024-07-03T08:00:00+02:00"} {
		emp := "/api/employees/1"
		if i == 2 {
			emp = "/api/employees/2"
		}
		s.AddWorkTime(WorkTime{Employee: emp, Project: "/api/projects/aurora", Date: d, Seconds: 3600})
	}
	type coll struct {
		Type   string           `json:"@type"`
		Total  int              `json:"hydra:totalItems"`
		Member []map[string]any `json:"hydra:member"`
	}
	get := func(q string) coll {
		t.Helper()
		a := do(t, s, "GET", "/employee_working_hours"+q, bearer, "", "")
		var c coll
		if err := json.Unmarshal([]byte(a.body), &c); err != nil || a.status != 200 {
			t.Fatalf("list %s: %d %s", q, a.status, a.body)
		}
		return c
	}
	if c := get(""); c.Type != "hydra:Collection" || c.Total != 3 || len(c.Member) != 2 {
		t.Fatalf("page 1: %+v", c)
	}
	if c := get("?page=2"); len(c.Member) != 1 {
		t.Fatalf("page 2: %+v", c)
	}
	if c := get("?employee=/api/employees/1&date[after]=2024-07-02"); c.Total != 1 || c.Member[0]["id"] != float64(2) {
		t.Fatalf("employee 1 from 2 July: %+v", c)
	}
	if c := get("?date[strictly_before]=2024-07-02T06:00:00%2B00:00"); c.Total != 1 {
		t.Fatalf("strictly before: %+v", c)
	}
	for _, q := range []string{"?employee=1", "?from=2024-07-01", "?date[after]=yesterday", "?page=0", "?page=1&page=2"} {
		if a := do(t, s, "GET", "/employee_working_hours"+q, bearer, "", ""); a.status != 400 {
			t.Errorf("%s: %d, want 400", q, a.status)
		}
	}
	p := New(t, Options{ListFormat: PlainArray})
	if a := do(t, p, "GET", "/work-times", bearer, "", ""); a.status != 200 || a.body != "[]" {
		t.Fatalf("plain list: %d %s", a.status, a.body)
	}
}

func TestItem_GetPatchDelete(t *testing.T) {
	s := New(t, Options{})
	id := s.AddWorkTime(WorkTime{Employee: "/api/employees/emp_102", Project: "/api/projects/aurora", Date: "2024-07-04T00:00:00+00:00", Seconds: 100})
	path := "/employee_working_hours/" + itoa(id)
	if a := do(t, s, "GET", path, bearer, "", ""); a.status != 200 || !strings.Contains(a.body, `"seconds":100`) {
		t.Fatalf("get: %d %s", a.status, a.body)
	}
	if a := do(t, s, "PATCH", path, bearer, "application/json", `{"seconds": 200}`); a.status != 415 {
		t.Fatalf("PATCH as application/json: %d, want 415", a.status)
	}
	if a := do(t, s, "PATCH", path, bearer, "application/merge-patch+json", `{"date": "2024-07-05T00:00:00+00:00"}`); a.status != 400 {
		t.Fatalf("PATCH of date: %d, want 400", a.status)
	}
	if a := do(t, s, "PATCH", path, bearer, "application/merge-patch+json", `{"seconds": 200, "description": "fixed"}`); a.status != 200 {
		t.Fatalf("PATCH: %d %s", a.status, a.body)
	}
	if w := s.WorkTimes()[0]; w.Seconds != 200 || *w.Description != "fixed" {
		t.Fatalf("after PATCH %+v", w)
	}
	if a := do(t, s, "DELETE", path, bearer, "", ""); a.status != 405 {
		t.Fatalf("DELETE on employee_working_hours: %d, want 405 (not documented)", a.status)
	}
	if a := do(t, s, "DELETE", "/employee-working-hours/"+itoa(id), bearer, "", ""); a.status != 204 {
		t.Fatalf("DELETE: %d", a.status)
	}
	if w := s.WorkTimes()[0]; !w.Deleted || w.DeletedAt.IsZero() {
		t.Fatalf("not soft-deleted: %+v", w)
	}
	for _, p := range []string{path, "/employee_working_hours/wkt_1", "/employee_working_hours/99"} {
		if a := do(t, s, "GET", p, bearer, "", ""); a.status != 404 {
			t.Errorf("GET %s: %d, want 404", p, a.status)
		}
	}
	if a := do(t, s, "GET", "/api/employee_working_hours", bearer, "", ""); a.status != 404 {
		t.Errorf("/api prefix: %d, want 404", a.status)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestEmployees_Lookup(t *testing.T) {
	s := New(t, Options{})
	if a := do(t, s, "GET", "/employees/emp_102", bearer, "", ""); a.status != 200 || !strings.Contains(a.body, `"/api/employees/emp_102"`) {
		t.Fatalf("employee: %d %s", a.status, a.body)
	}
	if a := do(t, s, "GET", "/employees/nobody", bearer, "", ""); a.status != 404 {
		t.Fatalf("unknown employee: %d", a.status)
	}
}

func TestFaults_DropAnswerStores_DropRequestDoesNot(t *testing.T) {
	s := New(t, Options{})
	post := func() error {
		req, _ := http.NewRequest("POST", s.URL()+"/employee_working_hours", strings.NewReader(docPayload))
		req.Header.Set("Authorization", bearer)
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	s.DropRequests(RouteCreate, 1)
	if post() == nil || len(s.WorkTimes()) != 0 {
		t.Fatalf("dropped request: stored %d", len(s.WorkTimes()))
	}
	s.DropAnswers(RouteCreate, 1)
	if post() == nil || len(s.WorkTimes()) != 1 {
		t.Fatalf("dropped answer: stored %d", len(s.WorkTimes()))
	}
}
