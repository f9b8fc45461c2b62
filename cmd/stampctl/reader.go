package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"stampclock/reader"
	"stampclock/reader/cardnum"
	"stampclock/reader/rdm6300"
	"stampclock/reader/sigrok"
	"stampclock/reader/wiegand"
)

// DecodedTap is one tap found in a capture.
type DecodedTap struct {
	// At is the time into the capture.
	At time.Duration `json:"at"`
	// UID is the UID as stampd stores it.
	UID string `json:"uid"`
	// Format is the Wiegand format, or "em4100".
	Format string `json:"format"`
	// Printed lists how the card may show the number where it differs.
	Printed []string `json:"printed,omitempty"`
}

// DecodeResult is what `reader decode` found.
type DecodeResult struct {
	File     string            `json:"file"`
	Reader   string            `json:"reader"`
	Probes   map[string]string `json:"probes"`
	Taps     []DecodedTap      `json:"taps"`
	Discards []string          `json:"discarded"`
}

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func (c *cli) readerCmd(args []string) error {
	if len(args) == 0 || args[0] != "decode" {
		return usageError{"reader: want decode"}
	}
	fs := flag.NewFlagSet("reader decode", flag.ContinueOnError)
	kind := fs.String("reader", "", "wiegand or rdm6300")
	var probes, custom multiFlag
	fs.Var(&probes, "probe", "ROLE=PROBE: D0, D1 (wiegand) or RX (rdm6300) = a probe name or index in the capture")
	formats := fs.String("formats", "", "wiegand: comma-separated formats (default h10301,h10306,h10304)")
	rawBits := fs.String("raw-bits", "", "wiegand: comma-separated lengths accepted without parity")
	fs.Var(&custom, "custom", "wiegand: a custom layout (see the example config)")
	baud := fs.Int("baud", 9600, "rdm6300: line speed")
	uidBytes := fs.Int("uid-bytes", 5, "rdm6300: 5 or 4 bytes of the tag stored")
	silence := fs.Duration("silence", rdm6300.DefaultOptions.Silence, "rdm6300: repeats closer than this are one tap")
	pos, err := c.parse(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"reader decode: want one capture file (.sr)"}
	}
	roles := map[string]string{}
	for _, p := range probes {
		role, name, ok := strings.Cut(p, "=")
		if !ok || role == "" || name == "" {
			return usageError{fmt.Sprintf("reader decode: --probe %q: want ROLE=PROBE, e.g. D0=0", p)}
		}
		roles[strings.ToUpper(role)] = name
	}
	capture, err := sigrok.Open(pos[0])
	if err != nil {
		return err
	}
	res := DecodeResult{File: filepath.Base(pos[0]), Reader: *kind, Probes: map[string]string{}}
	switch *kind {
	case "wiegand":
		err = decodeWiegand(capture, roles, *formats, *rawBits, custom, &res)
	case "rdm6300":
		err = decodeRDM6300(capture, roles, *baud, *uidBytes, *silence, &res)
	default:
		return usageError{fmt.Sprintf("reader decode: --reader %q: want wiegand or rdm6300", *kind)}
	}
	if err != nil {
		return err
	}
	return c.print(res, func(w io.Writer) { printDecode(w, capture, res) })
}

// probeFor finds the capture probe playing role: --probe, else a probe
// named like the role or one of alts, else the index def.
func probeFor(c *sigrok.Capture, roles map[string]string, role string, alts []string, def int, res *DecodeResult) (int, error) {
	if name, ok := roles[role]; ok {
		p, err := c.Probe(name)
		if err != nil {
			return 0, fmt.Errorf("--probe %s=%s: %w", role, name, err)
		}
		res.Probes[role] = c.Probes[p]
		return p, nil
	}
	for _, n := range append([]string{role}, alts...) {
		for i, pn := range c.Probes {
			if strings.EqualFold(pn, n) {
				res.Probes[role] = pn
				return i, nil
			}
		}
	}
	if def >= len(c.Probes) {
		return 0, fmt.Errorf("no probe for %s: give --probe %s=NAME (probes: %s)", role, role, strings.Join(c.Probes, ", "))
	}
	res.Probes[role] = c.Probes[def]
	return def, nil
}

func splitInts(s, what string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, usageError{fmt.Sprintf("reader decode: %s %q: want numbers separated by commas", what, s)}
		}
		out = append(out, n)
	}
	return out, nil
}

