package main

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"stampclock/device/config"
	"stampclock/uplink/webhook"
)

// Init sets up the uplink whose flags are given, and only it: no
// Zeiterfassung questions, its default taken without a terminal, its
// secret from the file the flag names.
func TestInit_UplinkFromItsFlags_OnlyItWritten(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "stampd.toml")
	secret := filepath.Join(dir, "hook-secret")
	if err := os.WriteFile(secret, []byte("0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(http.NotFoundHandler()) // its certificate stands for a company's CA
	ts.Close()
	caFile := filepath.Join(dir, "company-ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCtl(t, "init", "--config", cfg, "--packaged", filepath.Join(dir, "none.toml"), "--no-check", "--group", ownGroup(t),
		"--webhook-url", "https://hook.example/stampclock", "--webhook-secret-file", secret, "--webhook-ca-file", caFile, "--store", filepath.Join(dir, "q.db"))
	if code != 0 {
		t.Fatalf("init --webhook-…: exit %d, %s", code, errs)
	}
	c, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	on := c.EnabledUplinks()
	if len(on) != 1 || on[0].Kind.Name != "webhook" {
		t.Fatalf("uplinks on: %v; want webhook only", on)
	}
	if wh := on[0].Section.(*webhook.Config); wh.CAFile != caFile || wh.RootCAs == nil {
		t.Errorf("webhook.ca_file = %q (roots loaded: %t); want %s, loaded", wh.CAFile, wh.RootCAs != nil, caFile)
	}
	// The host name is written as device.id: it stays when the host is
	// renamed.
	if host, _ := os.Hostname(); !strings.Contains(readText(t, cfg), "[device]\nid = \""+host+"\"") || c.Device.ID != host {
		t.Errorf("device.id = %q, want the host name %q written into the config:\n%s", c.Device.ID, host, readText(t, cfg))
	}
	if want := ":" + ownGroup(t) + " 0640"; !strings.Contains(errs, want) {
		t.Errorf("init's report %q does not give the files' group and mode (%s)", errs, want)
	}
	if !strings.Contains(errs, filepath.Join(dir, "webhook.secret")) {
		t.Errorf("init's report %q does not name the secret written", errs)
	}
}

// Without a terminal a missing answer names its flag; a default is taken.
func TestInit_NoTerminal_MissingAnswerNamesFlag(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "stampd.toml")
	code, _, errs := runCtl(t, "init", "--config", cfg, "--packaged", filepath.Join(dir, "none.toml"), "--uplinks", "blikk")
	if code != 2 || !strings.Contains(errs, "--blikk-app-id is required") || strings.Contains(errs, "--blikk-url") {
		t.Fatalf("init --uplinks blikk without answers: exit %d, %q; want --blikk-app-id named (the URL has a default)", code, errs)
	}
	code, _, errs = runCtl(t, "init", "--config", cfg, "--uplinks", "zeiterfassung,timecard")
	if code != 2 || !strings.Contains(errs, `"timecard"`) || !strings.Contains(errs, "webhook") {
		t.Fatalf("init --uplinks with an unknown one: exit %d, %q", code, errs)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("files written: %v", entries)
	}
}

// ownGroup names the test process's group, which init is told to hand
// its files to (group stampclock, where the package is installed, only
// root and its members may).
func ownGroup(t *testing.T) string {
	g, err := user.LookupGroupId(strconv.Itoa(os.Getgid()))
	if err != nil {
		t.Fatal(err)
	}
	return g.Name
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// hostnameEnv, set, is the host name the test re-run in a UTS namespace
// of its own gives itself.
const hostnameEnv = "STAMPCLOCK_TEST_HOSTNAME"

// On a machine still named as its image named it, init warns that
// receivers would take this terminal and its siblings for one.
func TestInit_ImageHostName_Warned(t *testing.T) {
	host := os.Getenv(hostnameEnv)
	if host == "" {
		if os.Getuid() != 0 {
			if os.Getenv("CI") != "" {
				t.Fatal("needs root for a host name of its own (a UTS namespace); CI runs as root")
			}
			t.Skip("needs root for a host name of its own (a UTS namespace)")
		}
		for _, h := range []string{"raspberrypi", "front-door"} {
			cmd := exec.Command(os.Args[0], "-test.run", "^"+t.Name()+"$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), hostnameEnv+"="+h)
			cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUTS}
			if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "--- PASS") {
				t.Errorf("host name %s: %v\n%s", h, err, out)
			}
		}
		return
	}
	if err := syscall.Sethostname([]byte(host)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	secret := filepath.Join(dir, "hook-secret")
	if err := os.WriteFile(secret, []byte("0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCtl(t, "init", "--config", filepath.Join(dir, "stampd.toml"), "--packaged", filepath.Join(dir, "none.toml"), "--no-check",
		"--group", ownGroup(t), "--webhook-url", "https://hook.example/stampclock", "--webhook-secret-file", secret, "--store", filepath.Join(dir, "q.db"))
	if code != 0 {
		t.Fatalf("init: exit %d, %s", code, errs)
	}
	warned := strings.Contains(errs, "WARNING: device.id = "+host+", the host name an operating system image gives every machine")
	if want := host == "raspberrypi"; warned != want {
		t.Errorf("host name %s: warned %t, want %t:\n%s", host, warned, want, errs)
	}
}
