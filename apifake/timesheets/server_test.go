package timesheets

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

type answer struct {
	status int
	body   string
}

func do(t *testing.T, s *Server, method, pathQuery string, hdr map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+pathQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer timesheets-test-token")
	req.Header.Set("account", "pro-product")
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, pathQuery, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, string(b)}
}

// feb2016 seeds the document's example: Luis Thomas spent 3365 minutes in
// February 2016 (480 on the 15th, 25 on the 16th) and the first 7 days are locked.
func feb2016(t *testing.T) *Server {
	s := New(t, Options{})
	s.AddTimeEntry(TimeEntry{PersonID: 77, Date: "2016-02-15", Minutes: 480})
	s.AddTimeEntry(TimeEntry{PersonID: 77, Date: "2016-02-16", Minutes: 25})
	s.AddTimeEntry(TimeEntry{PersonID: 77, Date: "2016-02-03", Minutes: 2860})
	s.AddTimeEntry(TimeEntry{PersonID: 77, Date: "2016-03-01", Minutes: 100})
	for d := 1; d <= 7; d++ {
		s.SetLocked(77, 0, "2016-02-0"+string(rune('0'+d)), true)
	}
	return s
}

func TestSingleTimesheet_DocumentExample(t *testing.T) {
	s := feb2016(t)
	a := do(t, s, "GET", "/v1/timesheets?organization_id=44&person_id=77&month_of=2016-02-15", nil)
	want := `{"locked":false,"locked_days":"11111110000000000000000000000","person":{"id":77,"name":"Luis Thomas"},"sum_time_spent":3365,"workday":480,"workdays":7.01}`
	if a.status != 200 || a.body != want {
		t.Fatalf("got %d %s\nwant %s", a.status, a.body, want)
	}
}

func TestListTimesheets_OrganizationAndFields(t *testing.T) {
	s := feb2016(t)
	a := do(t, s, "GET", "/v1/timesheets?organization_id=44&month_of=2016-02-01", nil)
	var list []map[string]any
	if err := json.Unmarshal([]byte(a.body), &list); err != nil || len(list) != 2 {
		t.Fatalf("list: %d %s", a.status, a.body)
	}
	a = do(t, s, "GET", "/v1/timesheets?organization_id=44&month_of=2016-02-01&fields=person,locked", nil)
	if !strings.HasPrefix(a.body, `[{"locked":false,"person":{"id":77`) || strings.Contains(a.body, "workday") {
		t.Fatalf("fields: %s", a.body)
	}
	if a := do(t, s, "GET", "/v1/timesheets?organization_id=44&month_of=2016-02-01&fields=person,hours", nil); a.status != 400 {
		t.Fatalf("unknown field: %d", a.status)
	}
	if a := do(t, s, "GET", "/v1/timesheets?organization_id=44&month_of=2016-02-01&per_page=1&page=2", nil); !strings.Contains(a.body, "Grace") || strings.Contains(a.body, "Luis") {
		t.Fatalf("page 2: %s", a.body)
	}
}

func TestDayTotals_DateWeekMonth(t *testing.T) {
	s := feb2016(t)
	get := func(q string) map[string]string {
		t.Helper()
		a := do(t, s, "GET", "/v1/timesheets/day_totals?"+q, nil)
		var m map[string]string
		if err := json.Unmarshal([]byte(a.body), &m); err != nil || a.status != 200 {
			t.Fatalf("%s: %d %s", q, a.status, a.body)
		}
		return m
	}
	if m := get("person_id=77&date=2016-02-15"); len(m) != 1 || m["2016-02-15"] != "480" {
		t.Fatalf("date: %v", m)
	}
	// 2016-02-17 is a Wednesday: its week runs Monday 15th to Sunday 21st.
	if m := get("person_id=77&week_of=2016-02-17"); len(m) != 7 || m["2016-02-15"] != "480" || m["2016-02-16"] != "25" || m["2016-02-21"] != "0" {
		t.Fatalf("week: %v", m)
	}
	if m := get("organization_id=44&person_id=77&month_of=2016-02-15"); len(m) != 29 || m["2016-02-03"] != "2860" {
		t.Fatalf("month: %v", m)
	}
}

func TestIncomplete_Week(t *testing.T) {
	s := feb2016(t)
	a := do(t, s, "GET", "/v1/timesheets/incomplete?organization_id=44&week_of=2016-02-15", nil)
	want := `[{"completeness":1,"id":77,"name":"Luis Thomas","primary_email":"luis.thomas@widget.com","remaining_time":1895},` +
		`{"completeness":0,"id":54,"name":"Grace Weller","primary_email":"grace.weller@widget.com","remaining_time":2400}]`
	if a.status != 200 || a.body != want {
		t.Fatalf("got %d %s\nwant %s", a.status, a.body, want)
	}
}

