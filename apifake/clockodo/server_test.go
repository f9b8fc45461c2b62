package clockodo

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

type answer struct {
	status int
	body   string
}

func do(t *testing.T, s *Server, method, query string, hdr map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+"/api/entrygroups?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, query, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, string(b)}
}

func at(s string) time.Time {
	t, err := time.Parse(tsLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func seeded(t *testing.T) *Server {
	s := New(t, Options{Users: []Named{{ID: 1, Name: "Max", Number: "P-1"}, {ID: 2, Name: "Eva", Number: "P-2"}}})
	s.AddEntry(Entry{UsersID: 1, CustomersID: 1, ProjectsID: 1, ServicesID: 1, Billable: 1, HourlyRate: 60,
		TimeSince: at("2024-07-04 08:00:00"), TimeUntil: at("2024-07-04 12:00:00")})
	s.AddEntry(Entry{UsersID: 1, CustomersID: 1, ServicesID: 1, TimeSince: at("2024-07-04 12:30:00"), TimeUntil: at("2024-07-04 16:40:00")})
	s.AddEntry(Entry{UsersID: 2, CustomersID: 1, ServicesID: 1, TimeSince: at("2024-07-05 09:00:00"), TimeUntil: at("2024-07-05 10:00:00")})
	s.AddEntry(Entry{UsersID: 1, CustomersID: 1, ServicesID: 1, TimeSince: at("2024-08-01 09:00:00"), TimeUntil: at("2024-08-01 10:00:00")})
	return s
}

const july = "time_since=2024-07-01+00:00:00&time_until=2024-07-31+23:59:59"

type group struct {
	GroupedBy    string              `json:"groupedBy"`
	Group        string              `json:"group"`
	Name         string              `json:"name"`
	Number       string              `json:"number"`
	Duration     int                 `json:"duration"`
	Revenue      float64             `json:"revenue"`
	Restrictions []map[string]string `json:"restrictions"`
	SubGroups    []group             `json:"sub_groups"`
	Unrounded    *int                `json:"duration_without_rounding"`
}

func groups(t *testing.T, s *Server, q string) []group {
	t.Helper()
	a := do(t, s, "GET", q, nil)
	var out struct{ Groups []group }
	if err := json.Unmarshal([]byte(a.body), &out); err != nil || a.status != 200 {
		t.Fatalf("%s: %d %s", q, a.status, a.body)
	}
	return out.Groups
}

func TestGroups_PerUserAndDay(t *testing.T) {
	s := seeded(t)
	gs := groups(t, s, july+"&grouping[]=users_id&grouping[]=day")
	if len(gs) != 2 || gs[0].Group != "1" || gs[0].Name != "Max" || gs[0].Number != "P-1" || gs[0].Duration != 4*3600+250*60 || gs[0].Revenue != 240 {
		t.Fatalf("users: %+v", gs)
	}
	day := gs[0].SubGroups
	if len(day) != 1 || day[0].GroupedBy != "day" || day[0].Group != "2024-07-04" || day[0].Restrictions[0]["users_id"] != "1" {
		t.Fatalf("days of user 1: %+v", day)
	}
	if gs[1].Duration != 3600 || gs[1].SubGroups[0].Group != "2024-07-05" {
		t.Fatalf("user 2: %+v", gs[1])
	}
}

func TestGroups_FiltersAndRounding(t *testing.T) {
	s := seeded(t)
	gs := groups(t, s, july+"&grouping[]=users_id&filter[users_id]=1&round_to_minutes=15")
	// 4:00 stays, 4:10 rounds up to 4:15.
	if len(gs) != 1 || gs[0].Duration != 8*3600+15*60 || gs[0].Unrounded == nil || *gs[0].Unrounded != 8*3600+10*60 {
		t.Fatalf("rounded: %+v", gs)
	}
	gs = groups(t, s, "time_since=2024-07-04+12:00:00&time_until=2024-07-04+23:59:59&grouping[]=billable&filter[billable]=0")
	if len(gs) != 1 || gs[0].Duration != 250*60 {
		t.Fatalf("billable 0 from noon: %+v", gs)
	}
	gs = groups(t, s, july+"&grouping[]=week&grouping[]=month")
	if len(gs) != 1 || gs[0].Group != "2024-W27" || gs[0].SubGroups[0].Group != "2024-07" {
		t.Fatalf("week/month: %+v", gs)
	}
}

func TestGroups_Violations_Refused(t *testing.T) {
	s := seeded(t)
	for _, q := range []string{
		"grouping[]=users_id",
		july,
		"time_since=2024-07-01&time_until=2024-07-31&grouping[]=users_id",
		"time_since=2024-07-01T00:00:00&time_until=2024-07-31T23:59:59&grouping[]=users_id",
		"time_since=2024-07-31+00:00:00&time_until=2024-07-01+00:00:00&grouping[]=users_id",
		july + "&grouping[]=user",
		july + "&grouping[]=users_id&grouping[]=users_id",
		july + "&grouping=users_id",
		july + "&grouping[]=users_id&filter[billable]=3",
		july + "&grouping[]=users_id&filter[users_id]=max",
		july + "&grouping[]=users_id&filter[user]=1",
		july + "&grouping[]=users_id&filter[text]=a&filter[texts_id]=1",
		july + "&grouping[]=users_id&round_to_minutes=-5",
		july + "&grouping[]=users_id&prepend_customer_to_project_name=yes",
		july + "&grouping[]=users_id&confirm_key=x",
	} {
		if a := do(t, s, "GET", q, nil); a.status != 400 {
			t.Errorf("%s: %d, want 400", q, a.status)
		}
	}
	if a := do(t, s, "POST", july+"&grouping[]=users_id", nil); a.status != 405 {
		t.Errorf("POST: %d, want 405", a.status)
	}
}

func TestEdit_TwoStepConfirm(t *testing.T) {
	s := seeded(t)
	q := july + "&filter[users_id]=1&users_id=2"
	a := do(t, s, "PUT", q, nil)
	var first struct {
		ConfirmKey      string `json:"confirm_key"`
		AffectedEntries int    `json:"affected_entries"`
	}
	if err := json.Unmarshal([]byte(a.body), &first); err != nil || first.ConfirmKey == "" || first.AffectedEntries != 2 {
		t.Fatalf("first answer: %d %s", a.status, a.body)
	}
	if s.Entries()[0].UsersID != 1 {
		t.Fatal("edited before confirmation")
	}
	if a := do(t, s, "PUT", july+"&filter[users_id]=1&users_id=1&confirm_key="+first.ConfirmKey, nil); a.status != 400 {
		t.Fatalf("key for other parameters: %d", a.status)
	}
	a = do(t, s, "PUT", q+"&confirm_key="+first.ConfirmKey, nil)
	if a.status != 200 || a.body != `{"edited_entries":2,"success":true}` {
		t.Fatalf("confirmed: %d %s", a.status, a.body)
	}
	if es := s.Entries(); es[0].UsersID != 2 || es[1].UsersID != 2 || es[3].UsersID != 1 {
		t.Fatalf("after edit: %+v", es)
	}
	if a := do(t, s, "PUT", q+"&confirm_key="+first.ConfirmKey, nil); a.status != 400 {
		t.Fatalf("key reused: %d", a.status)
	}
	if a := do(t, s, "PUT", july+"&filter[users_id]=1", nil); a.status != 400 {
		t.Fatalf("PUT without new value: %d", a.status)
	}
	if a := do(t, s, "PUT", july+"&users_id=9", nil); a.status != 400 {
		t.Fatalf("PUT to unknown user: %d", a.status)
	}
}

func TestDelete_TwoStepConfirm_FormBody(t *testing.T) {
	s := seeded(t)
	body := url.Values{"time_since": {"2024-07-05 00:00:00"}, "time_until": {"2024-07-05 23:59:59"}}
	send := func(v url.Values) answer {
		req, _ := http.NewRequest("DELETE", s.URL()+"/api/entrygroups", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return answer{resp.StatusCode, string(b)}
	}
	a := send(body)
	var first struct {
		ConfirmKey string `json:"confirm_key"`
	}
	if err := json.Unmarshal([]byte(a.body), &first); err != nil || !strings.Contains(a.body, `"affected_entries":1`) {
		t.Fatalf("first: %d %s", a.status, a.body)
	}
	body.Set("confirm_key", first.ConfirmKey)
	if a := send(body); a.body != `{"deleted_entries":1,"success":true}` {
		t.Fatalf("confirmed: %d %s", a.status, a.body)
	}
	if n := len(s.Entries()); n != 3 {
		t.Fatalf("%d entries left, want 3", n)
	}
}

func TestRequireHeaders(t *testing.T) {
	s := New(t, Options{RequireHeaders: map[string]string{"X-Api-Key": "k"}})
	if a := do(t, s, "GET", july+"&grouping[]=users_id", nil); a.status != 401 {
		t.Fatalf("without header: %d", a.status)
	}
	if a := do(t, s, "GET", july+"&grouping[]=users_id", map[string]string{"X-Api-Key": "k"}); a.status != 200 || a.body != `{"groups":[]}` {
		t.Fatalf("with header: %d %s", a.status, a.body)
	}
}

func TestBodies_OnlyFormForPutAndDelete(t *testing.T) {
	s := seeded(t)
	send := func(method, ctype, body string) int {
		req, _ := http.NewRequest(method, s.URL()+"/api/entrygroups", strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	form := "time_since=2024-07-05+00:00:00&time_until=2024-07-05+23:59:59"
	if got := send("DELETE", "application/json", `{"time_since": "2024-07-05 00:00:00"}`); got != 400 {
		t.Errorf("JSON body: %d, want 400", got)
	}
	if got := send("GET", "application/x-www-form-urlencoded", form+"&grouping[]=users_id"); got != 400 {
		t.Errorf("GET with form body: %d, want 400", got)
	}
	if got := send("DELETE", "application/x-www-form-urlencoded", form); got != 200 {
		t.Errorf("DELETE with form body: %d, want 200", got)
	}
	req, _ := http.NewRequest("DELETE", s.URL()+"/api/entrygroups?time_since=2024-07-05+00:00:00", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("parameter in query and body: %d, want 400", resp.StatusCode)
	}
}
