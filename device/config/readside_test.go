package config

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"stampclock/uplink/blikk"
	"stampclock/uplink/flowtly"
)

// moreSections returns a config enabling Blikk, Flowtly, the timesheets
// day totals and locked days, with secret as every secret file.
func moreSections(secret string) string {
	return minimal + `
[blikk]
url = "https://publicapi.blikk.com"
app_id = "app"
app_secret_file = "` + secret + `"
users = { "maier@example.com" = 12 }
activity_id = 1
time_code_id = 2
time_article_id = 3
breaks = [{ after = "6h", break = "30m" }, { after = "9h", break = "45m" }]
[flowtly]
url = "https://api.flowtly.eu"
token_file = "` + secret + `"
project = "aurora"
employees = { "maier@example.com" = "emp_102" }
[daytotal]
source = "timesheets"
[daytotal.timesheets]
token_file = "` + secret + `"
account = "pro-product"
people = { "maier@example.com" = "7" }
[locks]
enabled = true
`
}

func TestParse_ReadSideSections_DefaultsAndSecrets(t *testing.T) {
	c, err := Parse("a.toml", []byte(moreSections(writeSecret(t, 0o600))))
	if err != nil {
		t.Fatal(err)
	}
	b := blikkOf(c)
	if !b.Enabled() || b.AppSecret != "s3cret" || b.Timeout.Duration != 15*time.Second || b.RequestsPerSecond != 4 ||
		len(b.BreakRules()) != 2 || b.BreakRules()[1].Break != 45*time.Minute {
		t.Fatalf("blikk: %+v", b)
	}
	f := flowtlyOf(c)
	if !f.Enabled() || f.Token != "s3cret" || f.AuthHeader != "Authorization" || f.AuthScheme != "Bearer" ||
		f.IRIPrefix != "/api" || f.Description != "Stampclock {start}-{end}" || f.Timeout.Duration != 15*time.Second {
		t.Fatalf("flowtly: %+v", f)
	}
	ts := c.DayTotal.Timesheets
	if !c.UsesTimesheets() || ts.Token != "s3cret" || ts.URL != "https://api.r-service.tech/v1" ||
		ts.LockTTL.Duration != 5*time.Minute || ts.Timeout.Duration != 10*time.Second {
		t.Fatalf("timesheets: %+v", ts)
	}
}

func TestParse_ReadSideSections_OffByDefault(t *testing.T) {
	c, err := Parse("a.toml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if blikkOf(c).Enabled() || flowtlyOf(c).Enabled() || c.Locks.Enabled || c.UsesTimesheets() || c.DayTotal.Source != SourceLocal {
		t.Fatalf("defaults: blikk %v flowtly %v locks %v daytotal %q", blikkOf(c).Enabled(), flowtlyOf(c).Enabled(), c.Locks.Enabled, c.DayTotal.Source)
	}
	// An unused table is not checked: clockodo without its key is fine
	// while the source is local.
	if _, err := Parse("a.toml", []byte(minimal+"[daytotal.clockodo]\napi_user = \"x\"\n")); err != nil {
		t.Fatal(err)
	}
}

func TestParse_Clockodo(t *testing.T) {
	key := writeSecret(t, 0o600)
	c, err := Parse("a.toml", []byte(minimal+`
[daytotal]
source = "clockodo"
[daytotal.clockodo]
api_user = "admin@example.com"
api_key_file = "`+key+`"
external_application = "stampclock;it@example.com"
users = { "maier@example.com" = 1001 }
`))
	if err != nil {
		t.Fatal(err)
	}
	k := c.DayTotal.Clockodo
	if k.APIKey != "s3cret" || k.URL != "https://my.clockodo.com" || k.Timeout.Duration != 10*time.Second || c.UsesTimesheets() {
		t.Fatalf("clockodo: %+v", k)
	}
}

