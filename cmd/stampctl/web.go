package main

import (
	"bufio"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"stampclock/device/config"
	"stampclock/device/web"
)

// web shows how to reach the web page (`stampctl web`) or sets a login's
// password (`stampctl web passwd USER`). Both read the config file, not the
// socket: the password never passes through stampd.
func (c *cli) web(args []string) error {
	sub := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("web "+sub, flag.ContinueOnError)
	path := fs.String("config", defaultConfig, "the config file")
	role := fs.String("role", string(web.Admin), "viewer or admin")
	generate := fs.Bool("generate", false, "make up a password and print it")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	cfg, err := config.Load(*path)
	if err != nil {
		return err
	}
	switch sub {
	case "":
		if len(pos) > 0 {
			return usageError{"web: unexpected argument " + pos[0]}
		}
		return c.webInfo(cfg)
	case "passwd":
		if len(pos) != 1 {
			return usageError{"web passwd: want one USER"}
		}
		r, err := web.ParseRole(*role)
		if err != nil {
			return usageError{"web passwd: --" + err.Error()}
		}
		pw := ""
		if *generate {
			pw = rand.Text()[:16]
		} else if pw, err = readPassword(os.Stdin, c.err); err != nil {
			return err
		}
		if err := web.SetPassword(cfg.Web.UsersFile, pos[0], r, pw, 0); err != nil {
			return err
		}
		fmt.Fprintf(c.out, "password of %s (%s) set in %s\n", pos[0], r, cfg.Web.UsersFile)
		if *generate {
			fmt.Fprintf(c.out, "password: %s\n", pw)
		}
		return nil
	}
	return usageError{fmt.Sprintf("web %s: want no subcommand or passwd", sub)}
}

// readPassword reads the first line of r (a terminal shows what is typed;
// pipe the password in or use --generate to avoid that).
func readPassword(r io.Reader, prompt io.Writer) (string, error) {
	fmt.Fprint(prompt, "new password (at least 8 characters): ")
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("web passwd: read the password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (c *cli) webInfo(cfg *config.Config) error {
	w := cfg.Web
	if !w.Enabled() {
		fmt.Fprintf(c.out, "web page off: set [web] listen in %s (e.g. listen = \":8443\")\n", cfg.Path)
		return nil
	}
	host, port, _ := net.SplitHostPort(w.Listen)
	if host == "" || host == "0.0.0.0" || host == "::" {
		if h, err := os.Hostname(); err == nil {
			host = h
		}
	}
	scheme := "https"
	if w.AllowHTTP {
		scheme = "http"
	}
	fmt.Fprintf(c.out, "address      %s://%s/\n", scheme, net.JoinHostPort(host, port))
	if !w.AllowHTTP {
		fp, err := web.Fingerprint(w.CertFile)
		switch {
		case errors.Is(err, os.ErrNotExist) && w.SelfSigned:
			fmt.Fprintf(c.out, "certificate  not made yet: stampd generates %s at its next start\n", w.CertFile)
		case err != nil:
			fmt.Fprintf(c.out, "certificate  %s: %v\n", w.CertFile, err)
		default:
			fmt.Fprintf(c.out, "certificate  %s\nfingerprint  SHA-256 %s\n", w.CertFile, fp)
		}
	} else {
		fmt.Fprintln(c.out, "plain http   (allow_http: put a TLS reverse proxy in front)")
	}
	users, err := web.ReadUsers(w.UsersFile)
	if err != nil {
		fmt.Fprintf(c.out, "logins       none: %v\n", err)
		return nil
	}
	for _, u := range users {
		fmt.Fprintf(c.out, "login        %s (%s)\n", u.Name, u.Role)
	}
	return nil
}
