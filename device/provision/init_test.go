package provision

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"stampclock/device/config"
	"stampclock/uplink"
	"stampclock/uplink/zeiterfassung"
	"stampclock/uplink/zeiterfassung/zeittest"
)

// settings returns init settings for a config in a temp dir, against url.
func settings(t *testing.T, url string) Settings {
	t.Helper()
	dir := t.TempDir()
	return Settings{
		ConfigPath:   filepath.Join(dir, "stampd.toml"),
		PackagedPath: filepath.Join(dir, "packaged.toml"), StorePath: filepath.Join(dir, "q.db"),
		Uplinks: map[string]uplink.Answers{zeiterfassung.Name: {
			"url": url, "allow_http": "true", "email": zeittest.DefaultEmail,
			"password_file": zeittest.DefaultPassword, "timetype_id": "arbeitszeit",
		}},
		Now:   func() time.Time { return time.Date(2026, 12, 6, 19, 0, 0, 0, time.UTC) },
		Group: ownGroup(t),
	}
}

// ownGroup names the test process's group. The files written are handed
// to it: any writer may do that, whichever groups this machine has (a
// machine with the package installed has group stampclock, which only
// root and its members may hand files to).
func ownGroup(t *testing.T) string {
	t.Helper()
	g, err := user.LookupGroupId(strconv.Itoa(os.Getgid()))
	if err != nil {
		t.Fatalf("the test's own group: %v", err)
	}
	return g.Name
}

// asNobodyDir, set in the environment, is the directory a test re-run as
// user nobody writes in.
const asNobodyDir = "STAMPCLOCK_TEST_NOBODY_DIR"

// A technician who forgets sudo may not hand the files to the service's
// group: init says to run it as root and writes nothing.
func TestWrite_GroupTheWriterMayNotHandTo_SaysRunAsRoot(t *testing.T) {
	dir := os.Getenv(asNobodyDir)
	if dir == "" && os.Getuid() == 0 {
		// Root may hand a file to any group: the test runs again as
		// nobody, in a directory nobody may write in.
		dir, err := os.MkdirTemp("", "nobody")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		if err := os.Chmod(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		bin := filepath.Join(dir, "provision.test")
		if err := copyFile(os.Args[0], bin); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "-test.run", "^"+t.Name()+"$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), asNobodyDir+"="+dir)
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS") {
			t.Fatalf("as nobody: %v\n%s", err, out)
		}
		return
	}
	if dir == "" {
		dir = t.TempDir()
	}
	if groups, _ := os.Getgroups(); slices.Contains(groups, 0) || os.Getgid() == 0 {
		t.Skip("this user is in group root (gid 0) and may hand files to it; the test needs a group it may not")
	}
	s := settings(t, "https://zeit.example.com")
	s.Group = "root"
	s.ConfigPath = filepath.Join(dir, "etc", "stampd.toml")
	_, err := Write(s)
	if err == nil || !strings.Contains(err.Error(), "group root") || !strings.Contains(err.Error(), "sudo stampctl init") {
		t.Fatalf("Write handing files to group root as uid %d: %v; want it to name the group and say to run init as root", os.Getuid(), err)
	}
	left, _ := os.ReadDir(filepath.Dir(s.ConfigPath))
	if len(left) != 0 {
		t.Errorf("files left after the refusal: %v", left)
	}
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o755)
}

// zeit returns the Zeiterfassung answers of s.
func zeit(s Settings) uplink.Answers { return s.Uplinks[zeiterfassung.Name] }

// secretPath is where s puts the Zeiterfassung password.
func secretPath(s Settings) string { return s.SecretPath(zeiterfassung.Name, "password_file") }

