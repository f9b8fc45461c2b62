package blikktest_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"stampclock/uplink/blikk/blikktest"
)

const (
	appID  = "app-1"
	secret = "secret-1"
)

func start(t *testing.T, mod func(*blikktest.Options)) (*blikktest.Server, string) {
	t.Helper()
	o := blikktest.Options{
		AppID: appID, AppSecret: secret,
		Users:        []blikktest.User{{ID: 12, FirstName: "Anna", LastName: "Maier"}},
		Activities:   []blikktest.Item{{ID: 34, Name: "Montage"}, {ID: 35, Name: "Alt", Inactive: true}},
		TimeCodes:    []blikktest.Item{{ID: 16, Name: "Normal"}},
		TimeArticles: []blikktest.Item{{ID: 49, Name: "Arbetstid"}},
		Projects:     []blikktest.Item{{ID: 19, Name: "Maintenance"}},
		RateLimit:    -1,
	}
	if mod != nil {
		mod(&o)
	}
	s, ts := blikktest.Start(t, o)
	return s, ts.URL
}

// do sends a request and returns status, headers and body.
func do(t *testing.T, method, url, auth, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

func token(t *testing.T, url string) (string, time.Time) {
	t.Helper()
	st, _, body := do(t, "POST", url+"/v1/Auth/Token", basic(appID, secret), "")
	if st != 200 {
		t.Fatalf("token: %d %s", st, body)
	}
	var ans struct{ ObjectName, AccessToken, Expires string }
	if err := json.Unmarshal([]byte(body), &ans); err != nil || ans.ObjectName != "auth.token" || !strings.HasPrefix(ans.AccessToken, "pk_") {
		t.Fatalf("token answer %s", body)
	}
	exp, err := time.Parse("2006-01-02 15:04:05 -07:00", ans.Expires)
	if err != nil {
		t.Fatalf("expires %q: %v", ans.Expires, err)
	}
	return "Bearer " + ans.AccessToken, exp
}

func TestToken(t *testing.T) {
	_, url := start(t, nil)
	for _, tc := range []struct {
		name, auth string
		want       int
	}{
		{"ok", basic(appID, secret), 200},
		{"scheme case", "basic " + base64.StdEncoding.EncodeToString([]byte(appID+":"+secret)), 200},
		{"wrong secret", basic(appID, "nope"), 401},
		{"wrong id", basic("other", secret), 401},
		{"no colon", "Basic " + base64.StdEncoding.EncodeToString([]byte(appID+secret)), 401},
		{"not base64", "Basic !!!", 401},
		{"bearer", "Bearer " + secret, 401},
		{"none", "", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if st, _, body := do(t, "POST", url+"/v1/Auth/Token", tc.auth, ""); st != tc.want {
				t.Errorf("status %d (%s), want %d", st, body, tc.want)
			}
		})
	}
	if st, _, _ := do(t, "GET", url+"/v1/Auth/Token", basic(appID, secret), ""); st != 405 {
		t.Errorf("GET token: %d, want 405", st)
	}
}

