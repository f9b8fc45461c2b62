// Command stampctl is the technician's and operator's tool: it talks to a
// running stampd over its control socket. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"stampclock/device/config"
	"stampclock/device/control"
	"stampclock/device/ctlproto"
	"stampclock/queue/record"
)

var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type cli struct {
	socket    string
	socketSet bool // --socket or $STAMPCLOCK_SOCKET given
	json      bool
	wait      time.Duration  // how long to wait for an answer
	utc       bool           // --utc: show times in UTC
	loc       *time.Location // the zone times are shown in (zone())
	out       io.Writer
	err       io.Writer
	// via, when set, carries the calls instead of the socket (remote.go).
	via func(ctx context.Context, cmd string, args, out any) error
}

func run(args []string, stdout, stderr io.Writer) int {
	c := &cli{out: stdout, err: stderr, socket: os.Getenv("STAMPCLOCK_SOCKET")}
	if c.socket == "" {
		c.socket = config.DefaultSocket
	}
	fs := flag.NewFlagSet("stampctl", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.socket, "socket", c.socket, "control socket")
	fs.BoolVar(&c.json, "json", false, "print JSON for scripts")
	fs.DurationVar(&c.wait, "wait", 30*time.Second, "how long to wait for stampd's answer")
	fs.BoolVar(&c.utc, "utc", false, "show times in UTC instead of the terminal's zone")
	showVersion := fs.Bool("version", false, "print the version")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage())
		return 0
	} else if err != nil {
		fmt.Fprintf(stderr, "stampctl: %v%s\nsee: stampctl help\n", err, configHint(err))
		return 2
	}
	if *showVersion {
		fmt.Fprintln(stdout, "stampctl", version)
		return 0
	}
	fs.Visit(func(f *flag.Flag) { c.socketSet = c.socketSet || f.Name == "socket" })
	c.socketSet = c.socketSet || os.Getenv("STAMPCLOCK_SOCKET") != ""
	if fs.NArg() == 0 {
		fmt.Fprintf(stderr, "stampctl: no command\nsee: stampctl help\n")
		return 2
	}
	err := c.dispatch(fs.Arg(0), fs.Args()[1:])
	var ue usageError
	switch {
	case err == nil, errors.As(err, new(errHelp)):
		return 0
	case errors.As(err, &ue):
		see := "stampctl help"
		if fs.Arg(0) != "help" {
			if _, known := lookup(fs.Arg(0)); known || len(fs.Args()) > 1 {
				see += " " + fs.Arg(0)
			}
		}
		fmt.Fprintf(stderr, "stampctl: %v\nsee: %s\n", err, see)
		return 2
	default:
		fmt.Fprintln(stderr, "stampctl:", err)
		return 1
	}
}

// usageError is a command used wrongly: said in one line, with where to
// read how to use it.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func (c *cli) dispatch(cmd string, args []string) error {
	switch cmd {
	case "status":
		return c.status(args)
	case "tap":
		return c.tap(args)
	case "queue":
		if len(args) == 0 {
			return usageError{"queue: want status, list, dead, retry, release, export, correct, discard or quarantine"}
		}
		switch args[0] {
		case "list":
			return c.queueList(args[1:], "")
		case "dead":
			return c.queueList(args[1:], "dead")
		case "retry":
			return c.queueRetry(args[1:])
		case "status":
			return c.queueStatus(args[1:])
		case "release":
			return c.queueRelease(args[1:])
		case "export":
			return c.queueExport(args[1:])
		case "correct":
			return c.queueCorrect(args[1:])
		case "discard":
			return c.queueDiscard(args[1:])
		case "quarantine":
			return c.queueQuarantine(args[1:])
		}
		return usageError{fmt.Sprintf("queue %s: want status, list, dead, retry, release, export, correct, discard or quarantine", args[0])}
	case "salvage":
		return c.salvage(args)
	case "fleet":
		return c.fleetCmd(args)
	case "remote":
		return c.remoteCmd(args)
	case "badges":
		return c.badges(args)
	case "reader":
		return c.readerCmd(args)
	case "init":
		return c.initConfig(args)
	case "check":
		return c.check(args)
	case "enroll":
		return c.enroll(args)
	case "web":
		return c.web(args)
	case "daytotal":
		return c.daytotal(args)
	case "reload":
		var res ctlproto.ReloadResult
		if err := c.call(ctlproto.CmdReload, nil, &res); err != nil {
			return err
		}
		return c.print(res, func(w io.Writer) { printReload(w, res) })
	case "version":
		fmt.Fprintln(c.out, "stampctl", version)
		return nil
	case "help":
		return c.help(args)
	case "__complete":
		return c.complete(args)
	}
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}

