package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"stampclock/device/clock"
	"stampclock/device/config"
	"stampclock/device/control"
	"stampclock/device/ctlproto"
	"stampclock/device/provision"
	"stampclock/uplink"
)

const defaultConfig = "/etc/stampclock/stampd.toml"

// check runs the provisioning checklist for a config file.
func (c *cli) check(args []string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	path := fs.String("config", defaultConfig, "the config to check")
	if pos, err := c.parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{"check: unexpected argument " + pos[0]}
	}
	return c.runCheck(*path)
}

func (c *cli) runCheck(path string) error {
	cfg, err := config.Load(path)
	steps := []provision.Step{{Name: "config " + path, OK: err == nil, Detail: "valid"}}
	if err != nil {
		// The step names the file already.
		steps[0].Detail = strings.TrimPrefix(err.Error(), "config "+path+": ")
	} else {
		socket := c.socket
		if !c.socketSet {
			socket = cfg.Control.Socket
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		env := provision.Env{
			Synced: clock.SyncState,
			Reader: func(ctx context.Context) (bool, string, bool) { return readerHealth(ctx, socket) },
		}
		if !cfg.Reader.Injected() { // a simulator has nothing to probe
			env.Probe = func() (string, error) { return probeReader(ctx, path) }
		}
		if acct, err := config.LookupAccount(serviceUser()); err == nil {
			acct.AddGroups(unitGroups())
			env.Service = &acct
		}
		steps = append(steps, provision.Check(ctx, cfg, env)...)
	}
	failed := 0
	for _, s := range steps {
		if !s.OK && !s.Skipped {
			failed++
		}
	}
	if err := c.print(steps, func(w io.Writer) {
		for _, s := range steps {
			mark := "✓"
			switch {
			case s.Skipped:
				mark = "–"
			case !s.OK:
				mark = "✗"
			}
			fmt.Fprintf(w, "%s %-26s %s\n", mark, s.Name, s.Detail)
		}
	}); err != nil {
		return err
	}
	switch {
	case failed == 1:
		return errors.New("1 check failed")
	case failed > 1:
		return fmt.Errorf("%d checks failed", failed)
	}
	return nil
}

// ownerOf names the owner and group of the file at path as user:group
// (ids where the names are unknown).
func ownerOf(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return "?"
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "?"
	}
	uid, gid := strconv.FormatUint(uint64(st.Uid), 10), strconv.FormatUint(uint64(st.Gid), 10)
	if u, err := user.LookupId(uid); err == nil {
		uid = u.Username
	}
	if g, err := user.LookupGroupId(gid); err == nil {
		gid = g.Name
	}
	return uid + ":" + gid
}

// serviceUser is the user the installed unit runs stampd as (its User=,
// which a drop-in may change), else config.ServiceUser.
func serviceUser() string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "systemctl", "show", "--property=User", "--value", "stampd.service").Output()
	if u := strings.TrimSpace(string(out)); err == nil && u != "" {
		return u
	}
	return config.ServiceUser
}

// unitGroups is the installed unit's SupplementaryGroups= (the device
// groups systemd gives stampd besides its user's own), none when it
// cannot tell.
func unitGroups() []string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "systemctl", "show", "--property=SupplementaryGroups", "--value", "stampd.service").Output()
	if err != nil {
		return nil
	}
	return strings.Fields(string(out))
}

// readerHealth asks a running stampd how its reader is.
func readerHealth(ctx context.Context, socket string) (ok bool, detail string, running bool) {
	var s ctlproto.Status
	if err := control.Call(ctx, socket, ctlproto.CmdStatus, nil, &s); err != nil {
		return false, err.Error(), false
	}
	ok, detail = s.ReaderStep()
	return ok, detail, true
}

