package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// testNow is the fake's clock in these tests: a fixed instant.
var testNow = time.Date(2026, 3, 2, 7, 30, 10, 0, time.UTC)

func fixedClock() time.Time { return testNow }

// signature is the README's scheme, written here independently of the
// fake: "sha256=" + hex HMAC-SHA256 of <timestamp>.<body> with the secret.
func signature(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// baseRecord returns a valid record of kind as a map to modify.
func baseRecord(kind string) map[string]any {
	m := map[string]any{
		"schema":          1,
		"idempotency_key": "term-1:12",
		"device_id":       "term-1",
		"seq":             12,
		"kind":            kind,
		"at":              "2026-03-02T07:30:00Z",
		"clock_synced":    true,
		"uid":             "04A1B2C3",
		"email":           "maier@example.com",
	}
	switch kind {
	case "punch":
		m["action"] = "start"
	case "entry":
		m["start"], m["end"] = "2026-03-02T07:30:00Z", "2026-03-02T16:00:00.5Z"
		m["start_seq"], m["stop_seq"] = 3, 11
	case "event":
		m["event"] = "unknown_badge"
		m["detail"] = "badge not enrolled"
		delete(m, "email")
	case "retract":
		m["retracts"] = 9
		m["start"], m["end"] = "2026-03-02T07:30:00Z", "2026-03-02T16:00:00Z"
		m["detail"] = "a late tap changed the pairing"
		m["site_entry"] = "term-1:3-term-2:4"
	}
	return m
}

func marshal(t *testing.T, m map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// request is one webhook request; zero fields get valid values from send.
type request struct {
	method, path   string
	body           []byte
	ts             string // default testNow in Unix seconds
	sig            string // default signature(testSecret, ts, body)
	noSig, noTS    bool   // leave the header out
	key            string // default the body's idempotency_key
	ua, ctype      string
	secret         []byte
	signOtherBytes []byte // sign these instead of body
}

type answer struct {
	status int
	header http.Header
	body   string
}

func send(t *testing.T, s *Server, q request) answer {
	t.Helper()
	a, err := trySend(s, q)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func trySend(s *Server, q request) (answer, error) {
	if q.method == "" {
		q.method = http.MethodPost
	}
	if q.ts == "" {
		q.ts = strconv.FormatInt(testNow.Unix(), 10)
	}
	if q.secret == nil {
		q.secret = testSecret
	}
	if q.sig == "" {
		signed := q.body
		if q.signOtherBytes != nil {
			signed = q.signOtherBytes
		}
		q.sig = signature(q.secret, q.ts, signed)
	}
	if q.key == "" {
		var m struct {
			Key string `json:"idempotency_key"`
		}
		_ = json.Unmarshal(q.body, &m)
		q.key = m.Key
	}
	if q.ua == "" {
		q.ua = "stampclock/1.4.0"
	}
	if q.ctype == "" {
		q.ctype = "application/json"
	}
	url := s.URL()
	if q.path != "" {
		url = strings.TrimSuffix(url, s.opt.Path) + q.path
	}
	req, err := http.NewRequest(q.method, url, strings.NewReader(string(q.body)))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Content-Type", q.ctype)
	req.Header.Set("User-Agent", q.ua)
	if !q.noTS {
		req.Header.Set(HeaderTimestamp, q.ts)
	}
	if !q.noSig {
		req.Header.Set(HeaderSignature, q.sig)
	}
	req.Header.Set(HeaderIdempotency, q.key)
	resp, err := s.Client().Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}, nil
}

func newServer(t *testing.T, o Options) *Server {
	t.Helper()
	if o.Secret == nil {
		o.Secret = testSecret
	}
	if o.Now == nil {
		o.Now = fixedClock
	}
	return New(t, o)
}

func noViolations(t *testing.T, s *Server) {
	t.Helper()
	for _, v := range s.Violations() {
		t.Errorf("violation: %d %s: %s", v.Status, v.Key, v.Reason)
	}
}

func TestReceive_ValidRecordOfEachKind_StoredInArrivalOrder(t *testing.T) {
	s := newServer(t, Options{})
	kinds := []string{"punch", "entry", "event", "retract"}
	for i, kind := range kinds {
		m := baseRecord(kind)
		seq := 20 + i
		m["seq"], m["idempotency_key"] = seq, "term-1:"+strconv.Itoa(seq)
		if a := send(t, s, request{body: marshal(t, m)}); a.status != http.StatusOK {
			t.Fatalf("%s: %d %s", kind, a.status, a.body)
		}
	}
	noViolations(t, s)
	recs := s.Records()
	if len(recs) != len(kinds) {
		t.Fatalf("%d records stored, want %d", len(recs), len(kinds))
	}
	for i, r := range recs {
		if r.Kind != kinds[i] || r.Seq != int64(20+i) || r.DeviceID != "term-1" {
			t.Errorf("record %d: kind %s seq %d device %s", i, r.Kind, r.Seq, r.DeviceID)
		}
		if r.Timestamp != testNow.Unix() || r.UserAgent != "stampclock/1.4.0" || !r.Received.Equal(testNow) {
			t.Errorf("record %d: timestamp %d, user agent %q, received %v", i, r.Timestamp, r.UserAgent, r.Received)
		}
	}
	if recs[0].Action != "start" || recs[1].End != time.Date(2026, 3, 2, 16, 0, 0, 5e8, time.UTC) ||
		recs[1].StopSeq != 11 || recs[2].Event != "unknown_badge" || recs[3].Retracts != 9 {
		t.Errorf("decoded members wrong: %+v", recs)
	}
	if got := s.NumRequests(); got != len(kinds) {
		t.Errorf("NumRequests %d, want %d", got, len(kinds))
	}
}

func TestReceive_UnknownMembersAndOtherForms_Accepted(t *testing.T) {
	cases := map[string]func(m map[string]any){
		"unknown member":       func(m map[string]any) { m["firmware"] = map[string]any{"x": 1} },
		"offset +00:00":        func(m map[string]any) { m["at"] = "2026-03-02T07:30:00+00:00" },
		"schema 1.0, seq 12.0": func(m map[string]any) { m["schema"], m["seq"] = 1.0, json.Number("12.0") },
		"missing_stop with start": func(m map[string]any) {
			m["kind"], m["event"], m["start"], m["site_entry"] = "event", "missing_stop", "2026-03-01T07:00:00Z", "term-1:3-missing"
			delete(m, "action")
		},
		"device id with colon and dash": func(m map[string]any) {
			m["device_id"], m["idempotency_key"] = "hall:a-2", "hall:a-2:12"
		},
	}
	for name, mod := range cases {
		t.Run(name, func(t *testing.T) {
			s := newServer(t, Options{})
			m := baseRecord("punch")
			mod(m)
			if a := send(t, s, request{body: marshal(t, m)}); a.status != http.StatusOK {
				t.Fatalf("%d %s", a.status, a.body)
			}
			noViolations(t, s)
			if len(s.Records()) != 1 {
				t.Fatalf("%d records, want 1", len(s.Records()))
			}
		})
	}
}

func TestReceive_Timestamp_WindowIsSymmetricAndInclusive(t *testing.T) {
	s := newServer(t, Options{})
	for i, off := range []int64{-300, 300} {
		m := baseRecord("punch")
		seq := 30 + i
		m["seq"], m["idempotency_key"] = seq, "term-1:"+strconv.Itoa(seq)
		ts := strconv.FormatInt(testNow.Unix()+off, 10)
		if a := send(t, s, request{body: marshal(t, m), ts: ts}); a.status != http.StatusOK {
			t.Errorf("timestamp %+d s: %d %s", off, a.status, a.body)
		}
	}
	noViolations(t, s)
}

func TestReceive_WrongRequests_RefusedAndListed(t *testing.T) {
	valid := func(mod func(m map[string]any)) func(t *testing.T) []byte {
		return func(t *testing.T) []byte {
			m := baseRecord("punch")
			if mod != nil {
				mod(m)
			}
			return marshal(t, m)
		}
	}
	ts := func(off int64) string { return strconv.FormatInt(testNow.Unix()+off, 10) }
	cases := []struct {
		name   string
		body   func(t *testing.T) []byte
		q      request
		status int
		reason string
	}{
		{"signature with another secret", valid(nil), request{secret: []byte("another secret of 16+ bytes")}, 403, HeaderSignature},
		{"body changed after signing", valid(nil), request{signOtherBytes: []byte(`{"x":1}`)}, 403, HeaderSignature},
		{"upper-case hex", valid(nil), request{sig: "sha256=" + strings.ToUpper(signature(testSecret, ts(0), valid(nil)(t))[7:])}, 403, HeaderSignature},
		{"signature without sha256=", valid(nil), request{sig: signature(testSecret, ts(0), valid(nil)(t))[7:]}, 401, HeaderSignature},
		{"signature missing", valid(nil), request{noSig: true}, 401, HeaderSignature},
		{"timestamp 301 s old", valid(nil), request{ts: ts(-301)}, 403, HeaderTimestamp},
		{"timestamp 301 s ahead", valid(nil), request{ts: ts(301)}, 403, HeaderTimestamp},
		{"timestamp in milliseconds", valid(nil), request{ts: ts(0) + "000"}, 403, HeaderTimestamp},
		{"timestamp with sign", valid(nil), request{ts: "+" + ts(0)}, 401, HeaderTimestamp},
		{"key header not the body's", valid(nil), request{key: "term-1:13"}, 422, HeaderIdempotency},
		{"body key not device:seq", valid(func(m map[string]any) { m["idempotency_key"] = "term-1:11" }), request{}, 422, "idempotency_key"},
		{"missing clock_synced", valid(func(m map[string]any) { delete(m, "clock_synced") }), request{}, 422, "clock_synced"},
		{"kind not in enum", valid(func(m map[string]any) { m["kind"] = "tap" }), request{}, 422, "kind"},
		{"action not in enum", valid(func(m map[string]any) { m["action"] = "pause" }), request{}, 422, "action"},
		{"punch without action", valid(func(m map[string]any) { delete(m, "action") }), request{}, 422, "action"},
		{"action on an entry", valid(func(m map[string]any) {
			m["kind"], m["start"], m["end"] = "entry", "2026-03-02T07:30:00Z", "2026-03-02T08:30:00Z"
		}), request{}, 422, "action"},
		{"entry ends before it starts", valid(func(m map[string]any) {
			delete(m, "action")
			m["kind"], m["start"], m["end"] = "entry", "2026-03-02T07:30:00Z", "2026-03-02T06:30:00Z"
		}), request{}, 422, "end"},
		{"retract without start", valid(func(m map[string]any) {
			delete(m, "action")
			m["kind"], m["retracts"] = "retract", 3
		}), request{}, 422, "start"},
		{"retract of a later seq", valid(func(m map[string]any) {
			delete(m, "action")
			m["kind"], m["retracts"], m["start"] = "retract", 12, "2026-03-02T07:30:00Z"
		}), request{}, 422, "retracts"},
		{"time with offset", valid(func(m map[string]any) { m["at"] = "2026-03-02T09:30:00+02:00" }), request{}, 422, "UTC"},
		{"time not RFC 3339", valid(func(m map[string]any) { m["at"] = "2026-03-02 07:30:00" }), request{}, 422, "RFC 3339"},
		{"time that does not exist", valid(func(m map[string]any) { m["at"] = "2026-02-30T07:30:00Z" }), request{}, 422, "at"},
		{"seq as a string", valid(func(m map[string]any) { m["seq"] = "12" }), request{}, 422, "seq"},
		{"seq fractional", valid(func(m map[string]any) { m["seq"] = 12.5 }), request{}, 422, "seq"},
		{"schema 2", valid(func(m map[string]any) { m["schema"] = 2 }), request{}, 422, "schema"},
		{"null email", valid(func(m map[string]any) { m["email"] = nil }), request{}, 422, "email"},
		{"lower-case uid", valid(func(m map[string]any) { m["uid"] = "04a1" }), request{}, 422, "uid"},
		{"event type unknown", valid(func(m map[string]any) {
			delete(m, "action")
			m["kind"], m["event"] = "event", "door_open"
		}), request{}, 422, "event"},
		{"not JSON", func(*testing.T) []byte { return []byte(`{"schema":1,`) }, request{key: "term-1:12"}, 400, "JSON"},
		{"member twice", func(t *testing.T) []byte {
			b := valid(nil)(t)
			return append(b[:len(b)-1], []byte(`,"seq":12}`)...)
		}, request{}, 400, "twice"},
		{"two objects", func(t *testing.T) []byte { return append(valid(nil)(t), []byte(`{}`)...) }, request{key: "term-1:12"}, 400, "after"},
		{"content type", valid(nil), request{ctype: "text/plain"}, 415, "Content-Type"},
		{"user agent", valid(nil), request{ua: "Go-http-client/1.1"}, 400, "User-Agent"},
		{"wrong path", valid(nil), request{path: "/other"}, 404, "path"},
		{"PUT", valid(nil), request{method: http.MethodPut}, 405, "PUT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newServer(t, Options{})
			q := c.q
			q.body = c.body(t)
			a := send(t, s, q)
			if a.status != c.status {
				t.Errorf("status %d (%s), want %d", a.status, strings.TrimSpace(a.body), c.status)
			}
			if n := len(s.Records()); n != 0 {
				t.Errorf("%d records stored, want none", n)
			}
			vs := s.Violations()
			if len(vs) != 1 {
				t.Fatalf("%d violations, want 1: %+v", len(vs), vs)
			}
			if vs[0].Status != c.status || !strings.Contains(vs[0].Reason, c.reason) {
				t.Errorf("violation %d %q, want %d naming %q", vs[0].Status, vs[0].Reason, c.status, c.reason)
			}
		})
	}
}

func TestReceive_GetProbe_405WithoutViolation(t *testing.T) {
	s := newServer(t, Options{})
	a := send(t, s, request{method: http.MethodGet})
	if a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") != "POST" {
		t.Errorf("GET: %d, Allow %q; want 405, POST", a.status, a.header.Get("Allow"))
	}
	noViolations(t, s)
}

