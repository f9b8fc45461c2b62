package flowtlytest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func startTest(t *testing.T) (*Server, *httptest.Server) {
	t.Helper()
	return Start(t, Options{Employees: []string{"emp_102"}, Projects: []string{"aurora"}, PageSize: 2})
}

// do sends a request with the default token unless auth is "-".
func do(t *testing.T, method, url, ctype, auth, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if auth == "" {
		auth = "Bearer " + DefaultToken
	}
	if auth != "-" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

const example = `{"employee":"/api/employees/emp_102","project":"/api/projects/aurora","date":"2024-07-04T00:00:00+00:00","seconds":27000,"description":"Budget review for Aurora project"}`

func TestCreate_SnapshotExample_Stored(t *testing.T) {
	s, ts := startTest(t)
	status, m := do(t, "POST", ts.URL+"/employee_working_hours", "application/ld+json", "", example)
	if status != http.StatusCreated {
		t.Fatalf("status %d %v", status, m)
	}
	if m["@type"] != "WorkTime" || m["seconds"] != float64(27000) || m["date"] != "2024-07-04T00:00:00+00:00" ||
		m["employee"] != "/api/employees/emp_102" || m["description"] != "Budget review for Aurora project" {
		t.Errorf("answer %v", m)
	}
	if got := s.Records(); len(got) != 1 || got[0].Seconds != 27000 {
		t.Errorf("records %+v", got)
	}
}

func TestCreate_Validation(t *testing.T) {
	cases := []struct {
		name, ctype, auth, body string
		status                  int
		want                    string
	}{
		{"no token", "application/ld+json", "-", example, 401, "JWT Token not found"},
		{"wrong token", "application/ld+json", "Bearer nope", example, 401, "Invalid JWT Token"},
		{"text body", "text/plain", "", example, 415, "not supported"},
		{"plain json ok", "application/json", "", example, 201, ""},
		{"not an object", "application/ld+json", "", `[1]`, 400, "Syntax error"},
		{"extra field", "application/ld+json", "", strings.Replace(example, `"seconds"`, `"id":1,"seconds"`, 1), 400, `"id" is unknown`},
		{"seconds string", "application/ld+json", "", strings.Replace(example, `27000`, `"27000"`, 1), 400, `must be "int", "string" given`},
		{"seconds float", "application/ld+json", "", strings.Replace(example, `27000`, `1.5`, 1), 400, `"float" given`},
		{"seconds zero", "application/ld+json", "", strings.Replace(example, `27000`, `0`, 1), 422, "should be positive"},
		{"seconds missing", "application/ld+json", "", strings.Replace(example, `"seconds":27000,`, ``, 1), 422, "should not be blank"},
		{"bad IRI", "application/ld+json", "", strings.Replace(example, `/api/employees/emp_102`, `emp_102`, 1), 400, "Invalid IRI"},
		{"unknown employee", "application/ld+json", "", strings.Replace(example, `emp_102`, `emp_999`, 1), 400, "Item not found"},
		{"unknown project", "application/ld+json", "", strings.Replace(example, `aurora`, `borealis`, 1), 400, "Item not found"},
		{"bad date", "application/ld+json", "", strings.Replace(example, `2024-07-04T00:00:00+00:00`, `04.07.2024`, 1), 400, "Failed to parse"},
		{"null description ok", "application/ld+json", "", strings.Replace(example, `"Budget review for Aurora project"`, `null`, 1), 201, ""},
		{"description number", "application/ld+json", "", strings.Replace(example, `"Budget review for Aurora project"`, `5`, 1), 400, `"int" given`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, ts := startTest(t)
			status, m := do(t, "POST", ts.URL+"/employee_working_hours", c.ctype, c.auth, c.body)
			if status != c.status {
				t.Fatalf("status %d, want %d: %v", status, c.status, m)
			}
			msg, _ := m["hydra:description"].(string)
			if m["message"] != nil {
				msg, _ = m["message"].(string)
			}
			if c.want != "" && !strings.Contains(msg, c.want) {
				t.Errorf("answer %v lacks %q", m, c.want)
			}
		})
	}
}