func TestParse_ReadSideErrors_NameTheKey(t *testing.T) {
	secret := writeSecret(t, 0o600)
	loose := writeSecret(t, 0o644)
	all := moreSections(secret)
	edit := func(old, new string) string {
		t.Helper()
		if !strings.Contains(all, old) {
			t.Fatalf("test config lacks %q", old)
		}
		return strings.Replace(all, old, new, 1)
	}
	tests := []struct{ name, toml, want string }{
		{"BlikkHTTP", edit("https://publicapi", "http://publicapi"), "blikk.url: \"http://publicapi.blikk.com\" is plain http; use https, or set blikk.allow_http"},
		{"BlikkNoAppID", edit("app_id = \"app\"\n", ""), "blikk.app_id: required"},
		{"BlikkNoSecret", edit("app_secret_file = \""+secret+"\"\n", ""), "blikk.app_secret_file: required"},
		{"BlikkSecretReadable", edit("app_secret_file = \""+secret, "app_secret_file = \""+loose), "blikk.app_secret_file: " + loose + " is readable by others"},
		{"BlikkNoUsers", edit("users = { \"maier@example.com\" = 12 }\n", ""), "blikk.users: required"},
		{"BlikkBadUserEmail", edit("\"maier@example.com\" = 12", "\"maier\" = 12"), "blikk.users: \"maier\" is not an email address"},
		{"BlikkBadUserID", edit("\"maier@example.com\" = 12", "\"maier@example.com\" = 0"), "blikk.users.\"maier@example.com\": 0"},
		{"BlikkSameUserTwice", edit("\"maier@example.com\" = 12", "\"maier@example.com\" = 12, \"Maier@Example.com\" = 13"), "are the same email"},
		{"BlikkNoActivity", edit("activity_id = 1\n", ""), "blikk.activity_id: required"},
		{"BlikkNoTimeArticle", edit("time_article_id = 3\n", ""), "blikk.time_article_id: required"},
		{"BlikkBreakLongerThanAfter", edit("break = \"30m\"", "break = \"7h\""), "blikk.breaks[0]"},
		{"BlikkBreakTwice", edit("after = \"9h\"", "after = \"6h\""), "blikk.breaks[1]: a rule for after 6h0m0s"},
		{"BlikkRateTooHigh", edit("time_article_id = 3\n", "time_article_id = 3\nrequests_per_second = 10\n"), "blikk.requests_per_second: 10; want 1 to 4"},
		{"BlikkUnknownKey", edit("app_id = \"app\"\n", "app_id = \"app\"\napp_secret = \"x\"\n"), "unknown key blikk.app_secret"},
		{"FlowtlyNoToken", edit("token_file = \""+secret+"\"\nproject", "project"), "flowtly.token_file: required"},
		{"FlowtlyNoProject", edit("project = \"aurora\"\n", ""), "flowtly.project"},
		{"FlowtlyNoEmployees", edit("employees = { \"maier@example.com\" = \"emp_102\" }\n", ""), "flowtly.employees: required"},
		{"FlowtlyEmployeeBadEmail", edit("\"maier@example.com\" = \"emp_102\"", "\"x\" = \"emp_102\""), "flowtly.employees: \"x\" is not an email address"},
		{"FlowtlyBadDate", edit("project = \"aurora\"\n", "project = \"aurora\"\ndate = \"utc\"\n"), "flowtly.date: \"utc\"; want \"calendar\""},
		{"BlikkBadHours", edit("time_article_id = 3\n", "time_article_id = 3\nhours = \"brutto\"\n"), "blikk.hours: \"brutto\"; want \"net\""},
		{"BlikkRateMarginTooLong", edit("time_article_id = 3\n", "time_article_id = 3\nrate_margin = \"2s\"\n"), "blikk.rate_margin: 2s"},
		{"FlowtlyBadHeader", edit("project = \"aurora\"\n", "project = \"aurora\"\nauth_header = \"X Token:\"\n"), "flowtly.auth_header"},
		{"FlowtlyBadIRIPrefix", edit("project = \"aurora\"\n", "project = \"aurora\"\niri_prefix = \"api/\"\n"), "flowtly.iri_prefix"},
		{"DayTotalBadSource", edit("source = \"timesheets\"", "source = \"excel\""), "daytotal.source: \"excel\"; want local, timesheets or clockodo"},
		{"TimesheetsNoAccount", edit("account = \"pro-product\"\n", ""), "daytotal.timesheets.account: \"\"; required with locks.enabled"},
		{"TimesheetsNoToken", edit("[daytotal.timesheets]\ntoken_file = \""+secret+"\"\n", "[daytotal.timesheets]\n"), "daytotal.timesheets.token_file: required"},
		{"TimesheetsBadPerson", edit("\"maier@example.com\" = \"7\"", "\"maier@example.com\" = \"p7\""), "daytotal.timesheets.people.\"maier@example.com\": \"p7\"; want a numeric person_id"},
		{"TimesheetsNoPeople", edit("people = { \"maier@example.com\" = \"7\" }\n", ""), "daytotal.timesheets.people: required"},
		{"TimesheetsBadOrg", edit("account = \"pro-product\"\n", "account = \"pro-product\"\norganization_id = \"acme\"\n"), "daytotal.timesheets.organization_id"},
		{"TimesheetsNegativeTTL", edit("account = \"pro-product\"\n", "account = \"pro-product\"\nlock_ttl = \"-1m\"\n"), "daytotal.timesheets.lock_ttl"},
		{"ClockodoNoKey", minimal + "[daytotal]\nsource = \"clockodo\"\n[daytotal.clockodo]\napi_user = \"a@example.com\"\nexternal_application = \"x;y@z\"\nusers = { \"a@example.com\" = 1 }\n", "daytotal.clockodo.api_key_file: required"},
		{"ClockodoBadApplication", minimal + "[daytotal]\nsource = \"clockodo\"\n[daytotal.clockodo]\napi_user = \"a@example.com\"\napi_key_file = \"" + secret + "\"\nexternal_application = \"stampclock\"\nusers = { \"a@example.com\" = 1 }\n", "daytotal.clockodo.external_application"},
		{"LocksUnknownKey", minimal + "[locks]\nenable = true\n", "unknown key locks.enable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("/etc/stampclock/stampd.toml", []byte(tt.toml))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "/etc/stampclock/stampd.toml") {
				t.Fatalf("error %q: want it to name the file and contain %q", err, tt.want)
			}
		})
	}
}

