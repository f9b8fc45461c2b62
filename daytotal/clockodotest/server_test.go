package clockodotest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestEntryGroups_ValidatedAndGrouped(t *testing.T) {
	s, hs := Start(t, Options{})
	base := hs.URL
	day := func(h int) time.Time { return time.Date(2026, 3, 2, h, 0, 0, 0, time.UTC) }
	s.Add(Entry{UsersID: 1, Start: day(8), End: day(12)})
	s.Add(Entry{UsersID: 2, Start: day(9), End: day(10)})
	q := url.Values{"time_since": {"2026-03-02 00:00:00"}, "time_until": {"2026-03-02 23:59:59"}, "grouping[]": {"users_id", "day"}}
	do := func(q url.Values, hdr map[string]string) (int, []byte) {
		req, _ := http.NewRequest("GET", base+"/api/entrygroups?"+q.Encode(), nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	good := map[string]string{"X-ClockodoApiUser": DefaultUser, "X-ClockodoApiKey": DefaultKey, "X-Clockodo-External-Application": "test;t@example.com"}
	status, b := do(q, good)
	var ans struct {
		Groups []struct {
			GroupedBy string `json:"groupedBy"`
			Group     string `json:"group"`
			Duration  int    `json:"duration"`
			SubGroups []struct {
				GroupedBy, Group string
				Duration         int
			} `json:"sub_groups"`
		} `json:"groups"`
	}
	json.Unmarshal(b, &ans)
	if status != 200 || len(ans.Groups) != 2 || ans.Groups[0].Group != "1" || ans.Groups[0].Duration != 4*3600 ||
		ans.Groups[0].SubGroups[0].Group != "2026-03-02" || ans.Groups[0].SubGroups[0].GroupedBy != "day" {
		t.Errorf("%d %s", status, b)
	}
	bad := []struct {
		name   string
		mod    func(url.Values, map[string]string)
		status int
	}{
		{"no key", func(_ url.Values, h map[string]string) { delete(h, "X-ClockodoApiKey") }, 401},
		{"no application", func(_ url.Values, h map[string]string) { delete(h, "X-Clockodo-External-Application") }, 400},
		{"no since", func(q url.Values, _ map[string]string) { q.Del("time_since") }, 400},
		{"iso time", func(q url.Values, _ map[string]string) { q.Set("time_until", "2026-03-02T23:59:59Z") }, 400},
		{"no grouping", func(q url.Values, _ map[string]string) { q.Del("grouping[]") }, 400},
		{"bad grouping", func(q url.Values, _ map[string]string) { q.Add("grouping[]", "hours") }, 400},
		{"bad filter", func(q url.Values, _ map[string]string) { q.Set("filter[users_id]", "anna") }, 400},
	}
	for _, c := range bad {
		q2 := url.Values{}
		for k, v := range q {
			q2[k] = append([]string(nil), v...)
		}
		h := map[string]string{}
		for k, v := range good {
			h[k] = v
		}
		c.mod(q2, h)
		if status, b := do(q2, h); status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, status, b, c.status)
		}
	}
}

func TestSetDown_ClosesOr503ThenServesAgain(t *testing.T) {
	s, hs := Start(t, Options{})
	q := url.Values{"time_since": {"2026-03-02 00:00:00"}, "time_until": {"2026-03-02 23:59:59"}, "grouping[]": {"users_id"}}
	do := func() (int, string, error) {
		resp, err := http.DefaultClient.Do(groupsRequest(hs.URL, q, DefaultKey))
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}
	s.SetDown(Down503)
	if status, body, err := do(); err != nil || status != http.StatusServiceUnavailable || !strings.Contains(body, `"error"`) {
		t.Errorf("Down503: %d %s %v, want 503 with an error object", status, body, err)
	}
	s.SetDown(DownClose)
	if status, _, err := do(); err == nil {
		t.Errorf("DownClose: answered %d, want the connection closed", status)
	}
	s.SetDown(Up)
	if status, body, err := do(); err != nil || status != http.StatusOK {
		t.Errorf("Up again: %d %s %v, want 200", status, body, err)
	}
}

func TestFailNext_AuthenticatedRequestsOnly(t *testing.T) {
	s, hs := Start(t, Options{})
	q := url.Values{"time_since": {"2026-03-02 00:00:00"}, "time_until": {"2026-03-02 23:59:59"}, "grouping[]": {"users_id"}}
	do := func(key string) (int, http.Header, string) {
		resp, err := http.DefaultClient.Do(groupsRequest(hs.URL, q, key))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	s.FailNext(1, Fault{Status: 429, RetryAfter: "3"})
	if status, _, _ := do("wrong"); status != 401 {
		t.Errorf("unauthenticated: %d, want 401 (the fault waits)", status)
	}
	if status, h, body := do(DefaultKey); status != 429 || h.Get("Retry-After") != "3" || !strings.Contains(body, `"error"`) {
		t.Errorf("FailNext: %d %v %s, want 429, Retry-After 3 and an error object", status, h, body)
	}
	if status, _, body := do(DefaultKey); status != 200 {
		t.Errorf("after the fault: %d %s, want 200", status, body)
	}
	q.Del("grouping[]")
	if status, _, _ := do(DefaultKey); status != 400 {
		t.Errorf("no grouping: %d, want 400", status)
	}
	// Rejected: the 400 and, as in every fake, the injected 429; not the 401.
	if st := s.Requests(); st.Requests != 4 || st.Injected != 1 || st.Rejected != 2 || st.Answered != 1 {
		t.Errorf("Requests() = %+v, want 4 requests, 1 injected, 2 rejected, 1 answered", st)
	}
}

// groupsRequest is an entry-groups request for query q, authenticated as
// DefaultUser with key.
func groupsRequest(base string, q url.Values, key string) *http.Request {
	req, _ := http.NewRequest("GET", base+"/api/entrygroups?"+q.Encode(), nil)
	req.Header.Set("X-ClockodoApiUser", DefaultUser)
	req.Header.Set("X-ClockodoApiKey", key)
	req.Header.Set("X-Clockodo-External-Application", "test;t@example.com")
	return req
}