// parse parses flags that may stand before, between or after positional
// arguments, and returns the positional ones.
func (c *cli) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	fs.BoolVar(&c.json, "json", c.json, "print JSON for scripts")
	// The other global flags are taken after the command too
	// (`stampctl status --socket S`), unless the command has its own.
	if fs.Lookup("socket") == nil {
		fs.Func("socket", "control socket (as before the command)", func(v string) error {
			c.socket, c.socketSet = v, true
			return nil
		})
	}
	if fs.Lookup("wait") == nil {
		fs.DurationVar(&c.wait, "wait", c.wait, "how long to wait for stampd's answer (as before the command)")
	}
	if fs.Lookup("utc") == nil {
		fs.BoolVar(&c.utc, "utc", c.utc, "show times in UTC (as before the command)")
	}
	var pos []string
	for {
		if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
			helpFor(c.out, fs)
			return nil, errHelp{}
		} else if err != nil {
			return nil, usageError{fmt.Sprintf("%s: %v%s", fs.Name(), err, configHint(err))}
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// configHint explains a --config where it is not taken: the commands
// that talk to stampd find it by its socket.
func configHint(err error) string {
	if !strings.HasSuffix(err.Error(), "not defined: -config") {
		return ""
	}
	return "; this command reaches stampd by its socket: --socket PATH (or $STAMPCLOCK_SOCKET), the config's control.socket; " +
		"--config is taken by check, init, web, fleet, remote and badges (with --printed)"
}

func (c *cli) call(cmd string, args, out any) error {
	return c.callFor(c.wait, cmd, args, out)
}

func (c *cli) callFor(d time.Duration, cmd string, args, out any) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if c.via != nil {
		return c.via(ctx, cmd, args, out)
	}
	err := control.Call(ctx, c.socket, cmd, args, out)
	if err != nil && (errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded)) {
		return fmt.Errorf("no answer from stampd within %s (stopped or hanging?): the outcome of %s is UNKNOWN, it may still be carried out. "+
			"Look before repeating it: `stampctl status`, `stampctl queue export --from TIME` (a tap appears there once committed): %w", d, cmd, err)
	}
	return err
}

func (c *cli) tap(args []string) error {
	fs := flag.NewFlagSet("tap", flag.ContinueOnError)
	at := fs.String("at", "", "tap time, RFC 3339 (simulator only)")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"tap: want exactly one UID"}
	}
	var res ctlproto.TapResult
	if err := c.call(ctlproto.CmdTap, ctlproto.TapArgs{UID: pos[0], At: *at}, &res); err != nil {
		return err
	}
	if err := c.print(res, func(w io.Writer) {
		fmt.Fprintf(w, "%s  %s", res.UID, res.Result)
		if res.Email != "" {
			fmt.Fprintf(w, "  %s", res.Email)
		}
		if len(res.Seqs) > 0 {
			fmt.Fprintf(w, "  seq %s", seqList(res.Seqs))
		}
		if res.Error != "" {
			fmt.Fprintf(w, "  error: %s", res.Error)
		}
		fmt.Fprintln(w)
	}); err != nil {
		return err
	}
	if res.Error != "" {
		return errors.New("tap not stored")
	}
	return nil
}

func (c *cli) queueList(args []string, state string) error {
	fs := flag.NewFlagSet("queue list", flag.ContinueOnError)
	up := fs.String("uplink", "", "only this uplink")
	fs.StringVar(&state, "state", state, "pending, held, dead, quarantined or withdrawn")
	limit := fs.Int("limit", 100, "at most this many")
	email := fs.String("employee", "", "only this employee (email)")
	from := fs.String("from", "", "only records from this day YYYY-MM-DD (the terminal's zone) or time (RFC 3339)")
	to := fs.String("to", "", "only records up to this day YYYY-MM-DD (included) or before this time (RFC 3339)")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{"queue list: unexpected argument " + pos[0]}
	}
	loc := c.zone()
	f, err := timeArg("from", *from, loc, false)
	if err != nil {
		return err
	}
	t, err := timeArg("to", *to, loc, true)
	if err != nil {
		return err
	}
	var items []record.Item
	if err := c.call(ctlproto.CmdQueueList, ctlproto.ListArgs{Uplink: *up, State: state, Limit: *limit, Email: *email, From: f, To: t}, &items); err != nil {
		return err
	}
	return c.print(items, func(w io.Writer) { printItems(w, items, loc) })
}

func (c *cli) queueRetry(args []string) error {
	up, seqs, err := c.uplinkSeqs("queue retry", args)
	if err != nil {
		return err
	}
	var res ctlproto.RetryResult
	if err := c.call(ctlproto.CmdQueueRetry, ctlproto.RetryArgs{Uplink: up, Seqs: seqs}, &res); err != nil {
		return err
	}
	return c.print(res, func(w io.Writer) {
		fmt.Fprintf(w, "%s queued again\n", plural(res.Retried, "dead letter", "dead letters"))
	})
}

// uplinkSeqs parses "[--uplink U] [SEQ...]".
func (c *cli) uplinkSeqs(name string, args []string) (string, []uint64, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	up := fs.String("uplink", "", "only this uplink")
	pos, err := c.parse(fs, args)
	if err != nil {
		return "", nil, err
	}
	var seqs []uint64
	for _, p := range pos {
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return "", nil, usageError{fmt.Sprintf("%s: %q is not a sequence number", name, p)}
		}
		seqs = append(seqs, n)
	}
	return *up, seqs, nil
}

func (c *cli) status(args []string) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	if pos, err := c.parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{"status: unexpected argument " + pos[0]}
	}
	var s ctlproto.Status
	if err := c.call(ctlproto.CmdStatus, nil, &s); err != nil {
		return err
	}
	loc := c.zoneFrom(s.Clock.Timezone)
	return c.print(s, func(w io.Writer) { printStatus(w, s, loc) })
}
