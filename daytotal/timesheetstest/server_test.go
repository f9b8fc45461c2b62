package timesheetstest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func get(t *testing.T, method, url string, auth bool) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	if auth {
		req.Header.Set("Authorization", "Bearer "+DefaultToken)
		req.Header.Set("account", DefaultAccount)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestRequests_ValidatedAsDocumented(t *testing.T) {
	s, hs := Start(t, Options{People: map[int]string{77: "Luis Thomas"}})
	url := hs.URL + APIPrefix
	s.AddTime(77, "2016-02-15", 480)
	s.AddTime(77, "2016-02-16", 25)
	cases := []struct {
		method, path string
		auth         bool
		status       int
	}{
		{"GET", "/timesheets/day_totals?person_id=77&date=2016-02-15", false, 401},
		{"GET", "/timesheets/day_totals?person_id=77&date=2016-02-15", true, 200},
		{"GET", "/timesheets/day_totals?organization_id=44&person_id=77&week_of=2016-02-15", true, 200},
		{"GET", "/timesheets/day_totals?date=2016-02-15", true, 400},
		{"GET", "/timesheets/day_totals?person_id=77", true, 400},
		{"GET", "/timesheets/day_totals?person_id=77&date=2016-02-15&month_of=2016-02-15", true, 400},
		{"GET", "/timesheets/day_totals?person_id=77&date=15.02.2016", true, 400},
		{"GET", "/timesheets/day_totals?person_id=x&date=2016-02-15", true, 400},
		{"GET", "/timesheets/day_totals?person_id=78&date=2016-02-15", true, 404},
		{"GET", "/timesheets?person_id=77&month_of=2016-02-15", true, 200},
		{"GET", "/timesheets?organization_id=44&month_of=2016-02-15", true, 200},
		{"GET", "/timesheets?month_of=2016-02-15", true, 400},
		{"POST", "/timesheets/lock?person_id=77&week_of=2016-02-15", true, 204},
		{"DELETE", "/timesheets/lock?person_id=77&date=2016-02-16", true, 204},
	}
	for _, c := range cases {
		if status, body := get(t, c.method, url+c.path, c.auth); status != c.status {
			t.Errorf("%s %s: %d %s, want %d", c.method, c.path, status, body, c.status)
		}
	}
	_, body := get(t, "GET", url+"/timesheets/day_totals?person_id=77&week_of=2016-02-17", true)
	var totals map[string]string
	json.Unmarshal([]byte(body), &totals)
	if len(totals) != 7 || totals["2016-02-15"] != "480" || totals["2016-02-16"] != "25" || totals["2016-02-21"] != "0" {
		t.Errorf("week totals %v", totals)
	}
	_, body = get(t, "GET", url+"/timesheets?person_id=77&month_of=2016-02-01", true)
	var sheet struct {
		LockedDays string `json:"locked_days"`
		Sum        int    `json:"sum_time_spent"`
	}
	json.Unmarshal([]byte(body), &sheet)
	if sheet.LockedDays != "00000000000000101111100000000" || sheet.Sum != 505 {
		t.Errorf("sheet %s", body)
	}
}

func TestSetDown_ClosesOr503ThenServesAgain(t *testing.T) {
	s, hs := Start(t, Options{People: map[int]string{77: "Luis Thomas"}})
	url := hs.URL + APIPrefix + "/timesheets/day_totals?person_id=77&date=2016-02-15"
	s.SetDown(Down503)
	if status, body := get(t, "GET", url, true); status != http.StatusServiceUnavailable || !strings.Contains(body, `"message"`) {
		t.Errorf("Down503: %d %s, want 503 with a message", status, body)
	}
	s.SetDown(DownClose)
	req, _ := http.NewRequest("GET", url, nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("DownClose: answered %d, want the connection closed", resp.StatusCode)
	}
	s.SetDown(Up)
	if status, body := get(t, "GET", url, true); status != http.StatusOK {
		t.Errorf("Up again: %d %s, want 200", status, body)
	}
}

func TestFailNext_AuthenticatedRequestsOnly(t *testing.T) {
	s, hs := Start(t, Options{People: map[int]string{77: "Luis Thomas"}})
	url := hs.URL + APIPrefix + "/timesheets/day_totals?person_id=77&date=2016-02-15"
	s.FailNext(1, Fault{Status: 503, RetryAfter: "4", Message: "maintenance"})
	if status, _ := get(t, "GET", url, false); status != 401 {
		t.Errorf("unauthenticated: %d, want 401 (the fault waits)", status)
	}
	if status, body := get(t, "GET", url, true); status != 503 || !strings.Contains(body, `"message":"maintenance"`) {
		t.Errorf("FailNext: %d %s, want 503 with the message", status, body)
	}
	if status, body := get(t, "GET", url, true); status != 200 {
		t.Errorf("after the fault: %d %s, want 200", status, body)
	}
	if status, _ := get(t, "GET", hs.URL+APIPrefix+"/timesheets/day_totals?person_id=77", true); status != 400 {
		t.Errorf("no date: %d, want 400", status)
	}
	if st := s.Requests(); st.Requests != 4 || st.Injected != 1 || st.Rejected != 1 || st.DayTotals != 1 {
		t.Errorf("Requests() = %+v, want 4 requests, 1 injected, 1 rejected (the 401 is not), 1 day total", st)
	}
}
