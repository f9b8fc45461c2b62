package webhooktest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"stampclock/uplink/webhook"
	"stampclock/uplink/webhook/webhooktest"
)

var now = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

const punch = `{"schema":1,"idempotency_key":"t:1","device_id":"t","seq":1,"kind":"punch","at":"2026-03-02T08:00:00Z","clock_synced":true,"uid":"04A1","action":"start"}`

func post(t *testing.T, url, body, key string, ts time.Time, edit func(*http.Request)) int {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, url+webhooktest.Path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	stamp := fmt.Sprint(ts.Unix())
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(webhook.TimestampHeader, stamp)
	r.Header.Set(webhook.SignatureHeader, webhook.Sign([]byte(webhooktest.DefaultSecret), stamp, []byte(body)))
	r.Header.Set(webhook.IdempotencyHeader, key)
	if edit != nil {
		edit(r)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestServer_RefusesWhatAStrictReceiverWould(t *testing.T) {
	s, ts := webhooktest.Start(t, webhooktest.Options{Now: func() time.Time { return now }})
	for _, tc := range []struct {
		name, body, key string
		at              time.Time
		edit            func(*http.Request)
		want            int
	}{
		{"stale timestamp", punch, "t:1", now.Add(-10 * time.Minute), nil, 401},
		{"bad signature", punch, "t:1", now, func(r *http.Request) { r.Header.Set(webhook.SignatureHeader, "sha256=00") }, 401},
		{"form body", punch, "t:1", now, func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }, 415},
		{"key not device:seq", punch, "t-1", now, nil, 400},
		{"key differs from body", punch, "t:2", now, nil, 422},
		{"punch without action", strings.Replace(punch, `,"action":"start"`, "", 1), "t:1", now, nil, 422},
		{"no clock_synced", strings.Replace(punch, `"clock_synced":true,`, "", 1), "t:1", now, nil, 422},
		{"entry without end", `{"schema":1,"idempotency_key":"t:1","device_id":"t","seq":1,"kind":"entry","at":"2026-03-02T08:00:00Z","clock_synced":true,"start":"2026-03-02T07:00:00Z"}`, "t:1", now, nil, 422},
		{"retract without retracts", `{"schema":1,"idempotency_key":"t:1","device_id":"t","seq":1,"kind":"retract","at":"2026-03-02T08:00:00Z","clock_synced":true,"start":"2026-03-02T07:00:00Z"}`, "t:1", now, nil, 422},
		{"unknown kind", strings.Replace(punch, `"kind":"punch"`, `"kind":"retracted"`, 1), "t:1", now, nil, 422},
		{"GET", punch, "t:1", now, func(r *http.Request) { r.Method = http.MethodGet }, 405},
	} {
		if got := post(t, ts.URL, tc.body, tc.key, tc.at, tc.edit); got != tc.want {
			t.Errorf("%s: HTTP %d; want %d", tc.name, got, tc.want)
		}
	}
	if n := len(s.Records()); n != 0 {
		t.Fatalf("stored %d refused records", n)
	}
	if got := post(t, ts.URL, punch, "t:1", now, nil); got != 202 {
		t.Fatalf("valid punch: HTTP %d; want 202", got)
	}
	if got := post(t, ts.URL, punch, "t:1", now.Add(time.Minute), nil); got != 200 || s.Replays() != 1 {
		t.Fatalf("replay: HTTP %d, replays %d; want 200 and 1", got, s.Replays())
	}
	other := strings.Replace(punch, "start", "stop", 1)
	if got := post(t, ts.URL, other, "t:1", now, nil); got != 422 {
		t.Fatalf("key reused with another body: HTTP %d; want 422", got)
	}
	if rs := s.Records(); len(rs) != 1 || rs[0].Action != "start" {
		t.Fatalf("stored %+v; want the one start punch", rs)
	}
	retract := `{"schema":1,"idempotency_key":"t:2","device_id":"t","seq":2,"kind":"retract","at":"2026-03-02T09:00:00Z","clock_synced":true,"email":"a@x","start":"2026-03-02T07:00:00Z","end":"2026-03-02T08:00:00Z","retracts":1,"site_entry":"a:1-b:1"}`
	if got := post(t, ts.URL, retract, "t:2", now, nil); got != 202 {
		t.Fatalf("valid retraction: HTTP %d; want 202", got)
	}
	if rs := s.Records(); len(rs) != 2 || rs[1].Retracts != 1 || rs[1].SiteEntry != "a:1-b:1" {
		t.Fatalf("stored %+v; want the retraction", rs)
	}
	// Refused: 9 (the two 401s are not rejections) and the reused key.
	if st := s.Requests(); st.Requests != 15 || st.Rejected != 10 || st.Stored != 2 || st.Replays != 1 {
		t.Errorf("Requests() = %+v; want 15 requests, 10 rejected, 2 stored, 1 replay", st)
	}
}

func TestServer_SetDown_ClosesOr503StoringNothing(t *testing.T) {
	s, ts := webhooktest.Start(t, webhooktest.Options{Now: func() time.Time { return now }})
	s.SetDown(webhooktest.Down503)
	if got := post(t, ts.URL, punch, "t:1", now, nil); got != http.StatusServiceUnavailable {
		t.Errorf("Down503: HTTP %d; want 503", got)
	}
	s.SetDown(webhooktest.DownClose)
	if resp, err := http.Post(ts.URL+webhooktest.Path, "application/json", strings.NewReader(punch)); err == nil {
		resp.Body.Close()
		t.Errorf("DownClose: answered %d; want the connection closed", resp.StatusCode)
	}
	if n := len(s.Records()); n != 0 {
		t.Fatalf("stored %d records while down", n)
	}
	s.SetDown(webhooktest.Up)
	if got := post(t, ts.URL, punch, "t:1", now, nil); got != http.StatusAccepted {
		t.Errorf("Up again: HTTP %d; want 202", got)
	}
	if st := s.Requests(); st.Requests != 3 || st.Injected != 1 || st.Dropped != 1 || st.Stored != 1 || st.Rejected != 0 {
		t.Errorf("Requests() = %+v; want 3 requests, 1 injected, 1 dropped, 1 stored", st)
	}
}

func TestServer_DelayAndDropAfterStore(t *testing.T) {
	s, ts := webhooktest.Start(t, webhooktest.Options{Now: func() time.Time { return now }})
	s.SetDelay(50 * time.Millisecond)
	start := time.Now()
	if got := post(t, ts.URL, punch, "t:1", now, nil); got != http.StatusAccepted {
		t.Fatalf("delayed: HTTP %d; want 202", got)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("answered after %v; want at least the 50ms delay", d)
	}
	s.SetDelay(0)
	s.DropAfterStore(1)
	body := strings.Replace(punch, `"seq":1`, `"seq":2`, 1)
	body = strings.Replace(body, `"t:1"`, `"t:2"`, 1)
	stamp := fmt.Sprint(now.Unix())
	r, _ := http.NewRequest(http.MethodPost, ts.URL+webhooktest.Path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(webhook.TimestampHeader, stamp)
	r.Header.Set(webhook.SignatureHeader, webhook.Sign([]byte(webhooktest.DefaultSecret), stamp, []byte(body)))
	r.Header.Set(webhook.IdempotencyHeader, "t:2")
	// A fresh connection: on a reused one net/http would resend a request
	// with an Idempotency-Key after the cut (and get the replay's 200).
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := fresh.Do(r); err == nil {
		resp.Body.Close()
		t.Fatalf("DropAfterStore: answered %d; want the connection closed", resp.StatusCode)
	}
	if rs := s.Records(); len(rs) != 2 || rs[1].Seq != 2 {
		t.Fatalf("stored %+v; want the second record stored before the drop", rs)
	}
	if st := s.Requests(); st.Dropped != 1 || st.Stored != 2 {
		t.Errorf("Requests() = %+v; want 1 dropped, 2 stored", st)
	}
}