func TestReceive_RepeatSameKey_StoredOnceAnsweredAgain(t *testing.T) {
	s := newServer(t, Options{Status: http.StatusNoContent})
	body := marshal(t, baseRecord("punch"))
	for i := range 3 {
		// A retry is signed again, later: the same key, a new timestamp.
		ts := strconv.FormatInt(testNow.Unix()+int64(i), 10)
		if a := send(t, s, request{body: body, ts: ts}); a.status != http.StatusNoContent {
			t.Fatalf("attempt %d: %d %s", i, a.status, a.body)
		}
	}
	// The same content in another member order is the same record.
	reordered := []byte(`{"seq":12,` + strings.Replace(string(body), `"seq":12,`, "", 1)[1:])
	if string(reordered) == string(body) || !sameContent(reordered, body) {
		t.Fatalf("reordering failed: %s", reordered)
	}
	if a := send(t, s, request{body: reordered}); a.status != http.StatusNoContent {
		t.Fatalf("reordered: %d %s", a.status, a.body)
	}
	noViolations(t, s)
	if n := len(s.Records()); n != 1 {
		t.Errorf("%d records, want 1", n)
	}
	d := s.Duplicates()
	if len(d) != 3 {
		t.Fatalf("%d duplicates, want 3", len(d))
	}
	for _, x := range d {
		if x.Key != "term-1:12" || !x.SameBody {
			t.Errorf("duplicate %+v", x)
		}
	}
	if r, ok := s.Record("term-1:12"); !ok || r.Timestamp != testNow.Unix() {
		t.Errorf("stored record %+v, %v: want the first attempt's", r, ok)
	}
}

