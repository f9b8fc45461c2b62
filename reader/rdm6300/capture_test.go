package rdm6300

import (
	"errors"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"stampclock/reader"
)

// The kind's capture decoder finds each captured tag once, with the
// forms its card prints.
func TestKindDecoder_RealCaptures(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "captures", "rdm630", "*.sr"))
	if len(files) == 0 {
		t.Fatal("no captures")
	}
	for _, f := range files {
		fs := flag.NewFlagSet("decode", flag.ContinueOnError)
		decode := Kind().Decoder(fs)
		if err := fs.Parse([]string{"--uid-bytes", "4"}); err != nil {
			t.Fatal(err)
		}
		d, err := decode(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		tag := strings.ToUpper(strings.Split(filepath.Base(f), "_")[1])
		if len(d.Taps) != 1 || d.Taps[0].UID != tag[2:] || d.Taps[0].Format != "em4100" || len(d.Taps[0].Printed) != 3 || d.Taps[0].Printed[0] != tag || d.Probes["RX"] == "" {
			t.Errorf("%s: decoded %+v", filepath.Base(f), d)
		}
	}
	fs := flag.NewFlagSet("decode", flag.ContinueOnError)
	decode := Kind().Decoder(fs)
	if err := fs.Parse([]string{"--uid-bytes", "3"}); err != nil {
		t.Fatal(err)
	}
	var ue reader.UsageError
	if _, err := decode(files[0], nil); !errors.As(err, &ue) || !strings.Contains(err.Error(), "--uid-bytes 3") {
		t.Fatalf("--uid-bytes 3: %v; want a usage error naming it", err)
	}
}
