package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"stampclock/device/badgecsv"
	"stampclock/device/config"
	"stampclock/device/ctlproto"
	"stampclock/queue/record"
)

func (c *cli) badges(args []string) error {
	if len(args) == 0 {
		return usageError{"badges: want list, add, remove, import, export, pending or assign"}
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("badges "+sub, flag.ContinueOnError)
	name := fs.String("name", "", "display name")
	pf := addPrintedFlags(fs)
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	conv, err := pf.converter(c)
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
		var bs []ctlproto.BadgeInfo
		if err := c.call(ctlproto.CmdBadgesList, nil, &bs); err != nil {
			return err
		}
		return c.print(bs, func(w io.Writer) { printBadges(w, bs, pf.printedFunc()) })
	case "export":
		if err := want(0, "no arguments (CSV goes to standard output)"); err != nil {
			return err
		}
		var bs []ctlproto.BadgeInfo
		if err := c.call(ctlproto.CmdBadgesList, nil, &bs); err != nil {
			return err
		}
		return c.print(bs, func(w io.Writer) { badgecsv.Write(w, bs, badgecsv.Format{}) })
	case "add", "assign":
		if err := want(2, "UID EMAIL"); err != nil {
			return err
		}
		if strings.Contains(pos[0], "@") && !strings.Contains(pos[1], "@") {
			return usageError{fmt.Sprintf("badges %s: the UID comes first: stampctl badges %s %s %s", sub, sub, pos[1], pos[0])}
		}
		if conv != nil {
			uid, err := conv(pos[0])
			if err != nil {
				return err
			}
			pos[0] = uid
		}
		cmd := ctlproto.CmdBadgesAdd
		if sub == "assign" {
			cmd = ctlproto.CmdBadgesAssign
		}
		var b ctlproto.BadgeInfo
		if err := c.call(cmd, ctlproto.BadgeArgs{UID: pos[0], Email: pos[1], Name: *name}, &b); err != nil {
			return err
		}
		return c.print(b, func(w io.Writer) {
			fmt.Fprintf(w, "%s → %s%s\n", b.UID, b.Email, unverifiedNote(b.Unverified))
		})
	case "remove":
		if err := want(1, "UID"); err != nil {
			return err
		}
		var b ctlproto.BadgeInfo
		if err := c.call(ctlproto.CmdBadgesRemove, ctlproto.BadgeArgs{UID: pos[0]}, &b); err != nil {
			return err
		}
		return c.print(b, func(w io.Writer) { fmt.Fprintf(w, "%s removed\n", b.UID) })
	case "pending":
		if err := want(0, "no arguments"); err != nil {
			return err
		}
		var us []record.UnknownBadge
		if err := c.call(ctlproto.CmdBadgesPending, nil, &us); err != nil {
			return err
		}
		return c.print(us, func(w io.Writer) {
			if len(us) == 0 {
				fmt.Fprintln(w, "no pending badges (tap an admin badge, then the new badges)")
				return
			}
			printed := pf.printedFunc()
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprint(tw, "UID\tTAPS\tLAST")
			if printed != nil {
				fmt.Fprint(tw, "\tPRINTED")
			}
			fmt.Fprintln(tw)
			for _, u := range us {
				fmt.Fprintf(tw, "%s\t%d\t%s", u.UID, u.Count, when(u.Last, c.zone()))
				if printed != nil {
					fmt.Fprintf(tw, "\t%s", printed(u.UID))
				}
				fmt.Fprintln(tw)
			}
			tw.Flush()
			fmt.Fprintln(w, "assign with: stampctl badges assign UID EMAIL")
		})
	case "import":
		if err := want(1, "a CSV file with the header uid,email[,name] (- for standard input)"); err != nil {
			return err
		}
		return c.importBadges(pos[0], conv)
	}
	return usageError{fmt.Sprintf("badges %s: want list, add, remove, import, export, pending or assign", sub)}
}

func unverifiedNote(u bool) string {
	if u {
		return "  (email not checked yet: the user list could not be fetched, `stampctl check` says why; checked again later)"
	}
	return ""
}