// initConfig writes a first config and its secrets, then runs check. It
// asks the questions of each uplink it sets up (provision.Kinds, from the
// list of uplinks), validates every flag and refuses to replace an edited
// config before it asks anything, and writes nothing until what the
// uplinks can prove with their receivers (the Zeiterfassung login and
// time type) was proven.
func (c *cli) initConfig(args []string) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	s := provision.Settings{Uplinks: map[string]uplink.Answers{}}
	fs.StringVar(&s.ConfigPath, "config", defaultConfig, "config file to write")
	secretFile := fs.String("secret-file", "", "where the secret goes when one uplink with a secret is set up (default: <uplink>.secret beside the config)")
	fs.StringVar(&s.DeviceID, "device-id", "", "name of this terminal (default: the host name, written into the config)")
	fs.StringVar(&s.Timezone, "timezone", "", "company time zone (default "+config.DefaultTimezone+")")
	fs.StringVar(&s.StorePath, "store", "", "queue file (default "+config.DefaultStorePath+")")
	fs.StringVar(&s.Socket, "control-socket", "", "control socket (default "+config.DefaultSocket+")")
	fs.StringVar(&s.Group, "group", config.ServiceGroup, "the group that may read the files written: the service's (stays the writer's where it does not exist)")
	kinds := provision.Kinds()
	var all, byDefault []string
	for _, k := range kinds {
		all = append(all, k.Name)
		if k.WhenOff != "" {
			byDefault = append(byDefault, k.Name)
		}
	}
	only := fs.String("uplinks", "", "uplinks to set up, separated by commas: "+strings.Join(all, ", ")+
		" (default: those whose flags are given, else asked at a terminal, else "+strings.Join(byDefault, ", ")+")")
	answers := map[string]map[string]*string{} // uplink → key → flag value
	flagOwner := map[string]string{}           // flag → uplink
	for _, k := range kinds {
		answers[k.Name] = map[string]*string{}
		for _, q := range k.Init.Questions {
			name := q.FlagName(k.Name)
			flagOwner[name] = k.Name
			switch {
			case q.Type == uplink.Bool:
				v := new(string)
				fs.BoolFunc(name, k.Name+"."+q.Key+" = true (permit a plain http:// URL: test servers only)", func(b string) error {
					*v = b
					return nil
				})
				answers[k.Name][q.Key] = v
			case q.Secret:
				answers[k.Name][q.Key] = fs.String(name, "", "file holding the "+k.Name+" "+strings.TrimSuffix(q.Key, "_file")+"; - or none: asked without echo at a terminal, else one line from standard input")
			default:
				answers[k.Name][q.Key] = fs.String(name, "", questionUsage(k.Name, q))
			}
		}
	}
	fs.BoolVar(&s.Force, "force", false, "replace a config that was edited (it is kept as a backup beside it)")
	fs.StringVar(&s.PackagedPath, "packaged", provision.DefaultPackagedPath, "the config as packaged: a config equal to it is replaced without --force")
	noCheck := fs.Bool("no-check", false, "do not run check afterwards")
	if pos, err := c.parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{"init: unexpected argument " + pos[0]}
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	// The default group may be missing (a machine without the package);
	// one named on purpose must exist, or the service could not read
	// what is written.
	if _, err := user.LookupGroup(s.Group); given["group"] && err != nil {
		return usageError{fmt.Sprintf("init: --group %s: no such group here", s.Group)}
	}
	p := newPrompter(os.Stdin, c.err)
	// Which uplinks: --uplinks, else those whose flags were given, else
	// asked at a terminal, else the expected ones.
	chosen := splitList(*only)
	if len(chosen) == 0 {
		for _, k := range kinds {
			for _, q := range k.Init.Questions {
				if given[q.FlagName(k.Name)] && !slices.Contains(chosen, k.Name) {
					chosen = append(chosen, k.Name)
				}
			}
		}
	}
	for _, name := range chosen {
		if !slices.Contains(all, name) {
			return usageError{fmt.Sprintf("init: --uplinks: %q is not an uplink init sets up; want %s", name, strings.Join(all, ", "))}
		}
	}
	for _, name := range chosen {
		a := uplink.Answers{}
		for key, v := range answers[name] {
			if *v != "" { // a secret's flag names its file, read when asked
				a[key] = *v
			}
		}
		s.Uplinks[name] = a
	}
	// The host name is written into the config as device.id, so the id
	// stays when the host is renamed: receivers tell this terminal's
	// records apart by it (idempotency keys <device_id>:<seq>).
	fromHost := false
	if h, err := os.Hostname(); s.DeviceID == "" && err == nil {
		s.DeviceID, fromHost = h, true
	}
	if err := s.Validate(); err != nil {
		return usageError{"init: " + err.Error()}
	}
	if err := s.CheckReplace(); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if len(chosen) == 0 {
		list, err := p.ask("", "uplinks", "Uplinks to set up ("+strings.Join(all, ", ")+")", strings.Join(byDefault, ","), false, func(v string) error {
			for _, name := range splitList(v) {
				if !slices.Contains(all, name) {
					return fmt.Errorf("--uplinks: %q is not an uplink init sets up; want %s", name, strings.Join(all, ", "))
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, name := range splitList(list) {
			chosen = append(chosen, name)
			s.Uplinks[name] = uplink.Answers{}
		}
	}
	stdinUsed := false
	for _, k := range kinds {
		a, ok := s.Uplinks[k.Name]
		if !ok {
			continue
		}
		for _, q := range k.Init.Questions {
			flagName := q.FlagName(k.Name)
			switch {
			case q.Type == uplink.Bool:
				continue
			case q.Secret:
				v, err := c.secretAnswer(p, k, q, a[q.Key], &stdinUsed)
				if err != nil {
					return err
				}
				if err := provision.CheckAnswer(k, q, v, a); err != nil {
					return usageError{"init: " + err.Error()}
				}
				a[q.Key] = v
			default:
				v, err := p.ask(a[q.Key], flagName, q.Prompt, q.Default, q.Optional, func(v string) error { return provision.CheckAnswer(k, q, v, a) })
				if err != nil {
					return err
				}
				if v != "" {
					a[q.Key] = v
				}
			}
		}
	}
	if *secretFile != "" {
		var keys []string
		for _, k := range kinds {
			if _, ok := s.Uplinks[k.Name]; ok {
				for _, key := range k.Init.Secrets() {
					keys = append(keys, k.Name+"."+key)
				}
			}
		}
		if len(keys) != 1 {
			return usageError{fmt.Sprintf("init: --secret-file: %d secrets to write (%s); it names the place of one", len(keys), strings.Join(keys, ", "))}
		}
		s.SecretPaths = map[string]string{keys[0]: *secretFile}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	notes, err := provision.Resolve(ctx, s, nil)
	if err != nil {
		return fmt.Errorf("init: %w (nothing was written)", err)
	}
	backup, err := provision.Write(s)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if backup != "" {
		fmt.Fprintf(c.err, "kept the previous config as %s\n", backup)
	}
	files := []string{s.ConfigPath}
	for _, k := range kinds {
		if _, ok := s.Uplinks[k.Name]; ok {
			for _, key := range k.Init.Secrets() {
				files = append(files, s.SecretPath(k.Name, key))
			}
		}
	}
	note := ""
	if len(notes) > 0 {
		note = " (" + strings.Join(notes, "; ") + ")"
	}
	fmt.Fprintf(c.err, "wrote %s%s, each %s %04o\n", strings.Join(files, " and "), note, ownerOf(s.ConfigPath), config.FileMode)
	if fromHost && provision.SharedHostName(s.DeviceID) {
		fmt.Fprintf(c.err, "WARNING: device.id = %s, the host name an operating system image gives every machine: "+
			"terminals sharing it are one terminal to MQTT consumers and webhook receivers, which drop one's punches as the other's duplicates; "+
			"give this one its own: stampctl init --force --device-id front-door …\n", s.DeviceID)
	}
	fmt.Fprintln(c.err, "next: systemctl restart stampd")
	if *noCheck {
		return nil
	}
	return c.runCheck(s.ConfigPath)
}

// secretAnswer returns the secret of question q: from the file its flag
// names, typed without echo at a terminal, or one line of standard input
// (once).
func (c *cli) secretAnswer(p *prompter, k uplink.Kind, q uplink.Question, file string, stdinUsed *bool) (string, error) {
	flagName := q.FlagName(k.Name)
	switch {
	case file != "" && file != "-":
		v, err := config.ReadSecret(file)
		if err != nil {
			return "", fmt.Errorf("init: --%s: %w", flagName, err)
		}
		return v, nil
	case p.isTTY:
		v, err := p.secret(q.Prompt)
		if err != nil {
			return "", fmt.Errorf("init: %s: %w", q.Prompt, err)
		}
		return v, nil
	}
	if !*stdinUsed {
		*stdinUsed = true
		if v, err := readLine(os.Stdin); err == nil {
			return v, nil
		}
	}
	return "", usageError{fmt.Sprintf("init: no %s: give --%s FILE, or type it at a terminal, or send it as one line on standard input", q.Prompt, flagName)}
}

// questionUsage is the flag usage of question q of uplink name.
func questionUsage(name string, q uplink.Question) string {
	u := q.Prompt + " (" + name + "." + q.Key
	switch {
	case q.Default != "":
		u += ", default " + q.Default
	case q.Optional:
		u += ", optional"
	}
	return u + "; asked for at a terminal)"
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(v string) []string {
	var out []string
	for part := range strings.SplitSeq(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// prompter asks for missing values when standard input is a terminal.
type prompter struct {
	in    *bufio.Reader
	fd    int
	out   io.Writer
	isTTY bool
}

func newPrompter(in *os.File, out io.Writer) *prompter {
	_, err := unix.IoctlGetTermios(int(in.Fd()), unix.TCGETS)
	return &prompter{in: bufio.NewReader(in), fd: int(in.Fd()), out: out, isTTY: err == nil}
}

// errCancelled ends init when the answers end (Ctrl-D at a question):
// nothing has been written then.
var errCancelled = errors.New("init: cancelled (end of input): nothing written")

// ask returns have when set, else asks until valid accepts the answer.
// An empty answer takes def; without def it asks again unless optional.
// The end of input (Ctrl-D) cancels init, also where a default is offered.
// Without a terminal it takes def, or "" when optional, else names the
// missing flag.
func (p *prompter) ask(have, flagName, question, def string, optional bool, valid func(string) error) (string, error) {
	if have != "" {
		return have, nil
	}
	if !p.isTTY {
		if def != "" || optional {
			return def, nil
		}
		return "", usageError{fmt.Sprintf("init: --%s is required (no terminal to ask)", flagName)}
	}
	for {
		switch {
		case def != "":
			fmt.Fprintf(p.out, "%s [%s]: ", question, def)
		case optional:
			fmt.Fprintf(p.out, "%s (optional): ", question)
		default:
			fmt.Fprintf(p.out, "%s: ", question)
		}
		v, err := p.in.ReadString('\n')
		v = strings.TrimSpace(v)
		if err != nil && v == "" {
			fmt.Fprintln(p.out)
			return "", errCancelled
		}
		if v == "" {
			v = def
		}
		if v == "" {
			if optional {
				return "", nil
			}
			fmt.Fprintf(p.out, "an answer is needed (--%s); Ctrl-D cancels, nothing is written\n", flagName)
			continue
		}
		if valid == nil {
			return v, nil
		}
		verr := valid(v)
		if verr == nil {
			return v, nil
		}
		fmt.Fprintln(p.out, verr)
		if err != nil {
			return "", fmt.Errorf("init: %w", verr)
		}
	}
}

// secret reads a line without echo.
func (p *prompter) secret(question string) (string, error) {
	fmt.Fprintf(p.out, "%s: ", question)
	old, err := unix.IoctlGetTermios(p.fd, unix.TCGETS)
	if err != nil {
		return "", err
	}
	noEcho := *old
	noEcho.Lflag &^= unix.ECHO
	if err := unix.IoctlSetTermios(p.fd, unix.TCSETS, &noEcho); err != nil {
		return "", err
	}
	v, rerr := p.in.ReadString('\n')
	_ = unix.IoctlSetTermios(p.fd, unix.TCSETS, old)
	fmt.Fprintln(p.out)
	v = strings.TrimSpace(v)
	if v == "" {
		return "", fmt.Errorf("no password given (%v)", rerr)
	}
	return v, nil
}

func readLine(r io.Reader) (string, error) {
	v, err := bufio.NewReader(r).ReadString('\n')
	v = strings.TrimSpace(v)
	if v == "" {
		return "", fmt.Errorf("empty (%v)", err)
	}
	return v, nil
}