func TestBearer_Expiry(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 6, 10, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s, url := start(t, func(o *blikktest.Options) { o.Now = clock; o.TokenLifetime = 5 * time.Minute })
	auth, exp := token(t, url)
	if !exp.Equal(now.Add(5 * time.Minute)) {
		t.Errorf("expires %v", exp)
	}
	users := url + "/v1/Admin/Users?page=1"
	if st, _, body := do(t, "GET", users, auth, ""); st != 200 {
		t.Fatalf("users: %d %s", st, body)
	}
	for _, bad := range []string{"", "Bearer", "Bearer pk_x.pa_y", strings.Replace(auth, "Bearer", "Basic", 1)} {
		if st, _, _ := do(t, "GET", users, bad, ""); st != 401 {
			t.Errorf("auth %q: %d, want 401", bad, st)
		}
	}
	mu.Lock()
	now = now.Add(5 * time.Minute)
	mu.Unlock()
	if st, _, body := do(t, "GET", users, auth, ""); st != 401 || !strings.Contains(body, "Invalid token") {
		t.Errorf("expired token: %d %s", st, body)
	}
	auth, _ = token(t, url)
	s.ExpireTokens()
	if st, _, _ := do(t, "GET", users, auth, ""); st != 401 {
		t.Errorf("after ExpireTokens: %d", st)
	}
	if st := s.Requests(); st.Unauthorized != 6 || st.Tokens != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestRateLimit(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 6, 10, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	s, url := start(t, func(o *blikktest.Options) { o.Now = clock; o.RateLimit = 0 })
	auth, _ := token(t, url)
	other, _ := token(t, url)
	get := func(a string) (int, http.Header, string) {
		return do(t, "GET", url+"/v1/Admin/TimeCodes?page=1", a, "")
	}
	for i := range 4 {
		if st, _, body := get(auth); st != 200 {
			t.Fatalf("request %d: %d %s", i+1, st, body)
		}
		advance(100 * time.Millisecond)
	}
	st, hdr, body := get(auth)
	if st != 429 || hdr.Get("Retry-After") != "1" || strings.ReplaceAll(body, " ", "") != `{"waitInSeconds":1}` {
		t.Fatalf("fifth request within the second: %d %q %s", st, hdr.Get("Retry-After"), body)
	}
	// The limit is per token.
	if st, _, _ := get(other); st != 200 {
		t.Errorf("other token: %d", st)
	}
	// Within the wait it was told, still 429 (and counted as early).
	advance(700 * time.Millisecond)
	if st, _, _ := get(auth); st != 429 {
		t.Errorf("early retry: %d", st)
	}
	advance(300 * time.Millisecond)
	if st, _, body := get(auth); st != 200 {
		t.Errorf("after the wait: %d %s", st, body)
	}
	if st := s.Requests(); st.RateLimited != 2 || st.EarlyRetries != 1 {
		t.Errorf("stats %+v", st)
	}
}

const goodReport = `{"date":"2026-06-10 00:00:00","clockStart":"08:00","clockEnd":"16:30","hours":8.5,"invoiceableHours":8.5,` +
	`"userId":12,"activityId":34,"timeCodeId":16,"timeArticleId":49}`

// with returns goodReport with the fields in kv (JSON values) set, or
// removed where the value is "-".
func with(t *testing.T, kv ...string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(goodReport), &m); err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "-" {
			delete(m, kv[i])
		} else {
			m[kv[i]] = json.RawMessage(kv[i+1])
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestCreate_Validation(t *testing.T) {
	s, url := start(t, nil)
	auth, _ := token(t, url)
	for _, tc := range []struct {
		name, body string
		field      string // expected modelState key, "" for 200
	}{
		{"ok", goodReport, ""},
		{"ok, plain date and project", with(t, "date", `"2026-06-11"`, "projectId", "19", "breakMinutes", "30", "comment", `"x"`), ""},
		{"ok, no clock", with(t, "date", `"2026-06-12"`, "clockStart", "null", "clockEnd", "-"), ""},
		{"no date", with(t, "date", "-"), "date"},
		{"bad date", with(t, "date", `"10.06.2026"`), "date"},
		{"impossible date", with(t, "date", `"2026-02-30"`), "date"},
		{"clock with seconds", with(t, "clockStart", `"08:00:00"`), "clockStart"},
		{"clock 24:00", with(t, "clockEnd", `"24:00"`), "clockEnd"},
		{"clock one digit", with(t, "clockStart", `"8:00"`), "clockStart"},
		{"clock backwards", with(t, "clockStart", `"17:00"`), "clockEnd"},
		{"only one clock", with(t, "clockEnd", "null"), "clockEnd"},
		{"no hours", with(t, "hours", "-"), "hours"},
		{"hours as string", with(t, "hours", `"8.5"`), "hours"},
		{"negative hours", with(t, "invoiceableHours", "-1"), "invoiceableHours"},
		{"no user", with(t, "userId", "-"), "userId"},
		{"unknown user", with(t, "userId", "99"), "userId"},
		{"fractional id", with(t, "userId", "12.5"), "userId"},
		{"no activity", with(t, "activityId", "null"), "activityId"},
		{"inactive activity", with(t, "activityId", "35"), "activityId"},
		{"unknown time code", with(t, "timeCodeId", "1"), "timeCodeId"},
		{"unknown time article", with(t, "timeArticleId", "1"), "timeArticleId"},
		{"unknown project", with(t, "projectId", "20"), "projectId"},
		{"unknown field", with(t, "userID", "12"), "userID"},
		{"not JSON", "date=2026-06-10", "model"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, _, body := do(t, "POST", url+"/v1/Core/TimeReports", auth, tc.body)
			if tc.field == "" {
				if st != 200 {
					t.Fatalf("%d %s", st, body)
				}
				return
			}
			var eb struct {
				Message    string
				ModelState map[string][]string
			}
			if st != 400 || json.Unmarshal([]byte(body), &eb) != nil || eb.Message != "The request is invalid." || len(eb.ModelState[tc.field]) == 0 {
				t.Errorf("%d %s: want 400 with modelState[%q]", st, body, tc.field)
			}
		})
	}
	if n := len(s.Reports()); n != 3 {
		t.Errorf("%d reports stored, want 3", n)
	}
	req, _ := http.NewRequest("POST", url+"/v1/Core/TimeReports", strings.NewReader(goodReport))
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "text/plain")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 415 {
		t.Errorf("text/plain: %v %v", resp.StatusCode, err)
	}
}

