package uplink_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"stampclock/uplink"
)

// globals accepts as an email what has an @ between two non-empty parts.
var globals = uplink.Globals{ValidEmail: func(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at < len(s)-1
}}

func TestCheckIDs_TableOfEmails(t *testing.T) {
	errBad := errors.New("bad")
	check := func(id string) error {
		if id == "x" {
			return fmt.Errorf("%q; want no x: %w", id, errBad)
		}
		return nil
	}
	for _, tc := range []struct {
		name string
		m    map[string]string
		want string // "" for no error
	}{
		{"fine", map[string]string{"a@example.com": "1", "b@example.com": "2"}, ""},
		{"empty", nil, `people: required, at least one email = person id`},
		{"not an email", map[string]string{"maier": "1"}, `people: "maier" is not an email address`},
		{"bad id", map[string]string{"a@example.com": "x"}, `people."a@example.com": "x"; want no x: bad`},
		{"same email in another case", map[string]string{"a@example.com": "1", "A@Example.com": "2"}, `people: "A@Example.com" and "a@example.com" are the same email`},
		// Rows are checked in key order, so the first problem is the same
		// on every run.
		{"first problem in key order", map[string]string{"b@example.com": "x", "a": "1"}, `people: "a" is not an email address`},
	} {
		err := uplink.CheckIDs(globals, "people", "person id", tc.m, check)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
	err := uplink.CheckIDs(globals, "people", "person id", map[string]string{"a@example.com": "x"}, check)
	if !errors.Is(err, errBad) {
		t.Errorf("got %v; want the check's error wrapped", err)
	}
}

func TestCheckIntIDs_PositiveIDs(t *testing.T) {
	if err := globals.CheckIntIDs("blikk.users", "Blikk user id", map[string]int{"a@example.com": 7}); err != nil {
		t.Errorf("positive id: %v", err)
	}
	for id, want := range map[int]string{
		0:  `blikk.users."a@example.com": 0; want a positive Blikk user id`,
		-3: `blikk.users."a@example.com": -3; want a positive Blikk user id`,
	} {
		if err := globals.CheckIntIDs("blikk.users", "Blikk user id", map[string]int{"a@example.com": id}); err == nil || err.Error() != want {
			t.Errorf("id %d: got %v, want %q", id, err, want)
		}
	}
}
