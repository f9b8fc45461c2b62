package main

import (
	"flag"
	"fmt"
	"io"

	"stampclock/device/ctlproto"
)

// daytotal prints an employee's total of a day: stampctl daytotal EMAIL
// [--date YYYY-MM-DD].
func (c *cli) daytotal(args []string) error {
	fs := flag.NewFlagSet("daytotal", flag.ContinueOnError)
	date := fs.String("date", "", "the day, YYYY-MM-DD (default today)")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"daytotal: want exactly one EMAIL"}
	}
	var res ctlproto.DayTotalResult
	if err := c.call(ctlproto.CmdDayTotal, ctlproto.DayTotalArgs{Email: pos[0], Date: *date}, &res); err != nil {
		return err
	}
	return c.print(res, func(w io.Writer) {
		fmt.Fprintf(w, "%s  %s  %s  (%s)", res.Email, res.Date, hoursMinutes(res.Seconds), res.Source)
		if res.Cached {
			fmt.Fprint(w, "  cached")
		}
		if res.LocalSeconds != nil && res.Source != "local" {
			fmt.Fprintf(w, "  local %s", hoursMinutes(*res.LocalSeconds))
		}
		fmt.Fprintln(w)
		if res.Note != "" {
			fmt.Fprintf(w, "note: %s\n", res.Note)
		}
	})
}

// hoursMinutes writes seconds as "7:05 h".
func hoursMinutes(s int64) string {
	m := s / 60
	return fmt.Sprintf("%d:%02d h", m/60, m%60)
}