func TestReceive_RepeatSameKeyDifferentBody_FirstKeptViolation(t *testing.T) {
	s := newServer(t, Options{})
	first := baseRecord("punch")
	if a := send(t, s, request{body: marshal(t, first)}); a.status != http.StatusOK {
		t.Fatalf("first: %d %s", a.status, a.body)
	}
	second := baseRecord("punch")
	second["action"] = "stop"
	if a := send(t, s, request{body: marshal(t, second)}); a.status != http.StatusOK {
		t.Fatalf("second: %d %s", a.status, a.body)
	}
	recs := s.Records()
	if len(recs) != 1 || recs[0].Action != "start" {
		t.Fatalf("records %+v, want the first only", recs)
	}
	d := s.Duplicates()
	if len(d) != 1 || d[0].SameBody {
		t.Errorf("duplicates %+v, want one with a different body", d)
	}
	vs := s.Violations()
	if len(vs) != 1 || vs[0].Key != "term-1:12" || !strings.Contains(vs[0].Reason, "different body") {
		t.Errorf("violations %+v, want one for the different body", vs)
	}
}

func TestReceive_ConflictStatus_AnswersADifferentBody(t *testing.T) {
	s := newServer(t, Options{ConflictStatus: http.StatusUnprocessableEntity})
	send(t, s, request{body: marshal(t, baseRecord("punch"))})
	m := baseRecord("punch")
	m["email"] = "other@example.com"
	if a := send(t, s, request{body: marshal(t, m)}); a.status != http.StatusUnprocessableEntity {
		t.Errorf("different body: %d, want 422", a.status)
	}
}

