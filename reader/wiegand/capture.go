package wiegand

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"stampclock/reader"
	"stampclock/reader/sigrok"
)

// captureDecoder registers the options of `stampctl reader decode
// --reader wiegand` and decodes a capture of D0 and D1 with them, through
// the same Decoder the GPIO backend feeds.
func captureDecoder(fs *flag.FlagSet) reader.Decode {
	formats := fs.String("formats", "", "wiegand: comma-separated formats (default h10301,h10306,h10304)")
	rawBits := fs.String("raw-bits", "", "wiegand: comma-separated lengths accepted without parity")
	var custom customFlag
	fs.Var(&custom, "custom", "wiegand: a custom layout (see the example config)")
	return func(path string, roles map[string]string) (reader.Decoded, error) {
		c, err := sigrok.Open(path)
		if err != nil {
			return reader.Decoded{}, err
		}
		res := reader.Decoded{Probes: map[string]string{}, SampleRate: c.SampleRate, ProbeNames: c.Probes, Duration: c.Duration()}
		d0, name, err := c.ProbeFor(roles, "D0", []string{"DATA0", "0"}, 0)
		if err != nil {
			return res, err
		}
		res.Probes["D0"] = name
		d1, name, err := c.ProbeFor(roles, "D1", []string{"DATA1", "1"}, 1)
		if err != nil {
			return res, err
		}
		res.Probes["D1"] = name
		var names []string
		for f := range strings.SplitSeq(*formats, ",") {
			if f = strings.TrimSpace(f); f != "" {
				names = append(names, f)
			}
		}
		raw, err := splitInts(*rawBits, "--raw-bits")
		if err != nil {
			return res, err
		}
		fs, ls, err := ParseFormats(names, custom, raw)
		if err != nil {
			return res, err
		}
		// Lines 0 and 1 of a request, as the GPIO backend numbers them.
		dec, err := NewDecoder(Options{D0: 0, D1: 1, Formats: fs, Custom: ls, RawBits: raw})
		if err != nil {
			return res, err
		}
		evs, err := c.LineEvents(map[int]int{d0: 0, d1: 1}, 0, false)
		if err != nil {
			return res, err
		}
		add := func(f Frame, ended bool, err error) {
			switch {
			case !ended:
			case err != nil:
				res.Discards = append(res.Discards, err.Error())
			default:
				t := reader.DecodedTap{At: f.Start, UID: reader.FormatUID(f.UID), Format: string(f.Format)}
				if f.Format != Raw && len(f.Bits) > 0 && (f.Facility != 0 || f.Card != 0) {
					t.Printed = []string{fmt.Sprintf("%d,%d", f.Facility, f.Card)}
				}
				res.Taps = append(res.Taps, t)
			}
		}
		for _, ev := range evs {
			add(dec.Feed(ev))
		}
		add(dec.Flush())
		return res, nil
	}
}

// customFlag collects the repeated --custom flag.
type customFlag []string

func (l *customFlag) String() string     { return strings.Join(*l, " ") }
func (l *customFlag) Set(s string) error { *l = append(*l, s); return nil }

func splitInts(s, what string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, reader.UsageError(fmt.Sprintf("reader decode: %s %q: want numbers separated by commas", what, s))
		}
		out = append(out, n)
	}
	return out, nil
}
