package strict

import (
	"net/http"
	"strings"
	"testing"
)

func TestMediaType(t *testing.T) {
	for ct, ok := range map[string]bool{
		"application/json":                   true,
		"application/json; charset=utf-8":    true,
		"application/json; charset=UTF-8":    true,
		"application/json; charset=latin1":   false,
		"text/plain":                         false,
		"":                                   false,
		"application/json;;":                 false,
		"application/ld+json; charset=utf-8": true,
	} {
		r, _ := http.NewRequest("POST", "/", nil)
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		if err := MediaType(r, "application/json", "application/ld+json"); (err == nil) != ok {
			t.Errorf("%q: err %v, want ok=%v", ct, err, ok)
		}
	}
}

func TestParseObject(t *testing.T) {
	for body, want := range map[string]string{
		`{"a": "x", "b": 1}`:   "",
		`{"a": "x", "a": "y"}`: "given twice",
		`{"a": "x"} {}`:        "data after",
		`{"a": "x", "c": 1}`:   "unknown member(s) c",
		`["a"]`:                "not a JSON object",
		`{"a": }`:              "member",
		``:                     "not JSON",
		`{"a": "x"`:            "not JSON",
	} {
		_, err := ParseObject([]byte(body), "a", "b")
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: err %v, want %q", body, err, want)
		}
	}
}

func TestString(t *testing.T) {
	m, err := ParseObject([]byte(`{"s": "v", "n": null, "i": 1}`), "s", "n", "i")
	if err != nil {
		t.Fatal(err)
	}
	if v, ok, err := String(m, "s"); v != "v" || !ok || err != nil {
		t.Errorf("s: %q %v %v", v, ok, err)
	}
	if _, ok, err := String(m, "missing"); ok || err != nil {
		t.Errorf("missing: %v %v", ok, err)
	}
	for _, k := range []string{"n", "i"} {
		if _, _, err := String(m, k); err == nil {
			t.Errorf("%s accepted as a string", k)
		}
	}
}

func TestBearer(t *testing.T) {
	for v, want := range map[string]string{
		"Bearer abc":  "abc",
		"Bearer  abc": "",
		"bearer abc":  "",
		"Bearer ":     "",
		"abc":         "",
		"Bearer a b":  "",
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", v)
		tok, err := Bearer(r, "Authorization", "Bearer")
		if tok != want || (want == "") != (err != nil) {
			t.Errorf("%q: %q %v, want %q", v, tok, err, want)
		}
	}
	r, _ := http.NewRequest("GET", "/", nil)
	r.Header.Set("X-Token", "raw")
	if tok, err := Bearer(r, "X-Token", ""); tok != "raw" || err != nil {
		t.Errorf("bare token: %q %v", tok, err)
	}
}
