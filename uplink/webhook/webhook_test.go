package webhook_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"stampclock/internal/runnertest"
	"stampclock/queue"
	"stampclock/uplink"
	"stampclock/uplink/webhook"
	"stampclock/uplink/webhook/webhooktest"
)

var t0 = time.Date(2026, 3, 2, 7, 58, 0, 0, time.UTC)

// client returns a webhook client posting to url with secret, its clock
// standing at t0 like the receiver's.
func client(t *testing.T, url, secret string) *webhook.Client {
	t.Helper()
	c, err := webhook.New(webhook.Config{URL: url + webhooktest.Path, Secret: secret, Timeout: uplink.Duration{Duration: 2 * time.Second}},
		uplink.Env{DeviceID: "term-1", Now: func() time.Time { return t0 }, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func receiver(t *testing.T) (*webhooktest.Server, string) {
	t.Helper()
	s, ts := webhooktest.Start(t, webhooktest.Options{Now: func() time.Time { return t0 }})
	return s, ts.URL
}

func entries(n int) []queue.Record {
	var out []queue.Record
	for i := range n {
		start := t0.Add(time.Duration(i) * time.Hour)
		out = append(out, queue.Record{Kind: queue.KindEntry, At: start.Add(30 * time.Minute), ClockSynced: true,
			Email: fmt.Sprintf("e%d@example.com", i), Start: start, End: start.Add(30 * time.Minute), StartSynced: true})
	}
	return out
}

// keys returns the stored records as "key kind email".
func keys(rs []webhooktest.Record) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.IdempotencyKey+" "+r.Kind+" "+r.Email)
	}
	return out
}

func want(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("term-1:%d entry e%d@example.com", i+1, i))
	}
	return out
}

func TestSend_SignedRecordsStoredOnceInOrder(t *testing.T) {
	s, url := receiver(t)
	h := runnertest.Start(t, client(t, url, webhooktest.DefaultSecret), entries(3)...)
	h.WaitDelivered(t, 3, 10*time.Second)
	if got := keys(s.Records()); !slices.Equal(got, want(3)) {
		t.Fatalf("stored %q; want %q", got, want(3))
	}
	if r := s.Rejected(); len(r) != 0 || s.Replays() != 0 {
		t.Fatalf("rejected %q, replays %d; want none", r, s.Replays())
	}
	if e := s.Records()[0]; !e.Start.Equal(t0) || !e.End.Equal(t0.Add(30*time.Minute)) {
		t.Fatalf("first entry %s–%s; want %s–%s", e.Start, e.End, t0, t0.Add(30*time.Minute))
	}
}

func TestSend_LostAnswers_ResentWithSameKey_NoDuplicate(t *testing.T) {
	s, url := receiver(t)
	s.DropAfterStore(2)
	h := runnertest.Start(t, client(t, url, webhooktest.DefaultSecret), entries(3)...)
	h.WaitDelivered(t, 3, 10*time.Second)
	if got := keys(s.Records()); !slices.Equal(got, want(3)) {
		t.Fatalf("stored %q; want each record once: %q", got, want(3))
	}
	if s.Replays() != 2 {
		t.Fatalf("replays %d; want 2 (each lost answer resent once with its key)", s.Replays())
	}
}

func TestSend_ReceiverDown_DeliveredWhenBack(t *testing.T) {
	s, url := receiver(t)
	s.SetDown(webhooktest.DownClose)
	h := runnertest.Start(t, client(t, url, webhooktest.DefaultSecret), entries(2)...)
	h.Wait(t, 10*time.Second, "a failed attempt", func(st queue.UplinkStats) bool { return st.LastError != "" })
	if n := len(s.Records()); n != 0 {
		t.Fatalf("stored %d while down", n)
	}
	s.SetDown(webhooktest.Up)
	h.WaitDelivered(t, 2, 10*time.Second)
	if got := keys(s.Records()); !slices.Equal(got, want(2)) {
		t.Fatalf("stored %q; want %q", got, want(2))
	}
}

func TestSend_WrongSecret_RetriedNeverDeadLettered(t *testing.T) {
	s, url := receiver(t)
	h := runnertest.Start(t, client(t, url, "another-secret-of-16+bytes"), entries(1)...)
	h.Wait(t, 10*time.Second, "a refused signature", func(st queue.UplinkStats) bool {
		return strings.Contains(st.LastError, "HTTP 401") && strings.Contains(st.LastError, "webhook.secret_file")
	})
	if st := h.Stats(t); st.Dead != 0 || st.Pending != 1 {
		t.Fatalf("pending %d, dead %d; want the record kept pending", st.Pending, st.Dead)
	}
	if len(s.Records()) != 0 || !strings.Contains(strings.Join(s.Rejected(), "\n"), webhook.SignatureHeader) {
		t.Fatalf("stored %d, rejected %q; want nothing stored, the signature refused", len(s.Records()), s.Rejected())
	}
}

func TestSend_Statuses_ClassifiedOnce(t *testing.T) {
	s, url := receiver(t)
	// 503 and 429 are retried; the 422 sends the first record to the dead
	// letters and the queue goes on.
	s.FailNext(1, webhooktest.Fault{Status: http.StatusServiceUnavailable, RetryAfter: "0"})
	s.FailNext(1, webhooktest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "0"})
	s.FailNext(1, webhooktest.Fault{Status: http.StatusUnprocessableEntity})
	h := runnertest.Start(t, client(t, url, webhooktest.DefaultSecret), entries(2)...)
	h.Wait(t, 10*time.Second, "one dead, one delivered", func(st queue.UplinkStats) bool {
		return st.Dead == 1 && st.Delivered == 1 && st.Pending == 0
	})
	if got := keys(s.Records()); !slices.Equal(got, want(2)[1:]) {
		t.Fatalf("stored %q; want only %q", got, want(2)[1:])
	}
}

func TestVerify_RefusesForgedStaleAndTampered(t *testing.T) {
	secret, body := []byte(webhooktest.DefaultSecret), []byte(`{"schema":1}`)
	ts := fmt.Sprint(t0.Unix())
	sig := webhook.Sign(secret, ts, body)
	if err := webhook.Verify(secret, ts, sig, body, t0.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatalf("valid request refused: %v", err)
	}
	for name, err := range map[string]error{
		"tampered body": webhook.Verify(secret, ts, sig, []byte(`{"schema":2}`), t0, 5*time.Minute),
		"other secret":  webhook.Verify([]byte("x"), ts, sig, body, t0, 5*time.Minute),
		"stale":         webhook.Verify(secret, ts, sig, body, t0.Add(6*time.Minute), 5*time.Minute),
		"future":        webhook.Verify(secret, ts, sig, body, t0.Add(-6*time.Minute), 5*time.Minute),
		"no prefix":     webhook.Verify(secret, ts, strings.TrimPrefix(sig, "sha256="), body, t0, 5*time.Minute),
		"bad timestamp": webhook.Verify(secret, "soon", sig, body, t0, 5*time.Minute),
		"other ts":      webhook.Verify(secret, fmt.Sprint(t0.Unix()+1), sig, body, t0, 5*time.Minute),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
