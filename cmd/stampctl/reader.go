package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"stampclock/device/readers"
	"stampclock/reader"
)

// DecodedTap is one tap found in a capture.
type DecodedTap = reader.DecodedTap

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

// readerCmd decodes a capture with the decoder of the reader kind
// --reader names (reader.Kind.Decoder): the kinds with one register
// their options.
func (c *cli) readerCmd(args []string) error {
	if len(args) == 0 || args[0] != "decode" {
		return usageError{"reader: want decode"}
	}
	fs := flag.NewFlagSet("reader decode", flag.ContinueOnError)
	var names []string
	decoders := map[string]reader.Decode{}
	for _, k := range readers.All() {
		if k.Decoder != nil {
			names = append(names, k.Name)
			decoders[k.Name] = k.Decoder(fs)
		}
	}
	want := strings.Join(names, " or ")
	if len(names) > 2 {
		want = strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	}
	kind := fs.String("reader", "", want)
	var probes multiFlag
	fs.Var(&probes, "probe", "ROLE=PROBE: a signal of the reader (D0, D1 of wiegand, RX of rdm6300) = a probe name or index in the capture")
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
	decode, ok := decoders[*kind]
	if !ok {
		return usageError{fmt.Sprintf("reader decode: --reader %q: want %s", *kind, want)}
	}
	d, err := decode(pos[0], roles)
	if ue := (reader.UsageError)(""); errors.As(err, &ue) {
		return usageError{string(ue)}
	}
	if err != nil {
		return err
	}
	res := DecodeResult{File: filepath.Base(pos[0]), Reader: *kind, Probes: d.Probes, Taps: d.Taps, Discards: d.Discards}
	return c.print(res, func(w io.Writer) { printDecode(w, d, res) })
}

func printDecode(w io.Writer, c reader.Decoded, res DecodeResult) {
	var ps []string
	for _, role := range slices.Sorted(maps.Keys(res.Probes)) {
		ps = append(ps, fmt.Sprintf("%s = probe %q", role, res.Probes[role]))
	}
	fmt.Fprintf(w, "%s: %d Hz, %d probes, %v; %s\n", res.File, c.SampleRate, len(c.ProbeNames), c.Duration, strings.Join(ps, ", "))
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
