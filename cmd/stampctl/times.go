package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"stampclock/device/config"
	"stampclock/device/ctlproto"
)

// How stampctl shows time to people, in one place: times in the terminal's
// zone (punch.timezone, asked of stampd) with the zone named, or UTC with
// --utc; durations rounded like 8h27m; dates given as local days.

// zone returns the zone times are shown in, and its name.
func (c *cli) zone() *time.Location {
	if c.loc != nil {
		return c.loc
	}
	c.loc = time.UTC
	if c.utc {
		return c.loc
	}
	var s ctlproto.Status
	name := config.DefaultTimezone
	if err := c.callFor(5*time.Second, ctlproto.CmdStatus, nil, &s); err == nil && s.Clock.Timezone != "" {
		name = s.Clock.Timezone
	}
	if loc, err := time.LoadLocation(name); err == nil {
		c.loc = loc
	}
	return c.loc
}

// zoneFrom sets the zone from a status already fetched (no second call).
func (c *cli) zoneFrom(name string) *time.Location {
	if c.utc {
		c.loc = time.UTC
	} else if loc, err := time.LoadLocation(name); err == nil {
		c.loc = loc
	}
	return c.zone()
}

// when shows t in loc; "-" for the zero time.
func when(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(loc).Format("2006-01-02 15:04:05")
}

// duration shows d for people: 8h27m, 27m19s, 45s.
func duration(d time.Duration) string {
	switch {
	case d >= time.Hour:
		d = d.Round(time.Minute)
		return strings.TrimSuffix(d.String(), "0s")
	case d >= time.Minute:
		return d.Round(time.Second).String()
	}
	return d.Round(time.Second).String()
}

// plural writes "1 check" / "2 checks".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// seqList writes sequence numbers as "5, 6".
func seqList(ns []uint64) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.FormatUint(n, 10)
	}
	return strings.Join(s, ", ")
}

// timeArg turns a --from/--to value into RFC 3339 for stampd: a date
// YYYY-MM-DD is that local day in loc, its start for --from and the
// start of the next day for --to (so --to 2026-11-30 includes the 30th).
func timeArg(flagName, v string, loc *time.Location, end bool) (string, error) {
	if v == "" {
		return "", nil
	}
	if _, err := time.Parse(time.RFC3339, v); err == nil {
		return v, nil
	}
	d, err := time.ParseInLocation("2006-01-02", v, loc)
	if err != nil {
		return "", usageError{fmt.Sprintf("--%s %q: want a date YYYY-MM-DD (a day in %s) or an RFC 3339 time", flagName, v, loc)}
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d.Format(time.RFC3339), nil
}