func TestFaults_AnswerLostAfterStoring_RepeatFindsIt(t *testing.T) {
	s := newServer(t, Options{})
	body := marshal(t, baseRecord("punch"))
	s.DropAnswers(s.Route(), 1)
	if _, err := trySend(s, request{body: body}); err == nil {
		t.Fatal("answer arrived, want a dropped connection")
	}
	if n := len(s.Records()); n != 1 {
		t.Fatalf("%d records after the lost answer, want 1 (stored before the drop)", n)
	}
	if a := send(t, s, request{body: body}); a.status != http.StatusOK {
		t.Fatalf("repeat: %d", a.status)
	}
	if n, d := len(s.Records()), len(s.Duplicates()); n != 1 || d != 1 {
		t.Errorf("%d records, %d duplicates; want 1, 1", n, d)
	}
	noViolations(t, s)
}

func TestFaults_StatusesAndDown_NothingStored(t *testing.T) {
	s := newServer(t, Options{})
	body := marshal(t, baseRecord("punch"))
	s.FailNextHeader(s.Route(), 1, http.StatusTooManyRequests, http.Header{"Retry-After": {"7"}})
	s.FailNext(s.Route(), 1, http.StatusConflict)
	s.FailNext("", 1, http.StatusBadGateway)
	a := send(t, s, request{body: body})
	if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") != "7" {
		t.Errorf("first: %d Retry-After %q, want 429 7", a.status, a.header.Get("Retry-After"))
	}
	if a := send(t, s, request{body: body}); a.status != http.StatusConflict {
		t.Errorf("second: %d, want 409", a.status)
	}
	if a := send(t, s, request{body: body}); a.status != http.StatusBadGateway {
		t.Errorf("third: %d, want 502", a.status)
	}
	s.SetDown(true)
	if a := send(t, s, request{body: body}); a.status != http.StatusServiceUnavailable {
		t.Errorf("down: %d, want 503", a.status)
	}
	if n := len(s.Records()); n != 0 {
		t.Fatalf("%d records stored by faulted requests, want 0", n)
	}
	s.SetDown(false)
	if a := send(t, s, request{body: body}); a.status != http.StatusOK {
		t.Errorf("up again: %d", a.status)
	}
	if n, r := len(s.Records()), s.NumRequests(); n != 1 || r != 1 {
		t.Errorf("%d records, %d requests handled; want 1, 1", n, r)
	}
	if got := len(s.Requests()); got != 5 {
		t.Errorf("request log holds %d, want 5", got)
	}
	noViolations(t, s)
}

