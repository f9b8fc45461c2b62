package provision

import (
	"os"
	"strings"
	"testing"

	"stampclock/device/config"
	"stampclock/uplink"
	"stampclock/uplink/blikk"
	"stampclock/uplink/flowtly"
	"stampclock/uplink/webhook"
)

// Every uplink init can set up writes a section that loads, with its
// secret in a file beside the config and only there, and nothing of the
// uplinks not chosen.
func TestWrite_EachUplinkSection_LoadsWithItsSecret(t *testing.T) {
	cases := []struct {
		name    string
		answers uplink.Answers
		secret  string
		check   func(t *testing.T, s uplink.Section)
	}{
		{blikk.Name, uplink.Answers{"url": blikk.DefaultBaseURL, "app_id": "terminal", "app_secret_file": "app-secret-1",
			"users": "maier@example.com=7, huber@example.com = 9", "activity_id": "3", "time_code_id": "4", "time_article_id": "5"},
			"app-secret-1", func(t *testing.T, s uplink.Section) {
				b := s.(*blikk.Config)
				if b.AppID != "terminal" || b.Users["huber@example.com"] != 9 || b.ActivityID != 3 || b.TimeArticleID != 5 {
					t.Errorf("blikk section %+v", b)
				}
			}},
		{flowtly.Name, uplink.Answers{"url": "https://api.flowtly.example", "token_file": "tok-2", "project": "/api/projects/4",
			"employees": "maier@example.com=/api/employees/1"},
			"tok-2", func(t *testing.T, s uplink.Section) {
				f := s.(*flowtly.Config)
				if f.Project != "/api/projects/4" || f.Employees["maier@example.com"] != "/api/employees/1" {
					t.Errorf("flowtly section %+v", f)
				}
			}},
		{webhook.Name, uplink.Answers{"url": "http://127.0.0.1:9/hook", "allow_http": "true", "secret_file": "0123456789abcdef0123"},
			"0123456789abcdef0123", func(t *testing.T, s uplink.Section) {
				if w := s.(*webhook.Config); w.URL != "http://127.0.0.1:9/hook" || !w.AllowHTTP {
					t.Errorf("webhook section %+v", w)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := settings(t, "")
			s.Uplinks = map[string]uplink.Answers{tc.name: tc.answers}
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			if _, err := Write(s); err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load(s.ConfigPath)
			if err != nil {
				t.Fatalf("the config written does not load: %v", err)
			}
			var on []string
			for _, u := range cfg.EnabledUplinks() {
				on = append(on, u.Kind.Name)
			}
			if len(on) != 1 || on[0] != tc.name {
				t.Fatalf("uplinks on: %v, want only %s", on, tc.name)
			}
			tc.check(t, cfg.Uplinks[tc.name])
			key := tc.name + "."
			for k, p := range cfg.Uplinks[tc.name].Files() {
				key = k
				if p != s.SecretPath(tc.name, strings.TrimPrefix(k, tc.name+".")) {
					t.Errorf("%s = %s, want %s", k, p, s.SecretPath(tc.name, strings.TrimPrefix(k, tc.name+".")))
				}
				if got := readFile(t, p); got != tc.secret+"\n" {
					t.Errorf("%s holds %q, want the secret", p, got)
				}
				if fi, _ := os.Stat(p); fi.Mode().Perm() != config.FileMode {
					t.Errorf("%s: mode %04o", p, fi.Mode().Perm())
				}
			}
			if key == tc.name+"." {
				t.Fatal("the section names no secret file")
			}
			if strings.Contains(readFile(t, s.ConfigPath), tc.secret) {
				t.Error("the secret is in the config")
			}
		})
	}
}

// A bad answer is refused before anything is written, naming the key and
// the flag that sets it.
func TestValidate_BadAnswer_NamesKeyAndFlag(t *testing.T) {
	cases := []struct {
		name    string
		answers uplink.Answers
		want    []string
	}{
		{blikk.Name, uplink.Answers{"users": "maier@example.com=seven"}, []string{"--blikk-users", "blikk.users", "seven"}},
		{blikk.Name, uplink.Answers{"users": "maier=7"}, []string{"--blikk-users", "not an email"}},
		{blikk.Name, uplink.Answers{"activity_id": "-3"}, []string{"--blikk-activity-id", "blikk.activity_id"}},
		{flowtly.Name, uplink.Answers{"url": "ftp://flowtly.example"}, []string{"--flowtly-url", "flowtly.url"}},
		{flowtly.Name, uplink.Answers{"employees": "maier@example.com"}, []string{"--flowtly-employees", "email=value"}},
		{webhook.Name, uplink.Answers{"url": "http://hook.example"}, []string{"--webhook-url", "--webhook-allow-http"}},
		{webhook.Name, uplink.Answers{"ca_file": "/nonexistent/company-ca.pem"}, []string{"--webhook-ca-file", "webhook.ca_file", "/nonexistent/company-ca.pem"}},
		{webhook.Name, uplink.Answers{"ca_file": "setup_test.go"}, []string{"--webhook-ca-file", "webhook.ca_file", "setup_test.go: no PEM certificate"}},
		{"timecard", uplink.Answers{}, []string{"timecard", "webhook"}},
	}
	for _, tc := range cases {
		s := settings(t, "")
		s.Uplinks = map[string]uplink.Answers{tc.name: tc.answers}
		err := s.Validate()
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s %v: %v; want it to name %q", tc.name, tc.answers, err, w)
			}
		}
		if err != nil && strings.Contains(err.Error(), "allow_http") {
			t.Errorf("%s: %v names the key allow_http, not its flag", tc.name, err)
		}
	}
}

// A too-short webhook secret is refused with the key, before writing.
func TestCheckAnswer_WebhookSecretTooShort(t *testing.T) {
	for _, k := range Kinds() {
		if k.Name != webhook.Name {
			continue
		}
		for _, q := range k.Init.Questions {
			if q.Secret {
				err := CheckAnswer(k, q, "short", uplink.Answers{})
				if err == nil || !strings.Contains(err.Error(), "--webhook-secret-file (webhook.secret_file)") {
					t.Fatalf("short secret: %v", err)
				}
				return
			}
		}
	}
	t.Fatal("webhook has no secret question")
}

// Init walks the list: every uplink with questions is offered, and each
// question's flag is unique across them.
func TestKinds_QuestionsAndUniqueFlags(t *testing.T) {
	seen := map[string]string{}
	var names []string
	for _, k := range Kinds() {
		names = append(names, k.Name)
		if len(k.Init.Questions) == 0 {
			t.Errorf("%s: an Init without questions", k.Name)
		}
		for _, q := range k.Init.Questions {
			f := q.FlagName(k.Name)
			if prev, dup := seen[f]; dup {
				t.Errorf("flag --%s of %s.%s and %s", f, k.Name, q.Key, prev)
			}
			seen[f] = k.Name + "." + q.Key
		}
	}
	for _, want := range []string{"zeiterfassung", blikk.Name, flowtly.Name, webhook.Name} {
		if !strings.Contains(strings.Join(names, ","), want) {
			t.Errorf("init cannot set up %s (it offers %v)", want, names)
		}
	}
}