func TestValidate_NamesTheFlag(t *testing.T) {
	cases := []struct {
		edit func(*Settings)
		want string
	}{
		{func(s *Settings) { zeit(*s)["url"], zeit(*s)["allow_http"] = "http://zeit.example.com", "" }, "--allow-http"},
		{func(s *Settings) { zeit(*s)["url"] = "zeit.example.com" }, "--url"},
		{func(s *Settings) { zeit(*s)["email"] = "admin" }, "--email"},
		{func(s *Settings) { s.Timezone = "Europe/Berlinn" }, "--timezone"},
		{func(s *Settings) { s.DeviceID = "a/b" }, "--device-id"},
	}
	for _, c := range cases {
		s := settings(t, "https://zeit.example.com")
		c.edit(&s)
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want it to name %s", s, err, c.want)
		}
	}
	if err := settings(t, "https://zeit.example.com").Validate(); err != nil {
		t.Errorf("good settings: %v", err)
	}
}

func TestWrite_FilesFollowTheRule(t *testing.T) {
	_, ts := zeittest.Start(t, zeittest.Options{})
	s := settings(t, ts.URL)
	if _, err := Write(s); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{s.ConfigPath, secretPath(s)} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != config.FileMode {
			t.Errorf("%s: mode %04o, want %04o", p, fi.Mode().Perm(), config.FileMode)
		}
	}
	cfg, err := config.Load(s.ConfigPath)
	if err != nil {
		t.Fatalf("the config written does not load: %v", err)
	}
	if zeitOf(cfg).Password != zeittest.DefaultPassword {
		t.Error("the secret written is not the password")
	}
	if strings.Contains(readFile(t, s.ConfigPath), zeittest.DefaultPassword) {
		t.Error("the password is in the config")
	}
	// The service account may read what was written: the group is the
	// writer's here (no group stampclock), so check as a member of it.
	fi, _ := os.Stat(secretPath(s))
	gid := int(fi.Sys().(*syscall.Stat_t).Gid)
	member := config.Account{Name: "svc", UID: 65000, GIDs: []int{gid}}
	if err := member.CanRead(secretPath(s), fi); err != nil {
		t.Errorf("a member of the file's group cannot read it: %v", err)
	}
	stranger := config.Account{Name: "other", UID: 65001, GIDs: []int{65001}}
	if err := stranger.CanRead(secretPath(s), fi); err == nil || !strings.Contains(err.Error(), "chmod 640") {
		t.Errorf("others: %v, want refused with the fix", err)
	}
}

func TestWrite_PackagedConfigReplaced_EditedKeptUnlessForce(t *testing.T) {
	_, ts := zeittest.Start(t, zeittest.Options{})
	s := settings(t, ts.URL)
	packaged := "# as packaged\n[reader]\ntype = \"sim\"\n"
	os.WriteFile(s.PackagedPath, []byte(packaged), 0o644)
	os.WriteFile(s.ConfigPath, []byte(packaged), 0o640)
	if kind, _ := s.Existing(); kind != "packaged" {
		t.Fatalf("Existing = %q, want packaged", kind)
	}
	if err := s.CheckReplace(); err != nil {
		t.Fatalf("the packaged config must be replaced without --force: %v", err)
	}
	backup, err := Write(s)
	if err != nil || backup != "" {
		t.Fatalf("Write over the packaged config: backup %q, %v", backup, err)
	}
	// Now it is init's own (not the packaged) config: edited by definition.
	edited := readFile(t, s.ConfigPath) + "# a technician's note\n"
	os.WriteFile(s.ConfigPath, []byte(edited), 0o640)
	err = s.CheckReplace()
	if !errors.Is(err, ErrEdited) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("CheckReplace of an edited config: %v", err)
	}
	if _, err := Write(s); !errors.Is(err, ErrEdited) {
		t.Fatalf("Write over an edited config without force: %v", err)
	}
	if readFile(t, s.ConfigPath) != edited {
		t.Fatal("the edited config was changed without --force")
	}
	s.Force = true
	backup, err = Write(s)
	if err != nil {
		t.Fatal(err)
	}
	if backup == "" || readFile(t, backup) != edited {
		t.Fatalf("backup %q does not hold the edited config", backup)
	}
	if strings.Contains(readFile(t, s.ConfigPath), "a technician's note") {
		t.Fatal("--force did not replace the config")
	}
}

