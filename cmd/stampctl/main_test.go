package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func runCtl(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelpFlag_PrintsUsageOnStdoutAndExitsZero(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		code, out, errs := runCtl(t, args...)
		if code != 0 || !strings.Contains(out, "usage: stampctl") || errs != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
}

func TestVersionFlag(t *testing.T) {
	code, out, _ := runCtl(t, "--version")
	if code != 0 || out != "stampctl "+version+"\n" {
		t.Fatalf("--version: exit %d, %q", code, out)
	}
}

func TestCommandHelp_ListsItsFlags(t *testing.T) {
	for _, args := range [][]string{{"help", "init"}, {"init", "-h"}, {"init", "--help"}} {
		code, out, errs := runCtl(t, args...)
		if code != 0 || errs != "" {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errs)
		}
		for _, want := range []string{"usage: stampctl init", "-allow-http", "-device-id", "-timezone", "-secret-file", "-force", "-password-file"} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: help lacks %q:\n%s", args, want, out)
			}
		}
	}
	code, out, _ := runCtl(t, "help", "queue", "list")
	if code != 0 || !strings.Contains(out, "-state") || !strings.Contains(out, "usage: stampctl queue list") {
		t.Errorf("help queue list: exit %d\n%s", code, out)
	}
	code, out, _ = runCtl(t, "help", "badges")
	if code != 0 || !strings.Contains(out, "stampctl badges import") {
		t.Errorf("help badges: exit %d\n%s", code, out)
	}
}

func TestUsageError_OneLineAndWhereToLook(t *testing.T) {
	cases := []struct {
		args []string
		see  string
	}{
		{[]string{"frobnicate"}, "see: stampctl help\n"},
		{[]string{"init", "--no-such-flag"}, "see: stampctl help init\n"},
		{[]string{"tap"}, "see: stampctl help tap\n"},
		{[]string{"--bogus"}, "see: stampctl help\n"},
		{nil, "see: stampctl help\n"},
	}
	for _, c := range cases {
		code, out, errs := runCtl(t, c.args...)
		lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
		if code != 2 || out != "" || len(lines) != 2 || !strings.HasPrefix(lines[0], "stampctl: ") || lines[1]+"\n" != c.see {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 lines ending %q", c.args, code, out, errs, c.see)
		}
	}
}

func TestManPage_NamesEveryCommand(t *testing.T) {
	page, err := os.ReadFile("../../deploy/man/stampctl.8")
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range commands {
		top, _, _ := strings.Cut(cmd.name, " ")
		if !strings.Contains(string(page), ".B "+top) && !strings.Contains(string(page), ".BI "+top) {
			t.Errorf("stampctl.8 does not describe %q", top)
		}
	}
}

func TestComplete_CommandsSubcommandsFlags(t *testing.T) {
	cases := []struct {
		words []string
		want  []string
		not   []string
	}{
		{nil, []string{"init", "queue", "badges", "--socket"}, []string{"list"}},
		{[]string{"queue"}, []string{"list", "release", "export"}, []string{"init"}},
		{[]string{"--json", "queue", "list"}, []string{"--state", "--uplink"}, []string{"--force"}},
		{[]string{"init"}, []string{"--allow-http", "--device-id", "--password-file"}, []string{"--state"}},
	}
	for _, c := range cases {
		code, out, _ := runCtl(t, append([]string{"__complete"}, c.words...)...)
		got := map[string]bool{}
		for _, w := range strings.Split(strings.TrimSpace(out), "\n") {
			got[w] = true
		}
		for _, w := range c.want {
			if !got[w] {
				t.Errorf("complete %v: %q missing from %q", c.words, w, out)
			}
		}
		for _, w := range c.not {
			if got[w] || code != 0 {
				t.Errorf("complete %v: exit %d, %q should not be offered", c.words, code, w)
			}
		}
	}
}

func TestInit_BadFlagRefusedBeforeAnythingIsWritten(t *testing.T) {
	dir := t.TempDir()
	cfg := dir + "/stampd.toml"
	code, _, errs := runCtl(t, "init", "--config", cfg, "--url", "http://zeit.example.com", "--email", "admin@example.com", "--timetype", "Arbeitszeit", "--password-file", "-")
	if code != 2 || !strings.Contains(errs, "--allow-http") || strings.Contains(errs, "allow_http") {
		t.Fatalf("init with http: exit %d, %q; want exit 2 naming the flag --allow-http", code, errs)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("files written before the flags were valid: %v", entries)
	}
}

