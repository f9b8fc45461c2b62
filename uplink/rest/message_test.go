package rest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"stampclock/uplink/rest"
)

func TestText_CutInBytesAtARuneBoundary(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		max      int
		want     string
	}{
		{"short", "  fine \n", 10, "fine"},
		{"exact", "abcde", 5, "abcde"},
		{"ascii cut", "abcdef", 5, "abcde…"},
		// "ä" is two bytes: five bytes hold two of them, not half a third.
		{"no half rune", "äääää", 5, "ää…"},
		{"invalid bytes", "a\xffb\xfe", 10, "a?b?"},
		{"control characters", "a\x1b[31mb\x7fc\u0085d", 20, "a [31mb c d"},
		{"lines", "first\r\nsecond", 20, "first  second"},
	} {
		got := rest.Text(tc.in, tc.max)
		if got != tc.want {
			t.Errorf("%s: Text(%q, %d) = %q, want %q", tc.name, tc.in, tc.max, got, tc.want)
		}
		if b := rest.Text([]byte(tc.in), tc.max); b != got {
			t.Errorf("%s: Text of the bytes = %q, of the string %q", tc.name, b, got)
		}
	}
}

// Whatever the receiver sends, the line is valid UTF-8 of at most max
// bytes plus the cut mark, without a control character.
func FuzzText(f *testing.F) {
	f.Add([]byte("\xff\xfe"+strings.Repeat("é", 400)), 100)
	f.Add([]byte("a\nb"), 1)
	f.Fuzz(func(t *testing.T, b []byte, max int) {
		if max < 0 || max > 1<<12 {
			return
		}
		s := rest.Text(b, max)
		if !utf8.ValidString(s) || len(s) > max+len("…") {
			t.Fatalf("Text(%q, %d) = %q (%d bytes)", b, max, s, len(s))
		}
		if strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			t.Fatalf("Text(%q, %d) = %q holds a control character", b, max, s)
		}
	})
}

func TestMessage_FirstNonBlankFieldElseBody(t *testing.T) {
	keys := []string{"message", "error", "error.message"}
	for _, tc := range []struct{ body, want string }{
		{`{"message":"Zeitraum gesperrt","error":"locked"}`, "Zeitraum gesperrt"},
		{`{"message":"  ","error":"locked"}`, "locked"},
		{`{"message":7,"error":"locked"}`, "locked"},
		{`{"error":{"message":" token expired ","code":401}}`, "token expired"},
		{`{"error":{"code":401}}`, `{"error":{"code":401}}`},
		{`{"status":500}`, `{"status":500}`},
		{"<html>\n<body>Bad Gateway</body>\n</html>", "<html> <body>Bad Gateway</body> </html>"},
		{`["message"]`, `["message"]`},
		{"", ""},
		{`{"message":"` + strings.Repeat("x", 60) + `"}`, strings.Repeat("x", 50) + "…"},
	} {
		if got := rest.Message([]byte(tc.body), 50, keys...); got != tc.want {
			t.Errorf("Message(%s) = %q, want %q", tc.body, got, tc.want)
		}
	}
	if got := rest.Message([]byte(`{"message":"m"}`), 100); got != `{"message":"m"}` {
		t.Errorf("no keys: got %q, want the body", got)
	}
	if got := rest.Message([]byte(`{"a.b":"dotted","a":{"b":"nested"}}`), 100, "a.b"); got != "dotted" {
		t.Errorf("a key with a dot that is a field: got %q, want the field", got)
	}
}

func TestAnswerMessage_StatusTextWhenNone(t *testing.T) {
	a := &rest.Answer{Status: http.StatusBadGateway, Body: []byte(" \n ")}
	if got := a.Message(100, "message"); got != "Bad Gateway" {
		t.Errorf("blank body: got %q, want the status text", got)
	}
	a.Body = []byte(`{"message":"upstream down"}`)
	if got := a.Message(100, "message"); got != "upstream down" {
		t.Errorf("got %q, want the message", got)
	}
}

// A redirect reads the same from every client: where to, and what to
// check; the receiver's own message is not kept.
func TestClassify_RedirectWording(t *testing.T) {
	c, err := rest.New(rest.Options{BaseURL: "https://example.test"})
	if err != nil {
		t.Fatal(err)
	}
	a := &rest.Answer{Status: http.StatusFound, Header: http.Header{"Location": {"https://other.example.test/api"}}}
	e := c.Classify(a, "Found")
	if want := "redirected to https://other.example.test/api (check the URL)"; e == nil || e.Msg != want || e.Status != http.StatusFound {
		t.Fatalf("got %v, want status 302 with %q", e, want)
	}
}

// An uplink names the fields its receiver's error answers use; a body
// without them is shown as it is, on one line.
func ExampleMessage() {
	fmt.Println(rest.Message([]byte(`{"status":400,"message":"starttime hat ein ungültiges Format"}`), 200, "message", "error"))
	fmt.Println(rest.Message([]byte("<html>\n<h1>Bad Gateway</h1>\n</html>"), 20, "message", "error"))
	// Output:
	// starttime hat ein ungültiges Format
	// <html> <h1>Bad Gatew…
}