func decodeWiegand(c *sigrok.Capture, roles map[string]string, formats, rawBits string, custom []string, res *DecodeResult) error {
	d0, err := probeFor(c, roles, "D0", []string{"DATA0", "0"}, 0, res)
	if err != nil {
		return err
	}
	d1, err := probeFor(c, roles, "D1", []string{"DATA1", "1"}, 1, res)
	if err != nil {
		return err
	}
	var names []string
	for f := range strings.SplitSeq(formats, ",") {
		if f = strings.TrimSpace(f); f != "" {
			names = append(names, f)
		}
	}
	raw, err := splitInts(rawBits, "--raw-bits")
	if err != nil {
		return err
	}
	fs, ls, err := wiegand.ParseFormats(names, custom, raw)
	if err != nil {
		return err
	}
	// Lines 0 and 1 of a request, as the GPIO backend numbers them.
	dec, err := wiegand.NewDecoder(wiegand.Options{D0: 0, D1: 1, Formats: fs, Custom: ls, RawBits: raw})
	if err != nil {
		return err
	}
	evs, err := c.LineEvents(map[int]int{d0: 0, d1: 1}, 0, false)
	if err != nil {
		return err
	}
	add := func(f wiegand.Frame, ended bool, err error) {
		switch {
		case !ended:
		case err != nil:
			res.Discards = append(res.Discards, err.Error())
		default:
			t := DecodedTap{At: f.Start, UID: reader.FormatUID(f.UID), Format: string(f.Format)}
			if f.Format != wiegand.Raw && len(f.Bits) > 0 && (f.Facility != 0 || f.Card != 0) {
				t.Printed = []string{fmt.Sprintf("%d,%d", f.Facility, f.Card)}
			}
			res.Taps = append(res.Taps, t)
		}
	}
	for _, ev := range evs {
		add(dec.Feed(ev))
	}
	add(dec.Flush())
	return nil
}

func decodeRDM6300(c *sigrok.Capture, roles map[string]string, baud, uidBytes int, silence time.Duration, res *DecodeResult) error {
	if uidBytes != 4 && uidBytes != rdm6300.UIDLen {
		return usageError{fmt.Sprintf("reader decode: --uid-bytes %d: want 5 or 4", uidBytes)}
	}
	rx, err := probeFor(c, roles, "RX", []string{"TX", "UART"}, 0, res)
	if err != nil {
		return err
	}
	chars, err := c.UART(rx, baud)
	if err != nil {
		return err
	}
	var p rdm6300.Parser
	presence := rdm6300.Presence{Silence: silence}
	start := time.Unix(0, 0)
	framing := 0
	for _, ch := range chars {
		if ch.FramingError {
			p.Reset()
			if framing++; framing == 1 {
				res.Discards = append(res.Discards, fmt.Sprintf("framing error at %v (wrong probe or baud rate?)", ch.At))
			}
			continue
		}
		uid, err := p.Feed(ch.Value)
		if err != nil {
			res.Discards = append(res.Discards, err.Error())
		}
		if uid == nil {
			continue
		}
		if !presence.Seen(uid, start.Add(ch.At)) {
			res.Discards = append(res.Discards, fmt.Sprintf("repeat of the held tag %X at %v", uid, ch.At))
			continue
		}
		t := DecodedTap{At: ch.At, UID: reader.FormatUID(uid[rdm6300.UIDLen-uidBytes:]), Format: "em4100"}
		if pr, ok := cardnum.EM(uid); ok {
			if uidBytes == 4 {
				t.Printed = append(t.Printed, reader.FormatUID(uid))
			}
			t.Printed = append(t.Printed, pr.Decimal, pr.Wiegand26)
		}
		res.Taps = append(res.Taps, t)
	}
	if framing > 1 {
		res.Discards = append(res.Discards, fmt.Sprintf("%d more framing errors", framing-1))
	}
	if g := p.Stats().Garbage; g > 0 {
		res.Discards = append(res.Discards, fmt.Sprintf("%d bytes outside frames", g))
	}
	return nil
}

func printDecode(w io.Writer, c *sigrok.Capture, res DecodeResult) {
	var ps []string
	for _, role := range []string{"D0", "D1", "RX"} {
		if n, ok := res.Probes[role]; ok {
			ps = append(ps, fmt.Sprintf("%s = probe %q", role, n))
		}
	}
	fmt.Fprintf(w, "%s: %d Hz, %d probes, %v; %s\n", res.File, c.SampleRate, len(c.Probes), c.Duration(), strings.Join(ps, ", "))
	if len(res.Taps) == 0 {
		fmt.Fprintln(w, "no taps")
	} else {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "AT\tUID\tFORMAT\tPRINTED")
		for _, t := range res.Taps {
			fmt.Fprintf(tw, "%v\t%s\t%s\t%s\n", t.At.Round(time.Microsecond), t.UID, t.Format, strings.Join(t.Printed, "  "))
		}
		tw.Flush()
	}
	for _, d := range res.Discards {
		fmt.Fprintln(w, "discarded:", d)
	}
}
