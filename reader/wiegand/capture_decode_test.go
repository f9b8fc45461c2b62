package wiegand

import (
	"errors"
	"flag"
	"testing"

	"stampclock/reader"
)

// The kind's capture decoder finds in the real capture the frame the
// reader sent twice, with its options parsed from flags.
func TestKindDecoder_RealCapture(t *testing.T) {
	fs := flag.NewFlagSet("decode", flag.ContinueOnError)
	decode := Kind().Decoder(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	d, err := decode(realCapture, map[string]string{"D0": "0"})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Taps) != 2 || len(d.Discards) != 0 || d.Probes["D0"] != "0" || d.Probes["D1"] != "1" || d.SampleRate == 0 || d.Duration <= 0 {
		t.Fatalf("decoded %+v", d)
	}
	for _, tap := range d.Taps {
		if tap.UID != "45320488" || tap.Format != "h10306" || len(tap.Printed) != 1 || tap.Printed[0] != "17714,1160" {
			t.Errorf("tap %+v", tap)
		}
	}

	fs = flag.NewFlagSet("decode", flag.ContinueOnError)
	decode = Kind().Decoder(fs)
	if err := fs.Parse([]string{"--raw-bits", "34,x"}); err != nil {
		t.Fatal(err)
	}
	var ue reader.UsageError
	if _, err := decode(realCapture, nil); !errors.As(err, &ue) {
		t.Fatalf("--raw-bits 34,x: %v; want a usage error", err)
	}
}