func TestList_FiltersAndPages(t *testing.T) {
	s, ts := startTest(t)
	for _, d := range []string{"2024-07-03", "2024-07-04", "2024-07-04", "2024-07-04", "2024-07-05"} {
		s.AddRecord(Record{Employee: s.EmployeeIRI("emp_102"), Project: s.ProjectIRI("aurora"), Date: d + "T00:00:00+00:00", Seconds: 60})
	}
	s.AddRecord(Record{Employee: s.EmployeeIRI("other"), Project: s.ProjectIRI("aurora"), Date: "2024-07-04T00:00:00+00:00", Seconds: 60})
	status, m := do(t, "GET", ts.URL+"/employee_working_hours?employee=emp_102&date[after]=2024-07-04&date[before]=2024-07-04", "", "", "")
	if status != 200 {
		t.Fatalf("status %d %v", status, m)
	}
	if m["hydra:totalItems"] != float64(3) || len(m["hydra:member"].([]any)) != 2 {
		t.Fatalf("page 1: %v", m)
	}
	next := m["hydra:view"].(map[string]any)["hydra:next"].(string)
	status, m = do(t, "GET", ts.URL+next, "", "", "")
	if status != 200 || len(m["hydra:member"].([]any)) != 1 || m["hydra:view"].(map[string]any)["hydra:next"] != nil {
		t.Fatalf("page 2: %d %v", status, m)
	}
	if status, _ := do(t, "GET", ts.URL+"/employee_working_hours?date[after]=yesterday", "", "", ""); status != 400 {
		t.Errorf("bad filter date: status %d", status)
	}
	if status, _ := do(t, "GET", ts.URL+"/employee_working_hours", "", "-", ""); status != 401 {
		t.Errorf("no token: status %d", status)
	}
}

func TestFaults(t *testing.T) {
	s, ts := startTest(t)
	s.FailPosts(1, Fault{Status: 429, RetryAfter: "3"})
	if status, _ := do(t, "POST", ts.URL+"/employee_working_hours", "application/ld+json", "", example); status != 429 {
		t.Errorf("FailPosts: status %d", status)
	}
	s.DropAfterStore(1)
	req, _ := http.NewRequest("POST", ts.URL+"/employee_working_hours", strings.NewReader(example))
	req.Header.Set("Content-Type", "application/ld+json")
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Error("DropAfterStore: got an answer")
	}
	if n := len(s.Records()); n != 1 {
		t.Errorf("DropAfterStore: %d records, want 1", n)
	}
	s.SetDown(Down503)
	if status, _ := do(t, "GET", ts.URL+"/employee_working_hours", "", "", ""); status != 503 {
		t.Errorf("Down503: status %d", status)
	}
	s.SetDown(Up)
	s.SetDelay(50 * time.Millisecond)
	start := time.Now()
	do(t, "GET", ts.URL+"/employee_working_hours", "", "", "")
	if time.Since(start) < 50*time.Millisecond {
		t.Error("SetDelay: answered early")
	}
	s.AddRecord(Record{Employee: s.EmployeeIRI("emp_102"), Project: s.ProjectIRI("aurora"), Date: "2024-07-04T00:00:00+00:00", Seconds: 27000, Description: new("Budget review for Aurora project")})
	if d := s.Duplicates(); len(d) != 1 {
		t.Errorf("Duplicates: %v", d)
	}
}

func TestFailNext_AuthenticatedRequestsOnly(t *testing.T) {
	s, ts := startTest(t)
	s.FailNext(1, Fault{Status: 500, Message: "boom"})
	if status, _ := do(t, "GET", ts.URL+"/employee_working_hours", "", "-", ""); status != 401 {
		t.Errorf("unauthenticated: %d, want 401 (the fault waits)", status)
	}
	if status, m := do(t, "GET", ts.URL+"/employee_working_hours", "", "", ""); status != 500 || m["hydra:description"] != "boom" {
		t.Errorf("FailNext: %d %v, want 500 with the message", status, m)
	}
	if status, m := do(t, "GET", ts.URL+"/employee_working_hours", "", "", ""); status != 200 {
		t.Errorf("after the fault: %d %v, want 200", status, m)
	}
	if n := s.Requests().Injected; n != 1 {
		t.Errorf("Injected = %d, want 1", n)
	}
}
