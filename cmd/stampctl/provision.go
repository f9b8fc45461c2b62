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
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"stampclock/device/clock"
	"stampclock/device/config"
	"stampclock/device/control"
	"stampclock/device/daemon"
	"stampclock/device/provision"
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
		steps[0].Detail = err.Error()
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
		if cfg.Reader.Type != "sim" { // a simulator has nothing to probe
			env.Probe = func() (string, error) { return daemon.ProbeReader(cfg) }
		}
		if acct, err := config.LookupAccount(serviceUser()); err == nil {
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

// readerHealth asks a running stampd how its reader is.
func readerHealth(ctx context.Context, socket string) (ok bool, detail string, running bool) {
	var s daemon.Status
	if err := control.Call(ctx, socket, "status", nil, &s); err != nil {
		return false, err.Error(), false
	}
	ok, detail = s.ReaderStep()
	return ok, detail, true
}

// initConfig writes a first config and its secret, then runs check. It
// validates every flag and refuses to replace an edited config before it
// asks anything, and writes nothing until the login and the time type
// were proven with the server.
func (c *cli) initConfig(args []string) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	var s provision.Settings
	fs.StringVar(&s.ConfigPath, "config", defaultConfig, "config file to write")
	fs.StringVar(&s.SecretPath, "secret-file", "", "where the API password goes (default: zeiterfassung.secret beside the config)")
	fs.StringVar(&s.DeviceID, "device-id", "", "name of this terminal (default: host name)")
	fs.StringVar(&s.Timezone, "timezone", "", "company time zone (default "+config.DefaultTimezone+")")
	fs.StringVar(&s.StorePath, "store", "", "queue file (default "+config.DefaultStorePath+")")
	fs.StringVar(&s.Socket, "control-socket", "", "control socket (default "+config.DefaultSocket+")")
	fs.StringVar(&s.URL, "url", "", "Zeiterfassung base URL, https://… (asked for at a terminal)")
	fs.BoolVar(&s.AllowHTTP, "allow-http", false, "permit a plain http:// URL (test servers only)")
	fs.StringVar(&s.Email, "email", "", "admin login email (asked for at a terminal)")
	fs.StringVar(&s.TimeType, "timetype", "", "time type name (\"Arbeitszeit\") or id (asked for at a terminal)")
	pwFile := fs.String("password-file", "", "file holding the API password; - or none: asked without echo at a terminal, else one line from standard input")
	fs.BoolVar(&s.Force, "force", false, "replace a config that was edited (it is kept as a backup beside it)")
	fs.StringVar(&s.PackagedPath, "packaged", provision.DefaultPackagedPath, "the config as packaged: a config equal to it is replaced without --force")
	noCheck := fs.Bool("no-check", false, "do not run check afterwards")
	if pos, err := c.parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{"init: unexpected argument " + pos[0]}
	}
	if err := s.Validate(); err != nil {
		return usageError{"init: " + err.Error()}
	}
	if err := s.CheckReplace(); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	p := newPrompter(os.Stdin, c.err)
	var err error
	if s.URL, err = p.ask(s.URL, "url", "Zeiterfassung URL (https://…)", func(v string) error { return provision.ValidateURL(v, s.AllowHTTP) }); err != nil {
		return err
	}
	if s.Email, err = p.ask(s.Email, "email", "Admin login email", func(v string) error {
		if !config.ValidEmail(v) {
			return fmt.Errorf("--email %q: not an email address", v)
		}
		return nil
	}); err != nil {
		return err
	}
	if s.TimeType, err = p.ask(s.TimeType, "timetype", "Time type (name or id)", nil); err != nil {
		return err
	}
	switch {
	case *pwFile != "" && *pwFile != "-":
		s.Password, err = config.ReadSecret(*pwFile)
		if err != nil {
			return fmt.Errorf("init: --password-file: %w", err)
		}
	case p.isTTY:
		if s.Password, err = p.secret("API password (Einstellungen → Sicherheit)"); err != nil {
			return fmt.Errorf("init: API password: %w", err)
		}
	default:
		if s.Password, err = readLine(os.Stdin); err != nil {
			return usageError{"init: no API password: give --password-file FILE, or type it at a terminal, or send it as one line on standard input"}
		}
	}
	if s.SecretPath == "" {
		s.SecretPath = filepath.Join(filepath.Dir(s.ConfigPath), "zeiterfassung.secret")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id, name, err := provision.ResolveTimeType(ctx, s, nil)
	if err != nil {
		return fmt.Errorf("init: %w (nothing was written)", err)
	}
	s.TimeType = id
	backup, err := provision.Write(s)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if backup != "" {
		fmt.Fprintf(c.err, "kept the previous config as %s\n", backup)
	}
	fmt.Fprintf(c.err, "wrote %s (time type %s = %s) and %s, both root:%s %04o\nnext: systemctl restart stampd\n",
		s.ConfigPath, name, id, s.SecretPath, config.ServiceGroup, config.FileMode)
	if *noCheck {
		return nil
	}
	return c.runCheck(s.ConfigPath)
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

// ask returns have when set, else asks until valid accepts the answer.
func (p *prompter) ask(have, flagName, question string, valid func(string) error) (string, error) {
	if have != "" {
		return have, nil
	}
	if !p.isTTY {
		return "", usageError{fmt.Sprintf("init: --%s is required (no terminal to ask)", flagName)}
	}
	for {
		fmt.Fprintf(p.out, "%s: ", question)
		v, err := p.in.ReadString('\n')
		v = strings.TrimSpace(v)
		if v == "" {
			return "", fmt.Errorf("init: --%s: no answer", flagName)
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
