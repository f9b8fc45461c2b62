package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"strings"

	"stampclock/device/config"
)

// command is one line of the usage: its name as typed ("queue list"), its
// arguments and what it does. The usage and each command's help are made
// from this list.
type command struct {
	name, args, does string
}

var commands = []command{
	{"init", "[--url U] [--email E] [--timetype NAME|ID] [--password-file F|-] [--uplinks LIST] [--<uplink>-<key> V] [flags]",
		"write the first config and its secrets (root:stampclock 0640) for each uplink set up, then run check; the packaged config is replaced, an edited one only with --force (backed up)"},
	{"check", "[--config PATH]", "checklist with the cause of each failure: files, DNS, TCP, TLS, API, login, time type, users, MQTT, reader, clock, free disk"},
	{"status", "", "device, clock, queue depth, uplinks, reader, taps, open shifts, anomalies"},
	{"tap", "UID [--at RFC3339]", "inject a tap (simulated reader only)"},
	{"enroll", "--email EMAIL [--name N] [--timeout 2m]", "bind the next badge tapped at the terminal"},
	{"badges list", "", "every badge, from the config file and enrolled"},
	{"badges export", "", "every badge as CSV uid,email,name,source"},
	{"badges add", "UID EMAIL [--name N]", "enrol a badge by its UID"},
	{"badges remove", "UID", "forget a badge"},
	{"badges import", "FILE.csv", "header uid,email[,name]; every bad line reported, nothing imported on error"},
	{"badges pending", "", "unknown badges collected in capture mode (admin badge)"},
	{"badges assign", "UID EMAIL [--name N]", "bind a pending badge"},
	{"queue status", "", "depth per uplink and state"},
	{"queue list", "[--uplink U] [--state pending|held|dead|withdrawn] [--employee E] [--from T] [--to T] [--limit N]", "records still queued"},
	{"queue dead", "[--uplink U]", "dead letters with the receiver's message"},
	{"queue retry", "[--uplink U] [SEQ...]", "send dead letters again (all without SEQ)"},
	{"queue release", "[--uplink U] [SEQ...]", "send held records again (after a day was unlocked)"},
	{"queue export", "[--csv] [--employee E] [--kind K] [--from T] [--to T]", "every record kept"},
	{"queue correct", "--seq N (--at TIME | --offset D) --reason WHY", "correct the times of a boot whose clock never synchronised (audited)"},
	{"queue discard", "[--uplink U] SEQ... --reason WHY", "give up held records: kept as dead letters with the reason (audited)"},
	{"daytotal", "EMAIL [--date YYYY-MM-DD]", "the employee's total for the day"},
	{"reload", "", "re-read the badges from the config file"},
	{"salvage", "FILE [--csv]", "export what is readable from a store file (no running stampd needed; runs stampd --salvage)"},
	{"fleet", "[--config PATH] [--broker URL ...] [--prefix P] [--username U --password-file F]",
		"every terminal of the site from the MQTT broker: online/offline since when, pending/held/dead, alarms, version (no stampd needed)"},
	{"remote", "[--config PATH] [--broker URL ...] [--username U --password-file F] [--timeout 30s] DEVICE COMMAND [ARGS]", "run status, reload, queue, badges or daytotal on terminal DEVICE through the MQTT broker (mqtt.remote_commands)"},
	{"version", "", "print the version (also --version)"},
	{"help", "[COMMAND]", "this list, or one command's flags"},
}

// usage is the list of commands.
func usage() string {
	var b strings.Builder
	b.WriteString("usage: stampctl [--socket PATH] [--json] COMMAND [ARGS]\n\ncommands:\n")
	for _, c := range commands {
		syn := c.name
		if c.args != "" {
			syn += " " + c.args
		}
		if len(syn) > 34 {
			fmt.Fprintf(&b, "  %s\n  %-34s %s\n", syn, "", c.does)
		} else {
			fmt.Fprintf(&b, "  %-34s %s\n", syn, c.does)
		}
	}
	fmt.Fprintf(&b, "\nThe socket is --socket, else $STAMPCLOCK_SOCKET, else %s.\n`stampctl help COMMAND` shows a command's flags.\n", config.DefaultSocket)
	return b.String()
}

// lookup returns the command named name ("queue list").
func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// helpFor writes the help of the command whose flags fs holds.
func helpFor(w io.Writer, fs *flag.FlagSet) {
	c, _ := lookup(fs.Name())
	fmt.Fprintf(w, "usage: stampctl %s %s\n\n%s\n", fs.Name(), c.args, c.does)
	var flags bytes.Buffer
	fs.SetOutput(&flags)
	fs.PrintDefaults()
	if flags.Len() > 0 {
		fmt.Fprintf(w, "\nflags:\n%s", flags.String())
	}
}

// help answers `stampctl help [COMMAND [SUB]]`.
func (c *cli) help(args []string) error {
	if len(args) == 0 {
		fmt.Fprint(c.out, usage())
		return nil
	}
	name := strings.Join(args, " ")
	if _, ok := lookup(name); !ok {
		// A group ("queue", "badges"): its commands.
		var lines []string
		for _, cmd := range commands {
			if strings.HasPrefix(cmd.name, name+" ") {
				lines = append(lines, fmt.Sprintf("  stampctl %s %s\n      %s\n", cmd.name, cmd.args, cmd.does))
			}
		}
		if len(lines) == 0 {
			return usageError{msg: fmt.Sprintf("help: no command %q", name)}
		}
		fmt.Fprint(c.out, strings.Join(lines, ""))
		return nil
	}
	switch name {
	case "reload", "version", "help":
		cmd, _ := lookup(name)
		fmt.Fprintf(c.out, "usage: stampctl %s %s\n\n%s\n", cmd.name, cmd.args, cmd.does)
		return nil
	}
	return c.dispatch(args[0], append(args[1:], "-h"))
}

// errHelp ends a command after its help was printed (exit 0).
type errHelp struct{}

func (errHelp) Error() string { return "help shown" }

// complete prints the candidates for the next word after words, one a
// line, for the bash completion (`stampctl __complete WORDS…`): commands,
// then a group's commands, then the command's flags from its own help.
func (c *cli) complete(words []string) error {
	for len(words) > 0 && strings.HasPrefix(words[0], "-") {
		if words[0] == "--socket" && len(words) > 1 {
			words = words[1:]
		}
		words = words[1:]
	}
	var out []string
	groups := map[string][]string{}
	seen := map[string]bool{}
	var tops []string
	for _, cmd := range commands {
		top, sub, grouped := strings.Cut(cmd.name, " ")
		if !seen[top] {
			seen[top] = true
			tops = append(tops, top)
		}
		if grouped {
			groups[top] = append(groups[top], sub)
		}
	}
	switch {
	case len(words) == 0:
		out = append(tops, "--socket", "--json", "--version")
	case words[0] == "help" && len(words) == 1:
		out = tops
	case len(groups[words[0]]) > 0 && len(words) == 1:
		out = groups[words[0]]
	default:
		args := words[:1]
		if len(groups[words[0]]) > 0 {
			args = words[:2]
		}
		var buf bytes.Buffer
		saved := c.out
		c.out = &buf
		_ = c.dispatch(args[0], append(args[1:len(args):len(args)], "-h"))
		c.out = saved
		for _, line := range strings.Split(buf.String(), "\n") {
			f := strings.Fields(line)
			if len(f) > 0 && strings.HasPrefix(line, "  -") {
				out = append(out, "-"+f[0])
			}
		}
	}
	fmt.Fprintln(c.out, strings.Join(out, "\n"))
	return nil
}
