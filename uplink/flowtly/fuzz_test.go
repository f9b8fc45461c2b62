package flowtly

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParseList(f *testing.F) {
	f.Add([]byte(`{"hydra:member":[{"@id":"/api/employee_working_hours/1","id":1,"employee":"/api/employees/e","project":{"@id":"/api/projects/p"},"date":"2024-07-04T00:00:00+00:00","seconds":27000,"description":null}],"hydra:view":{"hydra:next":"/employee_working_hours?page=2"}}`))
	f.Add([]byte(`{"member":[],"view":{}}`))
	f.Add([]byte(`[{"seconds":1.5}]`))
	f.Add([]byte(`[{"id":"x","seconds":"12"}]`))
	f.Add([]byte(`{"hydra:member":null}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, b []byte) {
		items, next, err := ParseList(b)
		if err != nil && (items != nil || next != "") {
			t.Fatalf("error %v with results %v %q", err, items, next)
		}
	})
}

func FuzzParseErrorBody(f *testing.F) {
	f.Add([]byte(`{"violations":[{"propertyPath":"seconds","message":"This value should be positive."}]}`))
	f.Add([]byte(`{"hydra:description":"Item not found for \"/api/employees/x\"."}`))
	f.Add([]byte(`{"detail":"x","title":"y"}`))
	f.Add([]byte(`{"violations":[1]}`))
	f.Add([]byte("\xff\xfe" + strings.Repeat("é", 400)))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := ParseErrorBody(b)
		if !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8 %q", s)
		}
		if len(s) > maxMsg+len("…") {
			t.Fatalf("message of %d bytes", len(s))
		}
	})
}

func TestParseErrorBody(t *testing.T) {
	for body, want := range map[string]string{
		`{"violations":[{"propertyPath":"seconds","message":"This value should be positive."},{"propertyPath":"","message":"Bad."}]}`: "seconds: This value should be positive.; Bad.",
		`{"@type":"hydra:Error","hydra:title":"An error occurred","hydra:description":"Invalid IRI \"x\"."}`:                          `Invalid IRI "x".`,
		`{"title":"Not Found","detail":"No route found"}`:                                                                             "No route found",
		`{"code":401,"message":"Invalid JWT Token"}`:                                                                                  "Invalid JWT Token",
		"  plain text  ": "plain text",
		"":               "",
	} {
		if got := ParseErrorBody([]byte(body)); got != want {
			t.Errorf("ParseErrorBody(%s) = %q, want %q", body, got, want)
		}
	}
}

func TestSameDate(t *testing.T) {
	for _, c := range []struct {
		server string
		want   bool
	}{
		{"2024-07-04T00:00:00+00:00", true},
		{"2024-07-04T02:00:00+02:00", true},
		{"2024-07-04T00:00:00+02:00", true},
		{"2024-07-04", true},
		{"2024-07-03T00:00:00+00:00", false},
		{"2024-07-040", false},
		{"", false},
	} {
		if got := sameDate(c.server, "2024-07-04T00:00:00+00:00"); got != c.want {
			t.Errorf("sameDate(%q) = %v", c.server, got)
		}
	}
}