func TestInit_GroupThatDoesNotExist_RefusedBeforeAnythingIsWritten(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := runCtl(t, "init", "--config", dir+"/stampd.toml", "--packaged", dir+"/none.toml", "--group", "stampclok",
		"--url", "https://zeit.example.com", "--email", "admin@example.com", "--timetype", "Arbeitszeit", "--password-file", "-")
	if code != 2 || !strings.Contains(errs, "--group stampclok: no such group") {
		t.Fatalf("init --group with a typo: exit %d, %q; want exit 2 naming the flag and the group", code, errs)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("files written: %v", entries)
	}
}

func TestInit_EditedConfigRefusedBeforeAsking(t *testing.T) {
	dir := t.TempDir()
	cfg := dir + "/stampd.toml"
	edited := "# edited by a technician\n[reader]\ntype = \"sim\"\n"
	os.WriteFile(cfg, []byte(edited), 0o640)
	// No --url, --email, --timetype: the refusal must come first, not
	// "--url is required".
	code, _, errs := runCtl(t, "init", "--config", cfg, "--packaged", dir+"/none.toml")
	if code != 1 || !strings.Contains(errs, "--force") || strings.Contains(errs, "required") {
		t.Fatalf("init over an edited config: exit %d, %q", code, errs)
	}
	if b, _ := os.ReadFile(cfg); string(b) != edited {
		t.Fatal("the edited config was changed")
	}
}

// The global flags work after the command too, as --json always did: a
// technician types `stampctl status --socket S`. Before, that was "flag
// provided but not defined: -socket".
func TestGlobalFlagsAfterTheCommand(t *testing.T) {
	sock := t.TempDir() + "/none.sock"
	for _, args := range [][]string{
		{"status", "--socket", sock},
		{"status", "--utc", "--wait", "2s", "--socket", sock},
		{"queue", "list", "--state", "dead", "--socket", sock},
		{"--wait", "2s", "badges", "list", "--socket=" + sock},
	} {
		code, _, errs := runCtl(t, args...)
		if code != 1 || !strings.Contains(errs, "no control socket at "+sock) {
			t.Errorf("%v: exit %d, stderr %q; want 1 and the socket given after the command", args, code, errs)
		}
	}
}

// `badges add` with its arguments swapped says the right order, before
// anything is sent (it said "reader: bad badge UID: "maier@example.com" has
// an odd number of hex digits").
func TestBadgesAdd_ArgumentsSwapped_SaysTheOrder(t *testing.T) {
	sock := t.TempDir() + "/none.sock"
	for _, sub := range []string{"add", "assign"} {
		code, _, errs := runCtl(t, "--socket", sock, "badges", sub, "maier@example.com", "04A1B2C3")
		if code != 2 || !strings.Contains(errs, "the UID comes first: stampctl badges "+sub+" 04A1B2C3 maier@example.com") {
			t.Errorf("%s: exit %d, stderr %q", sub, code, errs)
		}
	}
}

// --config where the command does not take it says how the command finds
// stampd instead.
func TestConfigFlagWhereNotTaken_SaysHowStampdIsFound(t *testing.T) {
	for _, args := range [][]string{{"--config", "x.toml", "status"}, {"status", "--config", "x.toml"}, {"queue", "list", "--config=x.toml"}} {
		code, _, errs := runCtl(t, args...)
		if code != 2 || !strings.Contains(errs, "not defined: -config; this command reaches stampd by its socket: --socket PATH") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
}

// `stampctl check` of a config that is missing or broken names the file
// once, then the cause (it said "config F config F: …").
func TestCheck_BadConfig_NamesFileOnce(t *testing.T) {
	dir := t.TempDir()
	broken := dir + "/broken.toml"
	if err := os.WriteFile(broken, []byte("[device\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, cause string }{
		{dir + "/missing.toml", "no such file or directory"},
		{broken, "line 2: expected"},
	} {
		code, out, _ := runCtl(t, "check", "--config", tc.path)
		if code != 1 || strings.Count(out, tc.path) != 1 || !strings.Contains(out, tc.cause) {
			t.Errorf("check --config %s: exit %d, output:\n%s", tc.path, code, out)
		}
	}
}

// `enroll --email` with a mistyped address is refused before anyone is
// asked to tap (it said "Tap the badge for maier@ …" and then refused).
func TestEnroll_BadEmail_RefusedBeforeAskingForTheTap(t *testing.T) {
	for _, email := range []string{"maier@", "maier@example.com ", "maier example.com"} {
		code, _, errs := runCtl(t, "--socket", t.TempDir()+"/none.sock", "enroll", "--email", email)
		if code != 2 || strings.Contains(errs, "Tap the badge") || !strings.Contains(errs, "is not an email address") {
			t.Errorf("%q: exit %d, stderr %q", email, code, errs)
		}
	}
}
