package main

import (
	"flag"
	"fmt"

	"stampclock/device/config"
	"stampclock/device/readers"
	"stampclock/reader"
	"stampclock/reader/cardnum"
)

// printedFlags are the options of badges add/import for numbers as printed
// on cards.
type printedFlags struct {
	form     *string
	uidBytes *int
	config   *string
}

func addPrintedFlags(fs *flag.FlagSet) printedFlags {
	return printedFlags{
		form:     fs.String("printed", "", "the numbers are printed forms: hex, hex-reversed, em-hex, em-decimal or wiegand26"),
		uidBytes: fs.Int("uid-bytes", 0, "bytes of an EM tag the reader stores (default: from the config's reader)"),
		config:   fs.String("config", defaultConfig, "config whose reader decides --uid-bytes"),
	}
}

// emWidth is how many trailing bytes of an EM4100 tag the configured reader
// stores as the UID (its section's EMBytes); 0 when the reader does not
// say.
func emWidth(r config.Reader) int {
	if s, ok := r.Section().(interface{ EMBytes() int }); ok {
		return s.EMBytes()
	}
	return 0
}

// converter returns the function turning a printed number into the UID the
// reader reports, or nil without --printed.
func (p printedFlags) converter(c *cli) (func(string) (string, error), error) {
	if *p.form == "" {
		return nil, nil
	}
	form, err := cardnum.ParseForm(*p.form)
	if err != nil {
		return nil, usageError{"--printed: " + err.Error()}
	}
	width := *p.uidBytes
	if width == 0 && form != cardnum.Hex && form != cardnum.HexReversed {
		cfg, err := config.Load(*p.config)
		if err != nil {
			fmt.Fprintf(c.err, "stampctl: cannot read the reader from %s (%v); keeping every byte the printed numbers carry (set --uid-bytes)\n", *p.config, err)
		} else {
			width = emWidth(cfg.Reader)
		}
	}
	return func(s string) (string, error) {
		uid, err := cardnum.Parse(s, form, width)
		if err != nil {
			return "", err
		}
		return reader.FormatUID(uid), nil
	}, nil
}

// printedFunc returns how the configured reader's UIDs appear on cards, or
// nil when the config cannot be read or the reader has no printed form.
func (p printedFlags) printedFunc() func(uid string) string {
	cfg, err := config.Load(*p.config)
	if err != nil {
		return nil
	}
	return printedFor(cfg.Reader.Type)
}

// printedFor returns the printed forms of a UID from a reader of type typ
// (its kind's Printed): nil for readers whose cards print the UID itself.
func printedFor(typ string) func(uid string) string {
	return readers.Printed(typ)
}
