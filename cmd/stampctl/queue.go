package main

import (
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"stampclock/device/daemon"
)

// queueStatus prints the queue depth per uplink and state.
func (c *cli) queueStatus(args []string) error {
	fs := flag.NewFlagSet("queue status", flag.ContinueOnError)
	if pos, err := c.parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{"queue status: unexpected argument " + pos[0]}
	}
	var s daemon.Status
	if err := c.call("status", nil, &s); err != nil {
		return err
	}
	return c.print(s.Queue.Uplinks, func(w io.Writer) {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "UPLINK\tPENDING\tHELD\tDEAD\tDELIVERED\t")
		for _, u := range s.Queue.Uplinks {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", u.Name, u.Pending, u.Held, u.Dead, u.Delivered)
		}
		tw.Flush()
		fmt.Fprintf(w, "%s kept, last sequence %d, store %.1f MB\n", plural(int(s.Queue.Records), "record", "records"), s.Queue.LastSeq, float64(s.Queue.FileBytes)/1e6)
	})
}

// queueExport pages through every record matching the filters and writes
// them as JSON lines (or CSV), showing progress on standard error.
func (c *cli) queueExport(args []string) error {
	fs := flag.NewFlagSet("queue export", flag.ContinueOnError)
	asCSV := fs.Bool("csv", false, "write CSV instead of JSON lines")
	email := fs.String("employee", "", "only this employee (email)")
	kind := fs.String("kind", "", "only punch, entry or event")
	from := fs.String("from", "", "only records from this day YYYY-MM-DD (the terminal's zone) or time (RFC 3339)")
	to := fs.String("to", "", "only records up to this day YYYY-MM-DD (included) or before this time (RFC 3339)")
	if pos, err := c.parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{"queue export: unexpected argument " + pos[0]}
	}
	var err error
	if *from, err = timeArg("from", *from, c.zone(), false); err != nil {
		return err
	}
	if *to, err = timeArg("to", *to, c.zone(), true); err != nil {
		return err
	}
	w := newRecordWriter(c.out, *asCSV)
	n := 0
	var after uint64
	lastReport := time.Now()
	for {
		var page daemon.ExportPage
		err := c.call("queue.export", daemon.ExportArgs{After: after, Email: *email, Kind: *kind, From: *from, To: *to}, &page)
		if err != nil {
			return err
		}
		for _, r := range page.Records {
			if err := w.write(r); err != nil {
				return err
			}
			n++
		}
		if page.Next == 0 {
			break
		}
		after = page.Next
		if time.Since(lastReport) > time.Second {
			fmt.Fprintf(c.err, "exported %s (at seq %d of %d)\n", plural(n, "record", "records"), after, page.LastSeq)
			lastReport = time.Now()
		}
	}
	if err := w.flush(); err != nil {
		return err
	}
	fmt.Fprintf(c.err, "exported %s\n", plural(n, "record", "records"))
	return nil
}

// queueRelease sends held records again: those named, or all.
func (c *cli) queueRelease(args []string) error {
	up, seqs, err := c.uplinkSeqs("queue release", args)
	if err != nil {
		return err
	}
	var res daemon.ReleaseResult
	if err := c.call("queue.release", daemon.ReleaseArgs{Uplink: up, Seqs: seqs}, &res); err != nil {
		return err
	}
	return c.print(res, func(w io.Writer) {
		fmt.Fprintf(w, "%s queued again\n", plural(res.Released, "held record", "held records"))
	})
}
