package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"stampclock/device/daemon"
	"stampclock/queue"
)

func (c *cli) badges(args []string) error {
	if len(args) == 0 {
		return usageError{"badges: want list, add, remove, import, export, pending or assign"}
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("badges "+sub, flag.ContinueOnError)
	name := fs.String("name", "", "display name")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	want := func(n int, what string) error {
		if len(pos) != n {
			return usageError{fmt.Sprintf("badges %s: want %s", sub, what)}
		}
		return nil
	}
	switch sub {
	case "list":
		if err := want(0, "no arguments"); err != nil {
			return err
		}
		var bs []daemon.BadgeInfo
		if err := c.call("badges.list", nil, &bs); err != nil {
			return err
		}
		return c.print(bs, func(w io.Writer) { printBadges(w, bs) })
	case "export":
		if err := want(0, "no arguments (CSV goes to standard output)"); err != nil {
			return err
		}
		var bs []daemon.BadgeInfo
		if err := c.call("badges.list", nil, &bs); err != nil {
			return err
		}
		return c.print(bs, func(w io.Writer) { writeBadgeCSV(w, bs) })
	case "add", "assign":
		if err := want(2, "UID EMAIL"); err != nil {
			return err
		}
		var b daemon.BadgeInfo
		if err := c.call("badges."+sub, daemon.BadgeArgs{UID: pos[0], Email: pos[1], Name: *name}, &b); err != nil {
			return err
		}
		return c.print(b, func(w io.Writer) {
			fmt.Fprintf(w, "%s → %s%s\n", b.UID, b.Email, unverifiedNote(b.Unverified))
		})
	case "remove":
		if err := want(1, "UID"); err != nil {
			return err
		}
		var b daemon.BadgeInfo
		if err := c.call("badges.remove", daemon.BadgeArgs{UID: pos[0]}, &b); err != nil {
			return err
		}
		return c.print(b, func(w io.Writer) { fmt.Fprintf(w, "%s removed\n", b.UID) })
	case "pending":
		if err := want(0, "no arguments"); err != nil {
			return err
		}
		var us []queue.UnknownBadge
		if err := c.call("badges.pending", nil, &us); err != nil {
			return err
		}
		return c.print(us, func(w io.Writer) {
			if len(us) == 0 {
				fmt.Fprintln(w, "no pending badges (tap an admin badge, then the new badges)")
				return
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "UID\tTAPS\tLAST")
			for _, u := range us {
				fmt.Fprintf(tw, "%s\t%d\t%s\n", u.UID, u.Count, when(u.Last, c.zone()))
			}
			tw.Flush()
			fmt.Fprintln(w, "assign with: stampctl badges assign UID EMAIL")
		})
	case "import":
		if err := want(1, "a CSV file with the header uid,email[,name] (- for standard input)"); err != nil {
			return err
		}
		return c.importBadges(pos[0])
	}
	return usageError{fmt.Sprintf("badges %s: want list, add, remove, import, export, pending or assign", sub)}
}

func unverifiedNote(u bool) string {
	if u {
		return "  (email not checked yet: the user list could not be fetched, `stampctl check` says why; checked again later)"
	}
	return ""
}

func printBadges(w io.Writer, bs []daemon.BadgeInfo) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	fmt.Fprintln(tw, "UID\tEMAIL\tNAME\tSOURCE\tNOTE")
	for _, b := range bs {
		note := b.Problem
		switch {
		case b.Admin:
			note = "admin badge"
		case b.Unverified:
			note = "email not checked yet"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", b.UID, b.Email, b.Name, b.Source, note)
	}
}

func writeBadgeCSV(w io.Writer, bs []daemon.BadgeInfo) {
	cw := csv.NewWriter(w)
	cw.Write([]string{"uid", "email", "name", "source"})
	for _, b := range bs {
		if b.Admin {
			continue
		}
		cw.Write([]string{b.UID, b.Email, b.Name, b.Source})
	}
	cw.Flush()
}

// importBadges reads a CSV with a header naming the columns uid and email
// (name and source optional) and hands every row, with its line number, to
// stampd, which imports all or nothing.
func (c *cli) importBadges(path string) error {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	rows, lineErrs, err := readBadgeCSV(r)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var res daemon.ImportResult
	if len(lineErrs) == 0 {
		if err := c.call("badges.import", rows, &res); err != nil {
			return err
		}
		lineErrs = res.Errors
	}
	res.Errors = lineErrs
	if err := c.print(res, func(w io.Writer) {
		for _, e := range lineErrs {
			fmt.Fprintf(w, "%s:%d: %s\n", path, e.Line, e.Err)
		}
		if len(lineErrs) == 0 {
			fmt.Fprintf(w, "%s imported\n", plural(res.Imported, "badge", "badges"))
		} else {
			fmt.Fprintf(w, "%s: nothing imported\n", plural(len(lineErrs), "bad line", "bad lines"))
		}
	}); err != nil {
		return err
	}
	if len(lineErrs) > 0 {
		return errors.New("import failed")
	}
	return nil
}

// readBadgeCSV parses the CSV; lines it cannot read become line errors.
func readBadgeCSV(r io.Reader) ([]daemon.ImportRow, []daemon.LineError, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("no header line: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	iu, okU := col["uid"]
	ie, okE := col["email"]
	in, okN := col["name"]
	if !okU || !okE {
		return nil, nil, fmt.Errorf("header %q: want columns uid and email (name optional)", strings.Join(header, ","))
	}
	var rows []daemon.ImportRow
	var bad []daemon.LineError
	for {
		rec, err := cr.Read()
		line, _ := cr.FieldPos(0)
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad = append(bad, daemon.LineError{Line: pe.Line, Err: pe.Err.Error()})
				continue
			}
			return nil, nil, err
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) <= iu || len(rec) <= ie {
			bad = append(bad, daemon.LineError{Line: line, Err: fmt.Sprintf("%d fields; want uid and email", len(rec))})
			continue
		}
		row := daemon.ImportRow{Line: line, UID: strings.TrimSpace(rec[iu]), Email: strings.TrimSpace(rec[ie])}
		if okN && len(rec) > in {
			row.Name = strings.TrimSpace(rec[in])
		}
		rows = append(rows, row)
	}
	return rows, bad, nil
}

func (c *cli) enroll(args []string) error {
	fs := flag.NewFlagSet("enroll", flag.ContinueOnError)
	email := fs.String("email", "", "the employee's login email")
	name := fs.String("name", "", "display name")
	timeout := fs.Duration("timeout", 2*time.Minute, "how long to wait for the tap")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	if *email == "" || len(pos) > 0 {
		return usageError{"enroll: want --email EMAIL"}
	}
	if !c.json {
		fmt.Fprintf(c.err, "Tap the badge for %s at the terminal (waiting %s) …\n", *email, duration(*timeout))
	}
	var res daemon.EnrollResult
	if err := c.callFor(*timeout+10*time.Second, "enroll", daemon.EnrollArgs{Email: *email, Name: *name, Timeout: int(timeout.Seconds())}, &res); err != nil {
		return err
	}
	return c.print(res, func(w io.Writer) {
		fmt.Fprintf(w, "%s enrolled for %s%s\n", res.UID, res.Email, unverifiedNote(res.Unverified))
	})
}
