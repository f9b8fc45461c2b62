package provision

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"stampclock/device/config"
	"stampclock/uplink/blikk/blikktest"
	"stampclock/uplink/mqtt/mqtttest"
	"stampclock/uplink/zeiterfassung"
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

func TestCheck_MQTTLogsInNotOnlyTCP(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{Users: map[string]string{"terminal": zeittest.DefaultPassword}})
	conf := func(user string) *config.Config {
		return loadConfig(t, fmt.Sprintf("[store]\npath = \"DIR/q.db\"\n[mqtt]\nurls = [%q]\nusername = %q\npassword_file = \"DIR/z.secret\"\n", b.URL(), user))
	}
	steps := stepsByName(Check(context.Background(), conf("terminal"), Env{}))
	if s := steps["mqtt broker login"]; !s.OK || !strings.Contains(s.Detail, "CONNACK") {
		t.Errorf("right credentials: %+v", s)
	}
	// The port is open either way: only a login tells.
	steps = stepsByName(Check(context.Background(), conf("intruder"), Env{}))
	if s := steps["mqtt broker login"]; s.OK || !strings.Contains(s.Detail, "refused the credentials") {
		t.Errorf("wrong user: %+v", s)
	}
}

func TestCheck_FilesReadableByTheServiceUser(t *testing.T) {
	_, zts := zeittest.Start(t, zeittest.Options{})
	cfg := loadConfig(t, fmt.Sprintf("[store]\npath = \"DIR/q.db\"\n[zeiterfassung]\nurl = %q\nallow_http = true\nemail = %q\npassword_file = \"DIR/z.secret\"\ntimetype_id = \"arbeitszeit\"\n", zts.URL, zeittest.DefaultEmail))
	secret := zeitOf(cfg).PasswordFile
	fi, err := os.Stat(secret)
	if err != nil {
		t.Fatal(err)
	}
	gid := int(fi.Sys().(*syscall.Stat_t).Gid)
	service := config.Account{Name: "svc", UID: 65000, GIDs: []int{65000, gid}}
	// 0600: the service (another uid, in the file's group) cannot read it.
	os.Chmod(cfg.Path, 0o640)
	os.Chmod(secret, 0o600)
	s := stepsByName(Check(context.Background(), cfg, Env{Service: &service}))["files readable by svc"]
	if s.OK || !strings.Contains(s.Detail, secret) || !strings.Contains(s.Detail, "chmod 640") {
		t.Fatalf("secret 0600: %+v; want it named with the fix", s)
	}
	os.Chmod(secret, 0o640)
	if s := stepsByName(Check(context.Background(), cfg, Env{Service: &service}))["files readable by svc"]; !s.OK {
		t.Fatalf("secret 0640 in the service's group: %+v", s)
	}
}

func TestCheck_StampdNotRunning_ReaderProbedItself(t *testing.T) {
	cfg := loadConfig(t, "[store]\npath = \"DIR/q.db\"\n")
	notRunning := func(context.Context) (bool, string, bool) { return false, "", false }
	steps := stepsByName(Check(context.Background(), cfg, Env{Reader: notRunning, Probe: func() (string, error) {
		return "", fmt.Errorf("reader.mfrc522: open SPI0.0: no such file")
	}}))
	if s := steps["reader answering"]; s.OK || s.Skipped || !strings.Contains(s.Detail, "SPI0.0") {
		t.Fatalf("probe failing: %+v", s)
	}
	steps = stepsByName(Check(context.Background(), cfg, Env{Reader: notRunning}))
	if s := steps["reader answering"]; !s.Skipped || !strings.Contains(s.Detail, "not running") {
		t.Fatalf("no probe (simulator): %+v", s)
	}
}

// zeitOf returns cfg's [zeiterfassung] section, an uplink of the list.
func zeitOf(cfg *config.Config) *zeiterfassung.Config {
	return cfg.Uplinks[zeiterfassung.Name].(*zeiterfassung.Config)
}
