// Command zeitserver runs the fake Zeiterfassung API (package zeittest) on a
// local address for `make demo` and manual tests. It prints its URL, then
// one line per stored entry on stdout; request logs go to stderr. It stops
// on SIGINT or SIGTERM. SIGUSR1 takes it down (every request answered 503,
// as the API's server does when unavailable; stored entries are kept) and
// SIGUSR2 brings it up again; each prints a line ("zeitserver: down",
// "zeitserver: up") once in force.
//
//	zeitserver -addr 127.0.0.1:8089 -email admin@example.com -password demo \
//	    -users maier@example.com,huber@example.com -timetype arbeitszeit=Arbeitszeit
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"stampclock/uplink/zeiterfassung/zeittest"
)

// idNames is a repeatable flag of id=name pairs (also comma-separated).
type idNames []zeittest.IDName

func (l *idNames) String() string {
	var s []string
	for _, v := range *l {
		s = append(s, v.ID+"="+v.Name)
	}
	return strings.Join(s, ",")
}

func (l *idNames) Set(v string) error {
	for p := range strings.SplitSeq(v, ",") {
		id, name, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || id == "" {
			return fmt.Errorf("want id=name, got %q", p)
		}
		*l = append(*l, zeittest.IDName{ID: id, Name: name})
	}
	return nil
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "zeitserver:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zeitserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		addr      = fs.String("addr", "127.0.0.1:8089", "listen address")
		email     = fs.String("email", zeittest.DefaultEmail, "admin loginemail accepted by /api/login")
		password  = fs.String("password", zeittest.DefaultPassword, "apipassword accepted by /api/login")
		users     = fs.String("users", "", "further known user emails, comma-separated")
		header    = fs.String("auth-header", zeittest.DefaultAuthHeader, "header carrying the token")
		scheme    = fs.String("auth-scheme", zeittest.DefaultAuthScheme, `scheme before the token ("none": bare token)`)
		rawLogin  = fs.Bool("login-raw", false, "answer logins with the bare token instead of a JSON string")
		verbose   = fs.Bool("v", false, "log every request to stderr")
		tlsHost   = fs.String("tls-host", "", "serve HTTPS with a certificate for this `name` from a throw-away CA (see -tls-ca)")
		tlsCA     = fs.String("tls-ca", "", "with -tls-host: write the throw-away CA certificate (PEM) to this `file`, for the clients to trust")
		timeTypes idNames
		projects  idNames
	)
	fs.Var(&timeTypes, "timetype", "time type id=name, repeatable (default arbeitszeit=Arbeitszeit)")
	fs.Var(&projects, "project", "project id=name, repeatable")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	o := zeittest.Options{
		Email:      *email,
		Password:   *password,
		TimeTypes:  timeTypes,
		Projects:   projects,
		AuthHeader: *header,
		AuthScheme: *scheme,
		Logger:     slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
		OnStore: func(e zeittest.Entry) {
			line := fmt.Sprintf("stored %s  %s → %s  user=%s timetype=%s", e.ID, e.StartTime, e.EndTime, e.UserEmail, e.TimeTypeID)
			if e.ProjectID != "" {
				line += " project=" + e.ProjectID
			}
			if e.Comment != "" {
				line += fmt.Sprintf(" comment=%q", e.Comment)
			}
			fmt.Fprintln(stdout, line)
		},
	}
	if *rawLogin {
		o.LoginStyle = zeittest.LoginRaw
	}
	for u := range strings.SplitSeq(*users, ",") {
		if u = strings.TrimSpace(u); u != "" {
			o.Users = append(o.Users, u)
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	fake := zeittest.New(o)
	// Registered before "listening on" is printed: a SIGUSR1 sent after
	// that line never ends the process.
	updown := make(chan os.Signal, 4)
	signal.Notify(updown, syscall.SIGUSR1, syscall.SIGUSR2)
	defer signal.Stop(updown)
	srv := &http.Server{Handler: fake.Handler(), ReadHeaderTimeout: 10 * time.Second}
	proto := "http"
	if *tlsHost != "" {
		if *tlsCA == "" {
			return errors.New("-tls-host needs -tls-ca FILE (where the clients find the CA to trust)")
		}
		cert, caPEM, err := testCA(*tlsHost, time.Now())
		if err != nil {
			return err
		}
		if err := os.WriteFile(*tlsCA, caPEM, 0o644); err != nil {
			return fmt.Errorf("-tls-ca: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		proto = "https"
	}
	fmt.Fprintf(stdout, "zeitserver: listening on %s://%s (login %s)\n", proto, ln.Addr(), *email)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
serve:
	for {
		select {
		case err := <-errc:
			return fmt.Errorf("serve: %w", err)
		case sig := <-updown:
			if sig == syscall.SIGUSR1 {
				fake.SetDown(zeittest.Down503)
				fmt.Fprintln(stdout, "zeitserver: down")
			} else {
				fake.SetDown(zeittest.Up)
				fmt.Fprintln(stdout, "zeitserver: up")
			}
		case <-ctx.Done():
			break serve
		}
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	fmt.Fprintln(stdout, "zeitserver: stopped")
	return nil
}