// TestWrite_ForceTwiceInOneSecond_BothBackupsKept runs a forced init
// twice within one second over an edited config: the second backup takes
// the next free name instead of failing on the first one's.
func TestWrite_ForceTwiceInOneSecond_BothBackupsKept(t *testing.T) {
	_, ts := zeittest.Start(t, zeittest.Options{})
	s := settings(t, ts.URL)
	s.Force = true
	var backups []string
	for i, note := range []string{"# first edit\n", "# second edit\n"} {
		if err := os.WriteFile(s.ConfigPath, []byte(note), 0o640); err != nil {
			t.Fatal(err)
		}
		backup, err := Write(s)
		if err != nil {
			t.Fatalf("forced Write %d within the same second: %v", i+1, err)
		}
		if got := readFile(t, backup); got != note {
			t.Fatalf("backup %s holds %q, want %q", backup, got, note)
		}
		backups = append(backups, backup)
	}
	want := []string{s.ConfigPath + ".20261206T190000Z.bak", s.ConfigPath + ".20261206T190000Z.1.bak"}
	if backups[0] != want[0] || backups[1] != want[1] {
		t.Fatalf("backups %q, want %q", backups, want)
	}
	if readFile(t, backups[0]) != "# first edit\n" {
		t.Fatal("the second forced init overwrote the first backup")
	}
}

func TestWrite_BadSettings_NothingWritten(t *testing.T) {
	_, ts := zeittest.Start(t, zeittest.Options{})
	s := settings(t, ts.URL)
	s.Timezone = "Nowhere/Atlantis" // config.Parse refuses it
	if _, err := Write(s); err == nil {
		t.Fatal("Write with an unknown time zone succeeded")
	}
	entries, _ := os.ReadDir(filepath.Dir(s.ConfigPath))
	if len(entries) != 0 {
		t.Fatalf("files left after a refused write: %v", entries)
	}
}

func TestResolveTimeType_WrongPasswordIsALoginError(t *testing.T) {
	_, ts := zeittest.Start(t, zeittest.Options{})
	s := settings(t, ts.URL)
	zeit(s)["password_file"] = "wrong"
	_, err := Resolve(context.Background(), s, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "login as "+zeittest.DefaultEmail) || strings.Contains(err.Error(), "time type") {
		t.Fatalf("wrong password: %v; want a login error, not a time type one", err)
	}
	if strings.Count(err.Error(), "zeiterfassung:") > 0 || !strings.Contains(err.Error(), "(HTTP 401)") {
		t.Fatalf("wrong password: %q; want the cause said once with its status", err)
	}
	zeit(s)["password_file"] = zeittest.DefaultPassword
	zeit(s)["timetype_id"] = "Urlaub"
	if _, err := Resolve(context.Background(), s, nil); err == nil || !strings.Contains(err.Error(), "--timetype \"Urlaub\"") {
		t.Fatalf("unknown time type: %v", err)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// `stampctl init --config ./stampd.toml` (or a relative --secret-file)
// writes the secret's full path into the config: stampd does not look
// beside the config for a relative one, and under systemd it starts in /.
// Before, the config said password_file = "zeiterfassung.secret".
func TestSecretPath_RelativeConfigOrSecret_WrittenInFull(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		s    Settings
		want string
	}{
		{"relative config", Settings{ConfigPath: "stampd.toml"}, filepath.Join(wd, "zeiterfassung.secret")},
		{"config in a relative directory", Settings{ConfigPath: "etc/stampd.toml"}, filepath.Join(wd, "etc", "zeiterfassung.secret")},
		{"relative --secret-file", Settings{ConfigPath: "/etc/stampclock/stampd.toml", SecretPaths: map[string]string{"zeiterfassung.password_file": "pw.secret"}}, filepath.Join(wd, "pw.secret")},
		{"absolute config", Settings{ConfigPath: "/etc/stampclock/stampd.toml"}, "/etc/stampclock/zeiterfassung.secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := secretPath(tc.s); got != tc.want {
				t.Errorf("SecretPath = %q, want %q", got, tc.want)
			}
		})
	}
}