func TestServer_HTTPSByDefault_PlainHTTPOnRequest(t *testing.T) {
	s := newServer(t, Options{})
	if !strings.HasPrefix(s.URL(), "https://") || len(s.CertificatePEM()) == 0 {
		t.Errorf("URL %s, certificate %d bytes; want https with a certificate", s.URL(), len(s.CertificatePEM()))
	}
	if _, err := http.Post(s.URL(), "application/json", strings.NewReader("{}")); err == nil {
		t.Error("a client that does not trust the fake's certificate got an answer")
	}
	p := newServer(t, Options{PlainHTTP: true})
	if !strings.HasPrefix(p.URL(), "http://") || p.CertificatePEM() != nil {
		t.Errorf("PlainHTTP: URL %s", p.URL())
	}
	if a := send(t, p, request{body: marshal(t, baseRecord("punch"))}); a.status != http.StatusOK {
		t.Errorf("PlainHTTP: %d %s", a.status, a.body)
	}
}

func TestNew_WithoutSecret_Panics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Error("New without a secret did not panic")
		}
	}()
	New(t, Options{})
}

func TestReceive_SameKeyAtOnce_StoredOnce(t *testing.T) {
	s := newServer(t, Options{})
	body := marshal(t, baseRecord("entry"))
	const n = 8
	statuses := make(chan int, n)
	for range n {
		go func() {
			a, err := trySend(s, request{body: body})
			if err != nil {
				statuses <- 0
				return
			}
			statuses <- a.status
		}()
	}
	for range n {
		if st := <-statuses; st != http.StatusOK {
			t.Errorf("status %d, want 200", st)
		}
	}
	if r, d := len(s.Records()), len(s.Duplicates()); r != 1 || d != n-1 {
		t.Errorf("%d records, %d duplicates; want 1, %d", r, d, n-1)
	}
	noViolations(t, s)
}

