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
	"time"

	"stampclock/device/config"
	"stampclock/device/control"
	"stampclock/device/daemon"
	"stampclock/queue"
)

var version = "dev"

const usage = `usage: stampctl [--socket PATH] [--json] [--wait 30s] COMMAND [ARGS]

commands:
  init [--url U --email E --timetype T --password-file F] [--config PATH] [--force]
                                 write a first config and its secret (0600), then run check
  check [--config PATH]          checklist: DNS, TCP, TLS, API, login, time type, users,
                                 reader, clock, free disk (✓/✗ with the cause)
  status                         queue depth, open shifts, anomalies, uplinks, clock
  tap UID [--at RFC3339]         inject a tap (simulated reader only)
  queue status                   depth per uplink and state
  queue list [--uplink U] [--state pending|held|dead|quarantined] [--employee E] [--from T] [--to T] [--limit N]
  queue dead [--uplink U]        dead letters with the receiver's message
  queue retry [--uplink U] [SEQ...]   resend dead letters (all without SEQ)
  queue release [--uplink U] [SEQ...]  send held records again (after a day was unlocked)
  queue export [--csv] [--employee E] [--kind K] [--from T] [--to T]   every record kept
  queue quarantine               records that cannot be decoded: seq, error, stored bytes
  enroll --email EMAIL [--name N] [--timeout 2m] [--replace]   bind the next badge tapped at the terminal
                                 (--replace: even one enrolled for someone else)
  badges list|export             all badges (export: CSV uid,email,name,source)
  badges add UID EMAIL [--name N]  enrol a badge by its UID
  badges add NUMBER EMAIL --printed FORM [--uid-bytes N]   by the number printed on the card:
                                 FORM hex, hex-reversed, em-hex, em-decimal (0126153249) or
                                 wiegand26 (132,61985); N from the config's reader by default
  badges remove UID              forget an enrolled badge
  badges import FILE.csv [--printed FORM]   header uid,email[,name] (or printed instead of uid);
                                 every bad line reported, nothing imported on error
  badges pending                 unknown badges collected in capture mode (admin badge)
  badges assign UID EMAIL        bind a pending badge
  reader decode FILE.sr --reader wiegand|rdm6300 [--probe ROLE=PROBE ...] [--formats F,..] [--raw-bits N,..]
        [--custom LAYOUT] [--uid-bytes 5|4]   decode a logic-analyzer capture (sigrok .sr) of a
                                 reader's lines with stampd's decoders: the taps it would record
  daytotal EMAIL [--date YYYY-MM-DD]   the employee's total for the day
  reload                         re-read the badges from the config file
  web [--config PATH]            the web page's address, certificate fingerprint and logins
  web passwd [--role admin|viewer] [--generate] [--config PATH] USER
                                 set a web login's password (read from standard input)
  salvage FILE [--csv]           export what is readable from a store file (no stampd needed)
  fleet [--config PATH] [--broker URL ...] [--prefix P] [--username U --password-file F]
                                 every terminal of the site from the MQTT broker: online/offline
                                 since when, pending/held/dead, alarms, version (no stampd needed)
  version

The socket is --socket, else $STAMPCLOCK_SOCKET, else ` + config.DefaultSocket + `.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type cli struct {
	socket    string
	socketSet bool // --socket or $STAMPCLOCK_SOCKET given
	json      bool
	wait      time.Duration // how long to wait for an answer
	out       io.Writer
	err       io.Writer
}

func run(args []string, stdout, stderr io.Writer) int {
	c := &cli{out: stdout, err: stderr, socket: os.Getenv("STAMPCLOCK_SOCKET")}
	if c.socket == "" {
		c.socket = config.DefaultSocket
	}
	fs := flag.NewFlagSet("stampctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	fs.StringVar(&c.socket, "socket", c.socket, "control socket")
	fs.BoolVar(&c.json, "json", false, "print JSON for scripts")
	fs.DurationVar(&c.wait, "wait", 30*time.Second, "how long to wait for stampd's answer")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fs.Visit(func(f *flag.Flag) { c.socketSet = c.socketSet || f.Name == "socket" })
	c.socketSet = c.socketSet || os.Getenv("STAMPCLOCK_SOCKET") != ""
	if fs.NArg() == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	err := c.dispatch(fs.Arg(0), fs.Args()[1:])
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "stampctl: %v\n\n%s", err, usage)
		return 2
	default:
		fmt.Fprintln(stderr, "stampctl:", err)
		return 1
	}
}

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
			return usageError{"queue: want status, list, dead, retry, release, export or quarantine"}
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
		case "quarantine":
			return c.queueQuarantine(args[1:])
		}
		return usageError{fmt.Sprintf("queue %s: want status, list, dead, retry, release, export or quarantine", args[0])}
	case "salvage":
		return c.salvage(args)
	case "fleet":
		return c.fleetCmd(args)
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
		if err := c.call("reload", nil, nil); err != nil {
			return err
		}
		return c.print(struct{}{}, func(w io.Writer) { fmt.Fprintln(w, "badges reloaded") })
	case "version":
		fmt.Fprintln(c.out, "stampctl", version)
		return nil
	case "help":
		fmt.Fprint(c.out, usage)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}

// parse parses flags that may stand before, between or after positional
// arguments, and returns the positional ones.
func (c *cli) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	fs.BoolVar(&c.json, "json", c.json, "print JSON")
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{fmt.Sprintf("%s: %v", fs.Name(), err)}
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func (c *cli) call(cmd string, args, out any) error {
	return c.callFor(c.wait, cmd, args, out)
}

func (c *cli) callFor(d time.Duration, cmd string, args, out any) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
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
	var res daemon.TapResult
	if err := c.call("tap", daemon.TapArgs{UID: pos[0], At: *at}, &res); err != nil {
		return err
	}
	if err := c.print(res, func(w io.Writer) {
		fmt.Fprintf(w, "%s  %s", res.UID, res.Result)
		if res.Email != "" {
			fmt.Fprintf(w, "  %s", res.Email)
		}
		if len(res.Seqs) > 0 {
			fmt.Fprintf(w, "  seq %v", res.Seqs)
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
	fs.StringVar(&state, "state", state, "pending, held, dead or quarantined")
	limit := fs.Int("limit", 100, "at most this many")
	email := fs.String("employee", "", "only this employee (email)")
	from := fs.String("from", "", "only records at or after this time (RFC 3339)")
	to := fs.String("to", "", "only records before this time (RFC 3339)")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{"queue list: unexpected argument " + pos[0]}
	}
	var items []queue.Item
	if err := c.call("queue.list", daemon.ListArgs{Uplink: *up, State: state, Limit: *limit, Email: *email, From: *from, To: *to}, &items); err != nil {
		return err
	}
	return c.print(items, func(w io.Writer) { printItems(w, items) })
}

func (c *cli) queueRetry(args []string) error {
	up, seqs, err := c.uplinkSeqs("queue retry", args)
	if err != nil {
		return err
	}
	var res daemon.RetryResult
	if err := c.call("queue.retry", daemon.RetryArgs{Uplink: up, Seqs: seqs}, &res); err != nil {
		return err
	}
	return c.print(res, func(w io.Writer) { fmt.Fprintf(w, "%d dead letters queued again\n", res.Retried) })
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
	var s daemon.Status
	if err := c.call("status", nil, &s); err != nil {
		return err
	}
	return c.print(s, func(w io.Writer) { printStatus(w, s) })
}