func TestList_FiltersAndPaging(t *testing.T) {
	s, url := start(t, func(o *blikktest.Options) {
		o.Users = append(o.Users, blikktest.User{ID: 13, FirstName: "Jan"})
	})
	auth, _ := token(t, url)
	for i := range 30 {
		s.AddReport(blikktest.Report{Date: time.Date(2026, 6, 1+i, 0, 0, 0, 0, time.UTC).Format("2006-01-02"),
			ClockStart: "08:00", ClockEnd: "09:00", Hours: 1, UserID: 12 + i%2, ActivityID: 34, TimeCodeID: 16, TimeArticleID: 49})
	}
	type page struct {
		Page, PageSize, ItemCount, TotalItemCount, TotalPages int
		Items                                                 []struct {
			ID         int
			Date       string
			ClockStart *string
			User       struct{ ID int }
		}
	}
	list := func(q string) (int, page, string) {
		st, _, body := do(t, "GET", url+"/v1/Core/TimeReports?"+q, auth, "")
		var p page
		json.Unmarshal([]byte(body), &p)
		return st, p, body
	}
	if st, p, body := list("page=1"); st != 200 || p.PageSize != 25 || p.ItemCount != 25 || p.TotalItemCount != 30 || p.TotalPages != 2 {
		t.Errorf("page 1: %d %s", st, body)
	}
	if st, p, _ := list("page=2&pageSize=25"); st != 200 || p.ItemCount != 5 || p.Items[0].Date != "2026-06-26" {
		t.Errorf("page 2: %d %+v", st, p)
	}
	st, p, body := list("page=1&filter.userIds=12&filter.from=2026-06-03&filter.to=2026-06-07%2000:00:00")
	if st != 200 || p.TotalItemCount != 3 || p.Items[0].Date != "2026-06-03" || p.Items[2].Date != "2026-06-07" || p.Items[1].User.ID != 12 || *p.Items[0].ClockStart != "08:00" {
		t.Errorf("filtered: %d %s", st, body)
	}
	for _, q := range []string{"", "page=0", "page=x", "page=1&pageSize=101", "page=1&filter.from=June", "page=1&filter.userIds=1,x", "page=1&filter.userId=12", "page=1&sortOrder=up"} {
		if st, _, body := list(q); st != 400 || !strings.Contains(body, "modelState") {
			t.Errorf("%q: %d %s, want 400 with modelState", q, st, body)
		}
	}
}

func TestFaults(t *testing.T) {
	s, url := start(t, nil)
	auth, _ := token(t, url)
	s.FailCreates(1, blikktest.Fault{Status: 429, RetryAfter: "3", Body: `{"waitInSeconds": 3}`})
	if st, hdr, body := do(t, "POST", url+"/v1/Core/TimeReports", auth, goodReport); st != 429 || hdr.Get("Retry-After") != "3" || !strings.Contains(body, "waitInSeconds") {
		t.Errorf("injected 429: %d %s", st, body)
	}
	s.DropAfterStore(1)
	req, _ := http.NewRequest("POST", url+"/v1/Core/TimeReports", strings.NewReader(goodReport))
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Error("dropped create answered")
	}
	if n := len(s.Reports()); n != 1 {
		t.Errorf("%d reports after the drop, want 1", n)
	}
	if st, _, _ := do(t, "POST", url+"/v1/Core/TimeReports", auth, goodReport); st != 200 {
		t.Errorf("create: %d", st)
	}
	if d := s.Duplicates(); len(d) != 1 {
		t.Errorf("duplicates %+v, want 1", d)
	}
	s.SetDown(blikktest.Down503)
	if st, _, _ := do(t, "POST", url+"/v1/Auth/Token", basic(appID, secret), ""); st != 503 {
		t.Errorf("down: %d", st)
	}
	s.SetDown(blikktest.Up)
	s.FailTokens(1, blikktest.Fault{Status: 500})
	if st, _, _ := do(t, "POST", url+"/v1/Auth/Token", basic(appID, secret), ""); st != 500 {
		t.Errorf("failed token: %d", st)
	}
	if st := s.Requests(); st.Dropped != 1 || st.Injected != 3 || st.Stored != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestFailNext_AuthenticatedRequestsOnly(t *testing.T) {
	s, url := start(t, nil)
	s.FailNext(1, blikktest.Fault{Status: 500, Message: "boom"})
	if st, _, _ := do(t, "GET", url+"/v1/Admin/Users?page=1", "", ""); st != 401 {
		t.Errorf("unauthenticated: %d, want 401 (the fault waits)", st)
	}
	auth, _ := token(t, url)
	if st, _, body := do(t, "GET", url+"/v1/Admin/Users?page=1", auth, ""); st != 500 || !strings.Contains(body, `"message":"boom"`) {
		t.Errorf("FailNext: %d %s, want 500 with the message", st, body)
	}
	if st, _, body := do(t, "GET", url+"/v1/Admin/Users?page=1", auth, ""); st != 200 {
		t.Errorf("after the fault: %d %s, want 200", st, body)
	}
	if n := s.Requests().Injected; n != 1 {
		t.Errorf("Injected = %d, want 1", n)
	}
}