func TestOptions_PathAndTolerance(t *testing.T) {
	s := newServer(t, Options{Path: "/hooks/in", Tolerance: 30 * time.Second})
	if !strings.HasSuffix(s.URL(), "/hooks/in") || s.Route() != "POST /hooks/in" {
		t.Fatalf("URL %s, route %s", s.URL(), s.Route())
	}
	body := marshal(t, baseRecord("punch"))
	if a := send(t, s, request{body: body, ts: strconv.FormatInt(testNow.Unix()-31, 10)}); a.status != http.StatusForbidden {
		t.Errorf("31 s old with a 30 s tolerance: %d, want 403", a.status)
	}
	if a := send(t, s, request{body: body, ts: strconv.FormatInt(testNow.Unix()-30, 10)}); a.status != http.StatusOK {
		t.Errorf("30 s old: %d %s", a.status, a.body)
	}
	if a := send(t, s, request{body: body, path: "/stampclock"}); a.status != http.StatusNotFound {
		t.Errorf("default path on a moved receiver: %d, want 404", a.status)
	}
}

func TestRecords_KeepUnknownMembersAndExactBody(t *testing.T) {
	s := newServer(t, Options{})
	body := []byte(`{"schema":1, "idempotency_key":"t:1", "device_id":"t", "seq":1, "kind":"punch",
		"at":"2026-03-02T07:30:00Z", "clock_synced":false, "action":"stop", "zone":"hall B"}`)
	if a := send(t, s, request{body: body}); a.status != http.StatusOK {
		t.Fatalf("%d %s", a.status, a.body)
	}
	r, ok := s.Record("t:1")
	if !ok || string(r.Body) != string(body) || string(r.Members["zone"]) != `"hall B"` || r.ClockSynced || r.Action != "stop" {
		t.Errorf("record %+v", r)
	}
}

func TestReceive_RetractOfAStoredRecord_MustRepeatIt(t *testing.T) {
	entry := baseRecord("entry")
	entry["seq"], entry["idempotency_key"] = 9, "term-1:9"
	punch := baseRecord("punch")
	punch["seq"], punch["idempotency_key"] = 8, "term-1:8"
	cases := []struct {
		name   string
		mod    func(m map[string]any)
		status int
	}{
		{"repeats email, start, end", func(m map[string]any) { m["end"] = entry["end"] }, http.StatusOK},
		{"another start", func(m map[string]any) { m["end"], m["start"] = entry["end"], "2026-03-02T07:31:00Z" }, 422},
		{"no email", func(m map[string]any) { m["end"] = entry["end"]; delete(m, "email") }, 422},
		{"withdraws a punch", func(m map[string]any) { m["end"], m["retracts"] = entry["end"], 8 }, 422},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newServer(t, Options{})
			for _, m := range []map[string]any{punch, entry} {
				if a := send(t, s, request{body: marshal(t, m)}); a.status != http.StatusOK {
					t.Fatalf("%s: %d %s", m["kind"], a.status, a.body)
				}
			}
			m := baseRecord("retract")
			c.mod(m)
			a := send(t, s, request{body: marshal(t, m)})
			if a.status != c.status {
				t.Errorf("retract: %d %s, want %d", a.status, strings.TrimSpace(a.body), c.status)
			}
			if got, want := len(s.Violations()), map[bool]int{true: 0, false: 1}[c.status == http.StatusOK]; got != want {
				t.Errorf("%d violations, want %d: %+v", got, want, s.Violations())
			}
		})
	}
}

func TestWaitRecords_ReturnsOnceStoredOrAfterTimeout(t *testing.T) {
	s := newServer(t, Options{})
	done := make(chan error, 1)
	go func() {
		recs, err := s.WaitRecords(2, time.Minute)
		if err == nil && len(recs) != 2 {
			err = errors.New("wrong number of records")
		}
		done <- err
	}()
	for i := range 2 {
		m := baseRecord("punch")
		m["seq"], m["idempotency_key"] = i+1, "term-1:"+strconv.Itoa(i+1)
		send(t, s, request{body: marshal(t, m)})
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if recs, err := s.WaitRecords(3, time.Millisecond); err == nil || len(recs) != 2 {
		t.Errorf("WaitRecords(3) with 2 stored: %d records, %v; want 2 and an error", len(recs), err)
	}
}
