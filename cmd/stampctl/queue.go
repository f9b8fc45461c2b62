package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"stampclock/device/ctlproto"
	"stampclock/queue/record"
)

// queueStatus prints the queue depth per uplink and state.
func (c *cli) queueStatus(args []string) error {
	fs := flag.NewFlagSet("queue status", flag.ContinueOnError)
	if pos, err := c.parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{"queue status: unexpected argument " + pos[0]}
	}
	var s ctlproto.Status
	if err := c.call(ctlproto.CmdStatus, nil, &s); err != nil {
		return err
	}
	return c.print(s.Queue.Uplinks, func(w io.Writer) {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "UPLINK\tPENDING\tHELD\tDEAD\tDELIVERED\tWITHDRAWN\t")
		for _, u := range s.Queue.Uplinks {
			name := u.Name
			if u.Unconfigured {
				name += " (not configured)"
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t\n", name, u.Pending, u.Held, u.Dead, u.Delivered, u.Withdrawn)
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
		var page ctlproto.ExportPage
		err := c.call(ctlproto.CmdQueueExport, ctlproto.ExportArgs{After: after, Email: *email, Kind: *kind, From: *from, To: *to}, &page)
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
	var res ctlproto.ReleaseResult
	if err := c.call(ctlproto.CmdQueueRelease, ctlproto.ReleaseArgs{Uplink: up, Seqs: seqs}, &res); err != nil {
		return err
	}
	return c.print(res, func(w io.Writer) {
		fmt.Fprintf(w, "%s queued again\n", plural(res.Released, "held record", "held records"))
		if n := len(res.ClockHeld); n > 0 {
			fmt.Fprintf(w, "%s stay held (seq %s): stamped in a boot whose clock never synchronised, a release would hold them again;\n"+
				"  correct their times: stampctl queue correct --seq N --at TRUE-TIME --reason WHY (or --offset D)\n"+
				"  or give them up:     stampctl queue discard SEQ... --reason WHY\n", plural(n, "record", "records"), seqList(res.ClockHeld))
		}
		if n := len(res.Withdrawn); n > 0 {
			fmt.Fprintf(w, "%s (seq %s) a retraction withdrew: never sent, settled as withdrawn (stampctl queue list --state withdrawn)\n",
				plural(n, "of them", "of them"), seqList(res.Withdrawn))
		}
	})
}

// queueCorrect corrects the times of a boot whose clock never synchronised:
// stampctl queue correct --seq N (--at T | --offset D) --reason WHY.
func (c *cli) queueCorrect(args []string) error {
	fs := flag.NewFlagSet("queue correct", flag.ContinueOnError)
	seq := fs.Uint64("seq", 0, "a held record of the boot to correct")
	at := fs.String("at", "", "the true time of that record (RFC 3339, e.g. 2026-03-02T17:00:00+01:00)")
	offset := fs.String("offset", "", "or: how far the boot's clock was behind (e.g. 2345h17m; negative if ahead)")
	reason := fs.String("reason", "", "why (kept with the correction; required)")
	if pos, err := c.parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{"queue correct: unexpected argument " + pos[0]}
	}
	if *seq == 0 {
		return usageError{"queue correct: want --seq N (a held record of the boot)"}
	}
	var res ctlproto.CorrectResult
	if err := c.call(ctlproto.CmdQueueCorrect, ctlproto.CorrectArgs{Seq: *seq, At: *at, Offset: *offset, Reason: *reason}, &res); err != nil {
		return err
	}
	return c.print(res, func(w io.Writer) {
		fmt.Fprintf(w, "boot %s: %s corrected; they are sent now\n", res.Boot, plural(res.Corrected, "record", "records"))
	})
}

// queueDiscard gives up held records: stampctl queue discard [--uplink U]
// SEQ... --reason WHY. They stay as dead letters with the reason.
func (c *cli) queueDiscard(args []string) error {
	fs := flag.NewFlagSet("queue discard", flag.ContinueOnError)
	up := fs.String("uplink", "", "only this uplink")
	reason := fs.String("reason", "", "why (kept with the records; required)")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	var ns []uint64
	for _, p := range pos {
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return usageError{fmt.Sprintf("queue discard: %q is not a sequence number", p)}
		}
		ns = append(ns, n)
	}
	if len(ns) == 0 {
		return usageError{"queue discard: name the held records (SEQ...)"}
	}
	var res ctlproto.DiscardResult
	if err := c.call(ctlproto.CmdQueueDiscard, ctlproto.DiscardArgs{Uplink: *up, Seqs: ns, Reason: *reason}, &res); err != nil {
		return err
	}
	return c.print(res, func(w io.Writer) {
		fmt.Fprintf(w, "%s discarded: kept as dead letters with the reason (stampctl queue dead)\n", plural(res.Discarded, "held record", "held records"))
	})
}

// queueQuarantine lists the records that cannot be decoded, with their
// stored bytes quoted (they may hold anything).
func (c *cli) queueQuarantine(args []string) error {
	fs := flag.NewFlagSet("queue quarantine", flag.ContinueOnError)
	if pos, err := c.parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{"queue quarantine: unexpected argument " + pos[0]}
	}
	var q []record.Quarantine
	if err := c.call(ctlproto.CmdQueueQuarantine, nil, &q); err != nil {
		return err
	}
	return c.print(q, func(w io.Writer) {
		if len(q) == 0 {
			fmt.Fprintln(w, "no quarantined records")
			return
		}
		for _, r := range q {
			fmt.Fprintf(w, "seq %d  since %s  %s\n  stored: %q\n", r.Seq, r.Since.Format(time.RFC3339), r.Error, r.Raw)
		}
		fmt.Fprintf(w, "%d record(s) kept as they are and not delivered; enter them by hand if needed\n", len(q))
	})
}
