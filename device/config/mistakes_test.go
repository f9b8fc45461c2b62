package config

import (
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
