package provision

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"stampclock/device/config"
	"stampclock/uplink/blikk/blikktest"
	"stampclock/uplink/zeiterfassung/zeittest"
)

func loadConfig(t *testing.T, text string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	for name, secret := range map[string]string{"z.secret": zeittest.DefaultPassword, "b.secret": blikktest.DefaultAppSecret} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(secret), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	text = strings.ReplaceAll(text, "DIR", dir)
	path := filepath.Join(dir, "stampd.toml")
	os.WriteFile(path, []byte(text), 0o600)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func stepsByName(steps []Step) map[string]Step {
	m := map[string]Step{}
	for _, s := range steps {
		m[s.Name] = s
	}
	return m
}

func TestCheck_ZeiterfassungAndBlikk(t *testing.T) {
	_, zts := zeittest.Start(t, zeittest.Options{Users: []string{"maier@example.com"}})
	_, bts := blikktest.Start(t, blikktest.Options{Users: []blikktest.User{{ID: 12, FirstName: "Anna", LastName: "Maier"}}})
	cfg := loadConfig(t, fmt.Sprintf(`
[store]
path = "DIR/q.db"
[zeiterfassung]
url = %q
allow_http = true
email = %q
password_file = "DIR/z.secret"
timetype_id = "arbeitszeit"
[blikk]
url = %q
allow_http = true
app_id = %q
app_secret_file = "DIR/b.secret"
users = { "maier@example.com" = 12, "ghost@example.com" = 99 }
activity_id = 1
time_code_id = 1
time_article_id = 1
[[badge]]
uid = "0102"
email = "maier@example.com"
[[badge]]
uid = "0103"
email = "unknown@example.com"
`, zts.URL, zeittest.DefaultEmail, bts.URL, blikktest.DefaultAppID))
	synced := true
	steps := stepsByName(Check(context.Background(), cfg, Env{Synced: func() (bool, error) { return synced, nil }}))
	for _, ok := range []string{"GET /api/hello/sayhello", "login", "time type", "blikk token", "clock synchronised", "free disk for the queue"} {
		if s, found := steps[ok]; !found || !s.OK {
			t.Errorf("step %q = %+v, want ok", ok, s)
		}
	}
	if s := steps["users"]; s.OK || !strings.Contains(s.Detail, "unknown@example.com") {
		t.Errorf("users step = %+v, want the unknown badge email named", s)
	}
	if s := steps["blikk users and ids"]; s.OK || !strings.Contains(s.Detail, "ghost@example.com") {
		t.Errorf("blikk users step = %+v, want the missing id named", s)
	}
	synced = false
	steps = stepsByName(Check(context.Background(), cfg, Env{Synced: func() (bool, error) { return synced, nil }, MinFreeBytes: 1 << 62}))
	if steps["clock synchronised"].OK || steps["free disk for the queue"].OK {
		t.Errorf("clock/disk steps should fail: %+v %+v", steps["clock synchronised"], steps["free disk for the queue"])
	}
}

func TestCheck_ServerDown_LaterStepsSkippedWithReason(t *testing.T) {
	_, zts := zeittest.Start(t, zeittest.Options{})
	url := zts.URL
	zts.Close()
	cfg := loadConfig(t, fmt.Sprintf("[store]\npath = \"DIR/q.db\"\n[zeiterfassung]\nurl = %q\nallow_http = true\nemail = %q\npassword_file = \"DIR/z.secret\"\ntimetype_id = \"x\"\n", url, zeittest.DefaultEmail))
	steps := Check(context.Background(), cfg, Env{})
	var tcp, api Step
	for _, s := range steps {
		if strings.HasPrefix(s.Name, "TCP ") {
			tcp = s
		}
		if s.Name == "API" {
			api = s
		}
	}
	if tcp.OK || !strings.Contains(tcp.Detail, "refused") || !api.Skipped {
		t.Fatalf("steps = %+v", steps)
	}
}
