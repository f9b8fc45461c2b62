package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"stampclock/apifake/fault"
	"stampclock/apifake/webhook"
)

// A terminal POSTs a punch and loses the answer, although the receiver
// stored it; it sends the record again under the same key, and the
// receiver answers 2xx without storing it twice.
func Example() {
	env := &fault.Standalone{}
	defer env.Close()
	secret := []byte("0123456789abcdef0123456789abcdef")
	now := time.Date(2026, 3, 2, 7, 30, 5, 0, time.UTC)
	s := webhook.New(env, webhook.Options{Secret: secret, Now: func() time.Time { return now }})

	body := `{"schema":1,"idempotency_key":"term-1:7","device_id":"term-1","seq":7,"kind":"punch",` +
		`"at":"2026-03-02T07:30:00Z","clock_synced":true,"uid":"04A1B2C3","action":"start"}`
	post := func() (int, error) {
		ts := strconv.FormatInt(now.Unix(), 10)
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(ts + "." + body))
		req, _ := http.NewRequest("POST", s.URL(), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Stampclock-Timestamp", ts)
		req.Header.Set("X-Stampclock-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
		req.Header.Set("Idempotency-Key", "term-1:7")
		req.Header.Set("User-Agent", "stampclock/1.0")
		resp, err := s.Client().Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}

	s.DropAnswers(s.Route(), 1)
	_, err := post()
	fmt.Println("answer lost:", err != nil)
	fmt.Println(post())
	fmt.Println("records:", len(s.Records()), "duplicates:", len(s.Duplicates()), "violations:", len(s.Violations()))
	// Output:
	// answer lost: true
	// 200 <nil>
	// records: 1 duplicates: 1 violations: 0
}
