package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"stampclock/queue"
)

// salvage exports whatever is readable from a store file (a copy moved
// aside as corrupt, or a stopped terminal's queue) without a running stampd.
func (c *cli) salvage(args []string) error {
	fs := flag.NewFlagSet("salvage", flag.ContinueOnError)
	asCSV := fs.Bool("csv", false, "write CSV instead of JSON lines")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"salvage: want the store file, e.g. /var/lib/stampclock/queue.db.corrupt-20261123T094500Z"}
	}
	w := newRecordWriter(c.out, *asCSV)
	rep, err := queue.SalvageFile(pos[0], w.write)
	if ferr := w.flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return fmt.Errorf("%w (%d records exported before that)", err, rep.Recovered)
	}
	fmt.Fprintf(c.err, "%d records recovered", rep.Recovered)
	if rep.FromPages > 0 {
		fmt.Fprintf(c.err, " (%d read from pages bbolt could not reach: %s; a copy from a free page may be an older version)", rep.FromPages, rep.WalkError)
	}
	fmt.Fprintln(c.err)
	if len(rep.Missing) > 0 {
		fmt.Fprintf(c.err, "NOT recovered: seqs %s (of 1..%d); records after seq %d leave no trace\n", ranges(rep.Missing), rep.Highest, rep.Highest)
	}
	return nil
}

func ranges(rs []queue.SeqRange) string {
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			b.WriteString(", ")
		}
		if r.First == r.Last {
			fmt.Fprintf(&b, "%d", r.First)
		} else {
			fmt.Fprintf(&b, "%d-%d", r.First, r.Last)
		}
	}
	return b.String()
}

// recordWriter writes records as JSON lines or CSV with a header.
type recordWriter struct {
	json   *json.Encoder
	csv    *csv.Writer
	header bool
}

func newRecordWriter(w io.Writer, asCSV bool) *recordWriter {
	if asCSV {
		return &recordWriter{csv: csv.NewWriter(w)}
	}
	return &recordWriter{json: json.NewEncoder(w)}
}

var csvHeader = []string{"seq", "kind", "action", "event", "email", "uid", "at", "start", "end", "clock_synced", "detail", "retracts", "site_entry"}

func (rw *recordWriter) write(r queue.Record) error {
	if rw.json != nil {
		return rw.json.Encode(r)
	}
	if !rw.header {
		rw.header = true
		if err := rw.csv.Write(csvHeader); err != nil {
			return err
		}
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	return rw.csv.Write([]string{strconv.FormatUint(r.Seq, 10), string(r.Kind), r.Action, r.Event, r.Email, r.UID,
		ts(r.At), ts(r.Start), ts(r.End), strconv.FormatBool(r.Trusted()), r.Detail, retracts(r), r.SiteEntry})
}

// retracts is the seq a retraction withdraws, "" for other records.
func retracts(r queue.Record) string {
	if r.Retracts == 0 {
		return ""
	}
	return strconv.FormatUint(r.Retracts, 10)
}

func (rw *recordWriter) flush() error {
	if rw.csv != nil {
		rw.csv.Flush()
		return rw.csv.Error()
	}
	return nil
}
