package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"stampclock/device/remote"
)

// remoteCommands are the stampctl commands that may run on a terminal
// over MQTT: those that only talk to stampd. tap and enroll stand for a
// person at the door; the others work on local files or the broker.
var remoteCommands = map[string]bool{"status": true, "reload": true, "queue": true, "badges": true, "daytotal": true}

// remoteCmd runs one stampctl command on a terminal through the broker:
// stampctl remote [--config PATH] [--broker URL ...] [--prefix P]
// [--username U --password-file F] [--timeout 30s] DEVICE COMMAND [ARGS].
// The command is the local one, its flags and its printing; only the
// transport differs.
func (c *cli) remoteCmd(args []string) error {
	fs := flag.NewFlagSet("remote", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	path := fs.String("config", defaultConfig, "the config whose [mqtt] names the broker")
	var brokers stringList
	fs.Var(&brokers, "broker", "broker URL (repeatable; default mqtt.urls of the config)")
	prefix := fs.String("prefix", "", "topic prefix (default mqtt.topic_prefix of the config, else stampclock)")
	user := fs.String("username", "", "broker user (default mqtt.username of the config)")
	pwFile := fs.String("password-file", "", "file holding the broker password (0600)")
	timeout := fs.Duration("timeout", 30*time.Second, "longest wait for the terminal's answer")
	fs.BoolVar(&c.json, "json", c.json, "print JSON for scripts")
	// Flags end at DEVICE: what follows is the command's own.
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		helpFor(c.out, fs)
		return errHelp{}
	} else if err != nil {
		return usageError{fmt.Sprintf("remote: %v", err)}
	}
	if fs.NArg() < 2 {
		return usageError{"remote: want DEVICE COMMAND [ARGS]"}
	}
	device, cmd, rest := fs.Arg(0), fs.Arg(1), fs.Args()[2:]
	if !remoteCommands[cmd] {
		return usageError{fmt.Sprintf("remote: %q does not run over MQTT; want status, reload, queue, badges or daytotal", cmd)}
	}
	if *timeout <= 0 {
		return usageError{fmt.Sprintf("remote: --timeout %s: want a positive duration", *timeout)}
	}
	a, err := brokerOf("remote", fs, *path, brokers, *prefix, *user, *pwFile)
	if err != nil {
		return err
	}
	o := remote.CallerOptions{Account: a.Account, TopicPrefix: a.TopicPrefix}
	r := &remoteVia{o: o, device: device, wait: *timeout}
	defer r.close()
	c.via, c.wait = r.call, *timeout
	return c.dispatch(cmd, rest)
}

// remoteVia carries a command's calls to one terminal; it connects on the
// first call, so a command's usage error or help needs no broker.
type remoteVia struct {
	o      remote.CallerOptions
	device string
	wait   time.Duration
	caller *remote.Caller
}

func (r *remoteVia) call(ctx context.Context, cmd string, args, out any) error {
	if r.caller == nil {
		c, err := remote.Dial(ctx, r.o)
		if err != nil {
			return err
		}
		r.caller = c
	}
	err := r.caller.Call(ctx, r.device, cmd, args, out)
	if errors.Is(err, remote.ErrNoAnswer) {
		return fmt.Errorf("no answer from %s within %s: the outcome of %s is UNKNOWN. The terminal may be offline (`stampctl fleet`), "+
			"not serve remote commands (mqtt.remote_commands), or the broker's ACL may not let this account send to it: %w", r.device, r.wait, cmd, err)
	}
	return err
}

func (r *remoteVia) close() {
	if r.caller != nil {
		r.caller.Close()
	}
}