func TestLock_PersonAndOrganization(t *testing.T) {
	s := New(t, Options{})
	if a := do(t, s, "POST", "/v1/timesheets/lock?person_id=77&week_of=2016-02-15", nil); a.status != 204 || a.body != "" {
		t.Fatalf("lock week: %d %s", a.status, a.body)
	}
	if got := s.LockedDays(77); len(got) != 7 || got[0] != "2016-02-15" || got[6] != "2016-02-21" {
		t.Fatalf("locked %v", got)
	}
	if a := do(t, s, "DELETE", "/v1/timesheets/lock?person_id=77&date=2016-02-16", nil); a.status != 204 {
		t.Fatalf("unlock: %d", a.status)
	}
	if s.Locked(77, 0, "2016-02-16") || !s.Locked(77, 0, "2016-02-17") {
		t.Fatal("unlock of one day wrong")
	}
	if a := do(t, s, "POST", "/v1/timesheets/lock?organization_id=44&month_of=2016-02-15", nil); a.status != 204 {
		t.Fatalf("lock org month: %d", a.status)
	}
	if !s.Locked(54, 44, "2016-02-29") || !s.Locked(77, 0, "2016-02-16") {
		t.Fatal("organization lock missing")
	}
	a := do(t, s, "GET", "/v1/timesheets?person_id=54&month_of=2016-02-01&fields=locked", nil)
	if a.body != `{"locked":true}` {
		t.Fatalf("timesheet after org lock: %s", a.body)
	}
}

func TestViolations_Refused(t *testing.T) {
	s := New(t, Options{})
	cases := []struct {
		method, q string
		hdr       map[string]string
		want      int
	}{
		{"GET", "/v1/timesheets?organization_id=44&month_of=2016-02-15", map[string]string{"Authorization": ""}, 401},
		{"GET", "/v1/timesheets?organization_id=44&month_of=2016-02-15", map[string]string{"Authorization": "Bearer x"}, 401},
		{"GET", "/v1/timesheets?organization_id=44&month_of=2016-02-15", map[string]string{"account": ""}, 400},
		{"GET", "/v1/timesheets?organization_id=44&month_of=2016-02-15", map[string]string{"account": "other"}, 400},
		{"GET", "/v1/timesheets?organization_id=44", nil, 400},
		{"GET", "/v1/timesheets?month_of=2016-02-15", nil, 400},
		{"GET", "/v1/timesheets?organization_id=44&month_of=15.02.2016", nil, 400},
		{"GET", "/v1/timesheets?organization_id=44&month_of=2016-2-15", nil, 400},
		{"GET", "/v1/timesheets?organization_id=44&week_of=2016-02-15", nil, 400},
		{"GET", "/v1/timesheets?organization_id=x&month_of=2016-02-15", nil, 400},
		{"GET", "/v1/timesheets?organization_id=45&month_of=2016-02-15", nil, 404},
		{"GET", "/v1/timesheets?person_id=78&month_of=2016-02-15", nil, 404},
		{"GET", "/v1/timesheets/incomplete?organization_id=44", nil, 400},
		{"GET", "/v1/timesheets/day_totals?person_id=77", nil, 400},
		{"GET", "/v1/timesheets/day_totals?date=2016-02-15", nil, 400},
		{"GET", "/v1/timesheets/day_totals?person_id=77&date=2016-02-15&week_of=2016-02-15", nil, 400},
		{"GET", "/v1/timesheets/day_totals?person_id=77&from=2016-02-15", nil, 400},
		{"GET", "/v1/timesheets/day_totals?person_id=77&date=2016-02-30", nil, 400},
		{"POST", "/v1/timesheets/lock?date=2016-02-15", nil, 400},
		{"POST", "/v1/timesheets/lock?person_id=77", nil, 400},
		{"PUT", "/v1/timesheets/lock?person_id=77&date=2016-02-15", nil, 405},
		{"POST", "/v1/timesheets?organization_id=44&month_of=2016-02-15", nil, 405},
		{"GET", "/v1/timesheets/locks?person_id=77&date=2016-02-15", nil, 404},
		{"GET", "/timesheets?organization_id=44&month_of=2016-02-15", nil, 404},
	}
	for _, c := range cases {
		if a := do(t, s, c.method, c.q, c.hdr); a.status != c.want {
			t.Errorf("%s %s %v: %d, want %d (%s)", c.method, c.q, c.hdr, a.status, c.want, a.body)
		}
	}
	if len(s.LockedDays(77)) != 0 {
		t.Fatal("refused lock stored")
	}
	// A form body instead of query parameters is refused.
	req, _ := http.NewRequest("POST", s.URL()+"/v1/timesheets/lock", strings.NewReader("person_id=77&date=2016-02-15"))
	req.Header.Set("Authorization", "Bearer timesheets-test-token")
	req.Header.Set("account", "pro-product")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("form body: %d, want 400", resp.StatusCode)
	}
}

func TestFaults_Down(t *testing.T) {
	s := New(t, Options{})
	s.SetDown(true)
	if a := do(t, s, "GET", "/v1/timesheets/day_totals?person_id=77&date=2016-02-15", nil); a.status != 503 {
		t.Fatalf("down: %d", a.status)
	}
	s.SetDown(false)
	s.FailNext(RouteDayTotals, 1, 500)
	if a := do(t, s, "GET", "/v1/timesheets/day_totals?person_id=77&date=2016-02-15", nil); a.status != 500 {
		t.Fatalf("FailNext: %d", a.status)
	}
	if a := do(t, s, "GET", "/v1/timesheets/day_totals?person_id=77&date=2016-02-15", nil); a.status != 200 {
		t.Fatalf("after faults: %d", a.status)
	}
}
