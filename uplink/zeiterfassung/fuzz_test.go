package zeiterfassung_test

import (
	"strings"
	"testing"

	"stampclock/uplink/zeiterfassung"
)

func FuzzParseLoginBody(f *testing.F) {
	for _, s := range []string{
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
		`"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"`,
		" \"eyJ.a.b\"\n",
		`{"token":"eyJ.a.b"}`,
		`""`, `"\u0000"`, `"a b"`, "", `{`, `"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tok, err := zeiterfassung.ParseLoginBody(b)
		if err != nil {
			return
		}
		if tok == "" || strings.ContainsAny(tok, " \t\r\n\x00") {
			t.Fatalf("ParseLoginBody(%q) = %q: unusable token accepted", b, tok)
		}
	})
}

func FuzzParseEntries(f *testing.F) {
	for _, s := range []string{
		`[{"id": "876b36db-2047-4f56-ab76-98221ca42600", "starttime": "2016-06-18T00:00:00",
"endtime": "2016-06-19T00:00:00", "useremail": "admin@somedomain.com",
"timetypeid": "56941eee-86a7-4a8d-8af1-f78b0a688f32",
"projectid": "693fe9a3-bb48-4763-bb20-5fd9fa4ffeb2"}]`,
		`[]`, `[{"id": 17}]`, `[null]`, `null`, `[{"id": "1", "starttime": `,
		`[{"2b301fbc-9594-4bdf-abc4-6cd77714134d"}]`, `{"a":1}`, `[1, "x"]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		list, err := zeiterfassung.ParseEntries(b)
		if err == nil && list == nil {
			t.Fatalf("ParseEntries(%q): nil list without error", b)
		}
		zeiterfassung.ParseUsers(b)
	})
}
