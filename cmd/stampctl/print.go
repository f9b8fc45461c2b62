package main

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"stampclock/device/ctlproto"
	"stampclock/device/readers"
	"stampclock/queue/record"
)

// print writes v as JSON with --json (an empty list as [], not null),
// else calls human.
func (c *cli) print(v any, human func(io.Writer)) error {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice && rv.IsNil() {
		v = reflect.MakeSlice(rv.Type(), 0, 0).Interface()
	}
	if c.json {
		enc := json.NewEncoder(c.out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	human(c.out)
	return nil
}

func printStatus(w io.Writer, s ctlproto.Status, loc *time.Location) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	synced := "synchronised"
	if !s.Clock.Synced {
		synced = "NOT synchronised"
	}
	fmt.Fprintf(tw, "device\t%s (stampd %s), reader %s, up since %s\n", s.Device, s.Version, s.Reader, when(s.Started, loc))
	switch {
	case s.StoreAlarm != nil && s.StoreAlarm.MovedTo != "":
		fmt.Fprintf(tw, "STORE ALARM\tdamaged store moved to %s at %s; export it with `stampctl salvage %s`\n", s.StoreAlarm.MovedTo, when(s.StoreAlarm.At, loc), s.StoreAlarm.MovedTo)
	case s.StoreAlarm != nil:
		fmt.Fprintf(tw, "STORE ALARM\t%s (found at %s)\n", s.StoreAlarm.Error, when(s.StoreAlarm.At, loc))
	}
	if s.QuarantineAlarm != "" {
		fmt.Fprintf(tw, "STORE ALARM\t%s\n", s.QuarantineAlarm)
	}
	if s.MetricsError != "" {
		fmt.Fprintf(tw, "METRICS DOWN\t%s\n", s.MetricsError)
	}
	for _, p := range s.ConfigProblems {
		fmt.Fprintf(tw, "CONFIG PROBLEM\t%s: %s\n", p.Check, p.Problem)
	}
	if s.OtherStores != "" {
		fmt.Fprintf(tw, "NEW STORE\t%s\n", s.OtherStores)
	}
	if s.StoreWarning != "" {
		fmt.Fprintf(tw, "STORE NEARLY FULL\t%s\n", s.StoreWarning)
	}
	fmt.Fprintf(tw, "clock\t%s %s, %s\n", when(s.Clock.Now, loc), loc, synced)
	if s.Clock.Untrusted > 0 {
		fmt.Fprintf(tw, "\t%d records stamped while the clock was not synchronised (held until corrected)\n", s.Clock.Untrusted)
	}
	fmt.Fprintf(tw, "queue\tpending %d, held %d, dead %d, delivered %d, records kept %d\n", s.QueueDepth.Pending, s.QueueDepth.Held, s.QueueDepth.Dead, s.QueueDepth.Delivered, s.Queue.Records)
	if !slices.ContainsFunc(s.Uplinks, func(e ctlproto.UplinkStatus) bool { return !e.Queue.Unconfigured }) {
		fmt.Fprintf(tw, "uplink\tnone configured: punches are kept here and sent nowhere (`stampctl init`, or a section in the config)\n")
	}
	for _, e := range s.Uplinks {
		u := e.Queue
		withdrawn := ""
		if u.Withdrawn > 0 {
			withdrawn = fmt.Sprintf(", withdrawn %d", u.Withdrawn)
		}
		fmt.Fprintf(tw, "uplink\t%s: %s, pending %d, held %d, dead %d%s, last delivery %s\n", e.Uplink, e.State, u.Pending, u.Held, u.Dead, withdrawn, when(u.LastDelivery, loc))
		if u.LastError != "" {
			fmt.Fprintf(tw, "\tlast error %s: %s\n", when(u.LastErrorAt, loc), u.LastError)
		}
		if u.Unconfigured {
			fmt.Fprintf(tw, "\tno [%s] in the config: its records are kept, not sent; configure it again to deliver them\n", e.Uplink)
		}
	}
	printSite(tw, s.SiteBadges, loc)
	printSiteShifts(tw, s.SiteTaps, s.SiteShifts, loc)
	fmt.Fprintf(tw, "taps\t%s since start: %s, %s, %d already stamped, %d unknown, %s\n",
		plural(int(s.Taps.Taps), "tap", "taps"), plural(int(s.Taps.Starts), "start", "starts"), plural(int(s.Taps.Stops), "stop", "stops"),
		s.Taps.Ignored, s.Taps.Unknown, plural(int(s.Taps.StoreErrors), "store error", "store errors"))
	fmt.Fprintf(tw, "open shifts\t%d\n", len(s.Queue.OpenShifts))
	for _, e := range s.Queue.OpenShifts {
		fmt.Fprintf(tw, "\t%s since %s (badge %s)\n", e.Email, when(e.Start, loc), e.StartUID)
	}
	fmt.Fprintf(tw, "missing stops\t%d\n", len(s.Queue.Anomalies))
	for _, a := range s.Queue.Anomalies {
		fmt.Fprintf(tw, "\t%s started %s, no stop (seq %d)\n", a.Email, when(a.Start, loc), a.StartSeq)
	}
	fmt.Fprintf(tw, "unknown badges\t%d\n", len(s.Queue.Unknown))
	printed := readers.Printed(s.Reader)
	for _, u := range s.Queue.Unknown {
		fmt.Fprintf(tw, "\t%s%s  %s, last %s\n", u.UID, printedNote(printed, u.UID), plural(int(u.Count), "tap", "taps"), when(u.Last, loc))
	}
}

func printItems(w io.Writer, items []record.Item, loc *time.Location) {
	if len(items) == 0 {
		fmt.Fprintln(w, "queue empty")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	fmt.Fprintf(tw, "SEQ\tUPLINK\tSTATE\tKIND\tEMAIL\tSTART (%s)\tEND (%s)\tTRIES\tMESSAGE\n", loc, loc)
	for _, it := range items {
		r := it.Record
		kind := string(r.Kind)
		if r.Action != "" {
			kind += "/" + r.Action
		} else if r.Event != "" {
			kind += "/" + r.Event
		} else if r.Retracts != 0 {
			kind += fmt.Sprintf("/#%d", r.Retracts) // the record it withdraws
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.Seq, it.Uplink, it.State, kind, r.Email,
			when(r.Start, loc), when(r.End, loc), it.Attempts, it.Msg)
	}
}

// printedNote is " (printed …)" for a badge whose card shows another
// number than its UID, by the reader's conversion; "" otherwise.
func printedNote(printed func(string) string, uid string) string {
	if printed == nil {
		return ""
	}
	if p := printed(uid); p != "" {
		return " (printed " + p + ")"
	}
	return ""
}

// printReload says what a reload applied, and what waits for a restart.
func printReload(w io.Writer, res ctlproto.ReloadResult) {
	fmt.Fprintf(w, "badges reloaded (%d in the config)\n", res.Badges)
	if len(res.Restart) > 0 {
		fmt.Fprintf(w, "NOT applied: [%s] changed; a reload applies the badges only: run `systemctl restart stampd`\n", strings.Join(res.Restart, "], ["))
	}
}