// printBadges lists bs; printed, when not nil, adds how each UID appears
// on the card.
func printBadges(w io.Writer, bs []ctlproto.BadgeInfo, printed func(string) string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	if printed != nil {
		fmt.Fprintln(tw, "UID\tPRINTED\tEMAIL\tNAME\tSOURCE\tNOTE")
	} else {
		fmt.Fprintln(tw, "UID\tEMAIL\tNAME\tSOURCE\tNOTE")
	}
	for _, b := range bs {
		note := b.Problem
		switch {
		case b.Admin:
			note = "admin badge"
		case b.Unverified:
			note = "email not checked yet"
		}
		if printed != nil {
			fmt.Fprintf(tw, "%s\t%s\t", b.UID, printed(b.UID))
		} else {
			fmt.Fprintf(tw, "%s\t", b.UID)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", printable(b.Email), printable(b.Name), b.Source, printable(note))
	}
}

// importBadges reads a CSV with a header naming the columns uid and email
// (name and source optional). Every row is checked before anything is
// imported: here (CSV syntax, UTF-8, control characters, duplicate UIDs),
// then by stampd page by page in a dry run. Only when no line is bad are
// the pages imported, each in one commit; an import stopped half-way
// (daemon stopped) is completed by running it again.
func (c *cli) importBadges(path string, conv func(string) (string, error)) error {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	rows, lineErrs, err := badgecsv.Read(r, conv)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	res, err := ctlproto.ImportPages(rows, lineErrs, func(a ctlproto.ImportArgs, res *ctlproto.ImportResult) error {
		return c.call(ctlproto.CmdBadgesImport, a, res)
	})
	if err != nil {
		return err
	}
	lineErrs = res.Errors
	if err := c.print(res, func(w io.Writer) {
		for _, e := range lineErrs {
			fmt.Fprintf(w, "%s:%d: %s\n", path, e.Line, e.Err)
		}
		switch {
		case len(lineErrs) == 0:
			fmt.Fprintf(w, "%s imported\n", plural(res.Imported, "badge", "badges"))
		case res.Imported == 0:
			fmt.Fprintf(w, "%s: nothing imported\n", plural(len(lineErrs), "bad line", "bad lines"))
		default:
			fmt.Fprintf(w, "%s after %s were imported\n", plural(len(lineErrs), "bad line", "bad lines"), plural(res.Imported, "badge", "badges"))
		}
	}); err != nil {
		return err
	}
	if len(lineErrs) > 0 {
		return errors.New("import failed")
	}
	return nil
}

// printable quotes s (Go syntax, escapes visible) when it holds invalid
// UTF-8 or control characters, so stored text cannot drive the terminal.
func printable(s string) string {
	if config.CheckText(s) == nil {
		return s
	}
	return strconv.QuoteToGraphic(s)
}

func (c *cli) enroll(args []string) error {
	fs := flag.NewFlagSet("enroll", flag.ContinueOnError)
	email := fs.String("email", "", "the employee's login email")
	name := fs.String("name", "", "display name")
	timeout := fs.Duration("timeout", 2*time.Minute, "how long to wait for the tap")
	replace := fs.Bool("replace", false, "re-bind the badge even if it is enrolled for someone else")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	if *email == "" || len(pos) > 0 {
		return usageError{"enroll: want --email EMAIL"}
	}
	if !config.ValidEmail(*email) {
		// Said before "Tap the badge …", not after.
		return usageError{fmt.Sprintf("enroll: --email %q is not an email address", *email)}
	}
	if !c.json {
		fmt.Fprintf(c.err, "Tap the badge for %s at the terminal (waiting %s) …\n", *email, duration(*timeout))
	}
	var res ctlproto.EnrollResult
	if err := c.callFor(*timeout+10*time.Second, ctlproto.CmdEnroll, ctlproto.EnrollArgs{Email: *email, Name: *name, Timeout: int(timeout.Seconds()), Replace: *replace}, &res); err != nil {
		return err
	}
	return c.print(res, func(w io.Writer) {
		fmt.Fprintf(w, "%s enrolled for %s%s\n", res.UID, res.Email, unverifiedNote(res.Unverified))
	})
}
