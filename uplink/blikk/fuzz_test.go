package blikk_test

import (
	"strings"
	"testing"

	"stampclock/uplink/blikk"
)

func FuzzParseToken(f *testing.F) {
	for _, s := range []string{
		`{ "objectName": "auth.token", "accessToken": "pk_00000000-0000-0000-0000-000000000000.pa_00000000-0000-0000-0000-000000000000", "expires": "2022-07-01 05:43:12 +00:00" }`,
		`{"accessToken":"pk_a.pa_b","expires":"2026-06-10T08:00:00Z"}`,
		`{"accessToken":"pk_a.pa_b","expires":null}`,
		`{"accessToken":"pk_a.pa_b"}`,
		`{"accessToken":"pk_a.pa_b","expires":"tomorrow"}`,
		`{"accessToken":""}`, `{"accessToken":"a b"}`, `{"accessToken":"\u0000"}`, `{"accessToken":17}`,
		`{"message":"Invalid application id or secret"}`, `null`, `[]`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tok, err := blikk.ParseToken(b)
		if err != nil {
			return
		}
		if tok.AccessToken == "" || strings.ContainsAny(tok.AccessToken, " \t\r\n\x00") {
			t.Fatalf("ParseToken(%q) = %q: unusable token accepted", b, tok.AccessToken)
		}
	})
}

func FuzzParseErrorBody(f *testing.F) {
	for _, s := range []string{
		`{ "message": "The request is invalid.", "modelState": { "page": [ "The field Page must be greater than or equal to 1." ] } }`,
		`{ "waitInSeconds": 1 }`,
		`{ "message": "Invalid token" }`,
		`{ "message": "You dont have the nessecery permissions to perform this action", "ipAddressAllowed": true, "permissionsRequired": [ "Contact_read" ] }`,
		`{ "message": "An unexpected error has occurred.", "requestId": "r-0fbf44e8-afb8-42be-ae69-55c8bc03311b" }`,
		`{"waitInSeconds": -5}`, `{"waitInSeconds": 1e300}`, `{"modelState": {"": ["x"], "a": null}}`,
		`{"modelState": {"a": "not a list"}}`, `<html>Bad gateway</html>`, ``, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		eb, err := blikk.ParseErrorBody(b)
		if err != nil {
			return
		}
		if eb.WaitInSeconds < 0 || eb.WaitInSeconds > 1e6 {
			t.Fatalf("ParseErrorBody(%q): waitInSeconds %v out of range", b, eb.WaitInSeconds)
		}
		_ = eb.String()
	})
}

func FuzzParseReports(f *testing.F) {
	for _, s := range []string{
		`{ "objectName": "generic.pagedlist", "page": 1, "pageSize": 25, "itemCount": 1, "totalItemCount": 1, "totalPages": 1, "items": [ { "objectName": "timereport.list", "id": 270, "date": "2021-08-30", "clockStart": null, "clockEnd": null, "hours": 8.0, "invoiceableHours": 7.0, "breakMinutes": null, "user": { "objectName": "generic.name_id", "id": 1, "name": "John Doe" }, "activity": { "objectName": "generic.name_id", "id": 34, "name": "Project management" } } ] }`,
		`{ "objectName": "generic.pagedlist", "page": 1, "pageSize": 25, "itemCount": 0, "totalItemCount": 1, "totalPages": 1, "items": [] }`,
		`{"items":[{"id":"x"}]}`, `{"items":null}`, `[]`, `{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		list, err := blikk.ParseReports(b)
		if err == nil && list == nil {
			t.Fatalf("ParseReports(%q): nil list without error", b)
		}
	})
}
