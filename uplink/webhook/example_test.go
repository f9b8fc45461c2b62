package webhook_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"stampclock/uplink/webhook"
)

// A receiver checks the signature and the timestamp before it trusts the
// body, and stores a record once by its Idempotency-Key.
func ExampleVerify() {
	secret := []byte("0123456789abcdef0123456789abcdef")
	stored := map[string]bool{}
	receive := func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		if err := webhook.Verify(secret, r.Header.Get(webhook.TimestampHeader), r.Header.Get(webhook.SignatureHeader), body, time.Now(), 5*time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		key := r.Header.Get(webhook.IdempotencyHeader)
		if !stored[key] {
			stored[key] = true // store body here
		}
		w.WriteHeader(http.StatusNoContent)
	}

	body := `{"schema":1,"idempotency_key":"term-1:7"}`
	ts := fmt.Sprint(time.Now().Unix())
	for _, sig := range []string{webhook.Sign(secret, ts, []byte(body)), "sha256=00"} {
		r := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(body))
		r.Header.Set(webhook.TimestampHeader, ts)
		r.Header.Set(webhook.SignatureHeader, sig)
		r.Header.Set(webhook.IdempotencyHeader, "term-1:7")
		w := httptest.NewRecorder()
		receive(w, r)
		fmt.Println(w.Code)
	}
	// Output:
	// 204
	// 401
}
