package zeiterfassung

import (
	"net/http"
	"testing"
	"time"
	"unicode/utf8"

	"stampclock/uplink"
	"stampclock/uplink/rest"
)

// FuzzErrorAnswer feeds arbitrary error answers (status and body) to the
// classification that decides retry, reconcile or dead letter: it must never
// panic, always pick a class, and keep the message short and valid UTF-8.
func FuzzErrorAnswer(f *testing.F) {
	f.Add(400, []byte(`{"status":400,"message":"starttime hat ein ungültiges Format"}`))
	f.Add(422, []byte(`{"error":"Zeitart unbekannt"}`))
	f.Add(503, []byte("Service Unavailable"))
	f.Add(429, []byte(""))
	f.Add(500, []byte("<html><body>Internal Server Error</body></html>"))
	f.Add(404, []byte{0xff, 0xfe, 0x00})
	c, err := New(Options{BaseURL: "https://zeit.example.com", Email: "admin@example.com", TimeTypeID: "Arbeitszeit", Location: time.UTC})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 300 || status > 599 {
			return
		}
		e := c.statusError(&rest.Answer{Status: status, Header: http.Header{"Retry-After": {string(body)}}, Body: body})
		if e.Class != uplink.Retry && e.Class != uplink.Uncertain && e.Class != uplink.Permanent {
			t.Fatalf("status %d: class %v", status, e.Class)
		}
		if !utf8.ValidString(e.Msg) || len(e.Msg) > 4*maxMsg {
			t.Fatalf("status %d: message %q", status, e.Msg)
		}
	})
}
