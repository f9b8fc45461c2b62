package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"stampclock/fleet"
)

// stringList is a flag that may be given several times.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// fleetCmd lists the site's terminals from the broker: stampctl fleet
// [--config PATH] [--broker URL ...] [--prefix P] [--username U
// --password-file F] [--timeout 10s].
func (c *cli) fleetCmd(args []string) error {
	fs := flag.NewFlagSet("fleet", flag.ContinueOnError)
	path := fs.String("config", defaultConfig, "the config whose [mqtt] names the broker")
	var brokers stringList
	fs.Var(&brokers, "broker", "broker URL (repeatable; default mqtt.urls of the config)")
	prefix := fs.String("prefix", "", "topic prefix (default mqtt.topic_prefix of the config, else stampclock)")
	user := fs.String("username", "", "broker user (default mqtt.username of the config)")
	pwFile := fs.String("password-file", "", "file holding the broker password (0600)")
	timeout := fs.Duration("timeout", fleet.DefaultOptions.Wait, "longest the look may take")
	quiet := fs.Duration("quiet", fleet.DefaultOptions.Quiet, "end once the broker sent nothing for this long")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{"fleet: unexpected argument " + pos[0]}
	}
	a, err := brokerOf("fleet", fs, *path, brokers, *prefix, *user, *pwFile)
	if err != nil {
		return err
	}
	o := fleet.Options{Account: a.Account, TopicPrefix: a.TopicPrefix, Wait: *timeout, Quiet: *quiet}
	v, err := fleet.Collect(context.Background(), o)
	if err != nil {
		return err
	}
	return c.print(v, func(w io.Writer) { printFleet(w, v) })
}

// printFleet writes the view as an aligned table, a line per terminal and
// its alarms below it.
func printFleet(w io.Writer, v fleet.View) {
	if len(v.Terminals) == 0 {
		fmt.Fprintln(w, "no terminals on the broker (check the topic prefix and the account's read access)")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TERMINAL\tSTATE\tSINCE\tPENDING\tHELD\tDEAD\tVERSION")
	for _, t := range v.Terminals {
		since := fleetTime(t.Since)
		switch {
		case t.State != fleet.Online && !t.GoneBy.IsZero():
			since = "between " + since + " and " + fleetTime(t.GoneBy)
		case t.State == fleet.Offline && t.Since.IsZero():
			since = "unknown"
		}
		state := t.State
		if t.Reason != "" {
			state += " (" + strings.ReplaceAll(t.Reason, "_", " ") + ")"
		}
		depth := func(n uint64) string {
			if t.Stale {
				return fmt.Sprintf("%d*", n)
			}
			return fmt.Sprint(n)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.DeviceID, state, since, depth(t.Pending), depth(t.Held), depth(t.Dead), orDash(t.Version))
	}
	tw.Flush()
	for _, t := range v.Terminals {
		for _, a := range t.Alarms {
			fmt.Fprintf(w, "! %s: %s\n", t.DeviceID, a)
		}
	}
	fmt.Fprintf(w, "%d terminal(s): %d online, %d offline, %d silent", len(v.Terminals), v.Count(fleet.Online), v.Count(fleet.Offline), v.Count(fleet.Silent))
	for _, t := range v.Terminals {
		if t.Stale {
			fmt.Fprint(w, "; * as last seen")
			break
		}
	}
	fmt.Fprintln(w)
}

func fleetTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
