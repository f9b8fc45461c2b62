// Package udev holds stampclock's udev rules; this test checks their syntax,
// since udevadm verify (systemd 253+) is not on every build machine.
package udev

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"
)

// keys udev knows that these rules may use: match-only, assign-only, both.
var (
	matchKeys  = map[string]bool{"ACTION": true, "DEVPATH": true, "KERNEL": true, "SUBSYSTEM": true, "DRIVER": true, "KERNELS": true, "SUBSYSTEMS": true, "DRIVERS": true, "ATTRS": true, "TAG": true, "TAGS": true, "TEST": true, "RESULT": true, "ATTR": true, "ENV": true, "NAME": true, "SYMLINK": true, "GROUP": true, "OWNER": true, "MODE": true}
	assignKeys = map[string]bool{"GROUP": true, "OWNER": true, "MODE": true, "SYMLINK": true, "ENV": true, "TAG": true, "ATTR": true, "RUN": true, "OPTIONS": true, "IMPORT": true, "NAME": true}
	attrKeys   = map[string]bool{"ATTR": true, "ATTRS": true, "ENV": true, "TEST": true, "RUN": true, "IMPORT": true}
	groups     = map[string]bool{"gpio": true, "spi": true, "i2c": true, "input": true}
	pair       = regexp.MustCompile(`^([A-Z]+)(\{([A-Za-z0-9_]+)\})?(==|!=|\+=|-=|:=|=)"([^"]*)"$`)
	// A commented-out rule is still checked, so the template stays valid.
	commentedRule = regexp.MustCompile(`^#\s*((SUBSYSTEM|KERNEL|ACTION)[!=]=.*)$`)
)

func TestRules_EveryLineParses(t *testing.T) {
	f, err := os.Open("99-stampclock.rules")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n, rules := 0, 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if m := commentedRule.FindStringSubmatch(line); m != nil {
			line = m[1]
		} else if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			t.Errorf("line %d: continuation lines are not used here", n)
			continue
		}
		rules++
		checkRule(t, n, line)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if rules < 5 {
		t.Errorf("found %d rules, want at least the gpio, gpiomem, spi, i2c and input ones", rules)
	}
}

func checkRule(t *testing.T, n int, line string) {
	t.Helper()
	matches, assigns := 0, 0
	for _, field := range splitFields(line) {
		m := pair.FindStringSubmatch(field)
		if m == nil {
			t.Errorf("line %d: %q is not KEY[{attr}]OP\"value\"", n, field)
			continue
		}
		key, attr, op, val := m[1], m[3], m[4], m[5]
		if (attr != "") != attrKeys[key] {
			t.Errorf("line %d: %s: {attribute} given=%v, want %v", n, key, attr != "", attrKeys[key])
		}
		switch op {
		case "==", "!=":
			matches++
			if !matchKeys[key] {
				t.Errorf("line %d: %s cannot be matched with %s", n, key, op)
			}
		default:
			assigns++
			if !assignKeys[key] {
				t.Errorf("line %d: %s cannot be assigned with %s", n, key, op)
			}
		}
		if key == "MODE" && op != "==" && !regexp.MustCompile(`^0[0-7]{3}$`).MatchString(val) {
			t.Errorf("line %d: MODE %q, want an octal mode like 0660", n, val)
		}
		if key == "MODE" && op != "==" && val[3] != '0' {
			t.Errorf("line %d: MODE %s gives others access", n, val)
		}
		if key == "GROUP" && op != "==" && !groups[val] {
			t.Errorf("line %d: GROUP %q is not one the package creates (gpio spi i2c input)", n, val)
		}
	}
	if matches == 0 || assigns == 0 {
		t.Errorf("line %d: a rule needs a match and an assignment: %s", n, line)
	}
}

// splitFields splits a rule at the commas between fields, not inside quotes.
func splitFields(line string) []string {
	var out []string
	inQuote, start := false, 0
	for i, c := range line {
		switch {
		case c == '"':
			inQuote = !inQuote
		case c == ',' && !inQuote:
			out = append(out, strings.TrimSpace(line[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(line[start:]))
}

func TestSplitFields_CommaInsideQuotes_Kept(t *testing.T) {
	got := splitFields(`KERNEL=="a,b", GROUP="gpio"`)
	if len(got) != 2 || got[0] != `KERNEL=="a,b"` || got[1] != `GROUP="gpio"` {
		t.Errorf("got %q", got)
	}
}
