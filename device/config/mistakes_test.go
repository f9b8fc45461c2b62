package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A technician's likely mistakes in the config file, each refused with one
// line naming the file, the line or key and what was expected.
func TestParse_TechnicianMistakes_ClearErrors(t *testing.T) {
	const zeit = `
[zeiterfassung]
url = "https://zeit.example.com"
email = "admin@example.com"
password = "pw"
timetype_id = "arbeitszeit"
`
	for _, tc := range []struct {
		name, text string
		want       []string // every one in the error
		notWant    string   // not in the error
	}{
		{
			name: "number where text is wanted",
			text: "[device]\nid = 5\n",
			want: []string{"config f.toml: line 2: device.id: want text in quotes", "got a whole number (id = 5)"},
		},
		{
			name: "text where a number is wanted",
			text: minimal + "size_limit_mb = \"100\"\n",
			want: []string{"line 6: store.size_limit_mb: want a whole number without quotes, got text in quotes (size_limit_mb = \"100\")"},
		},
		{
			name: "number where text is wanted, in an uplink's section",
			text: minimal + strings.Replace(zeit, `timetype_id = "arbeitszeit"`, "timetype_id = 1", 1),
			want: []string{"config f.toml: line 11: zeiterfassung.timetype_id: want text in quotes", "(timetype_id = 1)"},
			// Was: "zeiterfassung: toml: line 11 (last key …): incompatible types: TOML value has type int64; destination has type string".
			notWant: "incompatible types",
		},
		{
			name:    "a quoted true in an uplink's section",
			text:    minimal + zeit + "allow_http = \"true\"\n",
			want:    []string{"line 12: zeiterfassung.allow_http: want true or false, without quotes, got text in quotes"},
			notWant: "(last key",
		},
		{
			name:    "a bare number as a duration in an uplink's section",
			text:    minimal + zeit + "timeout = 5\n",
			want:    []string{"config f.toml: line 12: zeiterfassung.timeout: want a duration like \"60s\""},
			notWant: "(last key",
		},
		{
			name:    "[badge] instead of [[badge]]",
			text:    minimal + "[badge]\nuid = \"04A1B2C3\"\nemail = \"maier@example.com\"\n",
			want:    []string{"line 6: badge: write each badge as [[badge]] (two brackets), not [badge]"},
			notWant: "map[string]",
		},
		{
			name:    "a number in a reader's section given as text",
			text:    minimal + "[reader]\ntype = \"mfrc522\"\n[reader.mfrc522]\nspi_speed_hz = \"4MHz\"\n",
			want:    []string{"line 9: reader.mfrc522.spi_speed_hz: want a whole number without quotes"},
			notWant: "(last key",
		},
		{
			// Was accepted: the metrics endpoint retried "lookup tcp/abc: unknown port" every 5 s.
			name: "metrics port not a number",
			text: minimal + "[metrics]\nlisten = \"127.0.0.1:abc\"\n",
			want: []string{`metrics.listen: "127.0.0.1:abc": port "abc" is not a number from 1 to 65535`},
		},
		{
			// Was accepted: stampd failed at start with "web: listen on …: unknown port".
			name: "web port a mistyped service name",
			text: minimal + "[web]\nlisten = \":htps\"\n",
			want: []string{`web.listen: ":htps": port "htps" is not a number`},
		},
		{
			name: "web port out of range",
			text: minimal + "[web]\nlisten = \":84430\"\n",
			want: []string{`web.listen: ":84430": port "84430"`},
		},
		{
			// Was accepted: the store was opened relative to the directory
			// stampd was started in, / under systemd.
			name: "relative store path",
			text: "[store]\npath = \"queue.db\"\n",
			want: []string{`store.path: "queue.db" is a relative path; write it in full (like "/var/lib/stampclock/queue.db")`},
		},
		{
			name: "relative socket path",
			text: minimal + "[control]\nsocket = \"run/stampd.sock\"\n",
			want: []string{`control.socket: "run/stampd.sock" is a relative path`},
		},
		{
			name: "one UID in two spellings",
			text: minimal + "[[badge]]\nuid = \"04a1b2c3\"\nemail = \"maier@example.com\"\n[[badge]]\nuid = \"04:A1:B2:C3\"\nemail = \"huber@example.com\"\n",
			want: []string{"badge[1].uid: 04A1B2C3 is already badge[0]"},
		},
		{
			// Was read from the directory stampd started in: `stampctl
			// check` in /etc/stampclock passed, the service (in /) failed.
			name: "relative secret file",
			text: minimal + strings.Replace(zeit, `password = "pw"`, `password_file = "zeiterfassung.secret"`, 1),
			want: []string{`zeiterfassung.password_file: "zeiterfassung.secret" is a relative path; write it in full, like "/`, `/zeiterfassung.secret"`},
		},
		{
			name: "relative token file of a day-total source",
			text: minimal + "[daytotal]\nsource = \"timesheets\"\n[daytotal.timesheets]\ntoken_file = \"ts.secret\"\n",
			want: []string{`daytotal.timesheets.token_file: "ts.secret" is a relative path`},
		},
		{
			name:    "text for a number in a table of emails",
			text:    minimal + "[blikk]\nurl = \"https://publicapi.blikk.com\"\nusers = { \"maier@example.com\" = \"12\" }\n",
			want:    []string{`line 8: blikk.users."maier@example.com": want a whole number without quotes, got text in quotes`},
			notWant: "(last key",
		},
		{
			// Was: "blikk.users: required, at least one email = Blikk user id", as if none were given.
			name: "a list where a table of emails is wanted",
			text: minimal + "[blikk]\nurl = \"https://publicapi.blikk.com\"\nusers = [\"maier@example.com\"]\n",
			want: []string{`blikk.users: want a table like { "maier@example.com" = … }, got array`},
		},
		{
			name: "text where a table of emails is wanted",
			text: minimal + "[flowtly]\nurl = \"https://api.flowtly.eu\"\nemployees = \"maier@example.com=emp_1\"\n",
			want: []string{`flowtly.employees: want a table like { "maier@example.com" = … }, got string`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("f.toml", []byte(tc.text))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if tc.notWant != "" && strings.Contains(err.Error(), tc.notWant) {
				t.Errorf("error holds %q:\n%v", tc.notWant, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line:\n%v", err)
			}
		})
	}
}

// Secret files as a technician may leave them: with a trailing newline,
// CRLF or a byte order mark (edited on Windows) the password is the same;
// a directory or an empty file is refused naming the file.
func TestReadSecret_TechnicianMistakes(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content string
		want, err     string
	}{
		{name: "trailing newline", content: "s3cret\n", want: "s3cret"},
		{name: "CRLF", content: "s3cret\r\n", want: "s3cret"},
		{name: "byte order mark and CRLF", content: "\ufeffs3cret\r\n", want: "s3cret"},
		{name: "trailing spaces", content: "s3cret  \n", want: "s3cret"},
		{name: "empty", content: "\n", err: "is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"))
			if err := os.WriteFile(p, []byte(tc.content), 0o640); err != nil {
				t.Fatal(err)
			}
			got, err := ReadSecret(p)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), p) {
					t.Fatalf("ReadSecret = %q, %v; want an error naming %s: %s", got, err, p, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ReadSecret = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	t.Run("a directory", func(t *testing.T) {
		d := filepath.Join(dir, "secrets")
		if err := os.Mkdir(d, 0o750); err != nil {
			t.Fatal(err)
		}
		// Was: "… is readable by others (mode 0750); run: chown … && chmod 640 …" on a directory.
		_, err := ReadSecret(d)
		if err == nil || !strings.Contains(err.Error(), d+" is a directory; want the file holding the secret") {
			t.Fatalf("err = %v", err)
		}
	})
}

// Port 0 (a free port, as tests use), named hosts and a service name the
// system knows stay accepted.
func TestParse_ListenAddressesAccepted(t *testing.T) {
	for _, l := range []string{"127.0.0.1:0", ":8443", "localhost:9120", "[::1]:9120", ":https"} {
		if _, err := Parse("f.toml", []byte(minimal+"[metrics]\nlisten = \""+l+"\"\n[web]\nlisten = \""+l+"\"\n")); err != nil {
			t.Errorf("%s: %v", l, err)
		}
	}
}

// One employee's email in two spellings was two employees (her badges kept
// two open shifts); it is taken as the first spelling, not refused, so a
// terminal that ran with such a config starts after an upgrade.
func TestParse_EmailSpeltTwice_FirstSpellingTaken(t *testing.T) {
	c, err := Parse("f.toml", []byte(minimal+"[[badge]]\nuid = \"04A1B2C3\"\nemail = \"maier@example.com\"\n[[badge]]\nuid = \"04A1B2C4\"\nemail = \"Maier@Example.com\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Badges[1].Email; got != "maier@example.com" {
		t.Errorf("badge[1].email = %q, want the first badge's spelling maier@example.com", got)
	}
}
