package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"stampclock/device/ctlproto"
	"stampclock/queue/record"
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
	rep, err := salvageFile(pos[0], w.write)
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

// salvageFile runs `stampd --salvage path` and passes the records it
// finds to fn: reading a store file takes bbolt, which lives in stampd, so
// stampctl links no store. It returns stampd's report.
func salvageFile(path string, fn func(record.Record) error) (record.SalvageReport, error) {
	exe, err := stampdPath()
	if err != nil {
		return record.SalvageReport{}, fmt.Errorf("salvage: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "--salvage", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return record.SalvageReport{}, err
	}
	if err := cmd.Start(); err != nil {
		return record.SalvageReport{}, fmt.Errorf("salvage: %w", err)
	}
	var (
		rep    *record.SalvageReport
		n      int   // records passed to fn
		failed error // fn's error, or the salvage's
		broken bool  // stampd's output ended without its report
	)
	dec := json.NewDecoder(out)
	for failed == nil && rep == nil {
		var l ctlproto.SalvageLine
		if err := dec.Decode(&l); err != nil {
			failed, broken = fmt.Errorf("salvage: reading %s --salvage: %w", exe, err), true
			break
		}
		switch {
		case l.Record != nil:
			if failed = fn(*l.Record); failed == nil {
				n++
			}
		case l.Report != nil:
			rep = l.Report
			if l.Error != "" {
				failed = errors.New(l.Error)
			}
		}
	}
	if rep == nil {
		cancel() // fn failed or stampd ended early: stop it
		rep = &record.SalvageReport{Recovered: n}
	}
	if werr := cmd.Wait(); broken && werr != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			failed = fmt.Errorf("salvage: %s", msg)
		}
	}
	return *rep, failed
}

func ranges(rs []record.SeqRange) string {
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

func (rw *recordWriter) write(r record.Record) error {
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
func retracts(r record.Record) string {
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