// The example's commented-out settings of the new sections are valid when
// uncommented (with the secret files present).
func TestExampleConfig_ReadSideSectionsValidWhenUncommented(t *testing.T) {
	data, err := os.ReadFile("../../deploy/stampd.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i := strings.Index(text, "\n[blikk]\n")
	if i < 0 {
		t.Fatal("example has no [blikk] section")
	}
	pw := writeSecret(t, 0o600)
	head, tail := text[:i], text[i:]
	for _, f := range []string{"zeiterfassung", "mqtt"} {
		head = strings.Replace(head, "/etc/stampclock/"+f+".secret", pw, 1)
	}
	// Uncomment "# key = value" lines (not prose), skip the alternative
	// "app_id" placeholder, and turn everything on.
	setting := regexp.MustCompile(`(?m)^# ([a-z_]+ = .*)$`)
	tail = setting.ReplaceAllString(tail, "$1")
	tail = regexp.MustCompile(`/etc/stampclock/[a-z]+\.secret`).ReplaceAllString(tail, pw)
	tail = strings.Replace(tail, "source = \"local\"", "source = \"timesheets\"", 1)
	tail = strings.Replace(tail, "[locks]\nenabled = false", "[locks]\nenabled = true", 1)
	c, err := Parse("stampd.example.toml", []byte(head+tail))
	if err != nil {
		t.Fatal(err)
	}
	if !blikkOf(c).Enabled() || !flowtlyOf(c).Enabled() || !c.Locks.Enabled || blikkOf(c).Users["huber@example.com"] != 14 ||
		flowtlyOf(c).Employees["maier@example.com"] != "/api/employees/emp_102" || c.DayTotal.Timesheets.People["huber@example.com"] != "8" ||
		c.DayTotal.Clockodo.Users["maier@example.com"] != 1001 {
		t.Fatalf("uncommented example: blikk %+v flowtly %+v daytotal %+v", blikkOf(c), flowtlyOf(c), c.DayTotal)
	}
	// And clockodo as the source.
	tail = strings.Replace(tail, "source = \"timesheets\"", "source = \"clockodo\"", 1)
	if c, err = Parse("stampd.example.toml", []byte(head+tail)); err != nil || c.DayTotal.Clockodo.APIKey != "s3cret" {
		t.Fatalf("clockodo: %v", err)
	}
}

// flowtlyOf returns c's [flowtly] section, an uplink of the list.
func flowtlyOf(c *Config) *flowtly.Config { return c.Uplinks[flowtly.Name].(*flowtly.Config) }

// blikkOf returns c's [blikk] section, an uplink of the list.
func blikkOf(c *Config) *blikk.Config { return c.Uplinks[blikk.Name].(*blikk.Config) }
