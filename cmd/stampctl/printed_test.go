package main

import (
	"bytes"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stampclock/device/badgecsv"
	"stampclock/device/config"
	"stampclock/device/ctlproto"
	"stampclock/queue"
	"stampclock/reader"
	"stampclock/reader/rdm6300"
	"stampclock/reader/rdm6300/rdm6300test"
)

// readerUID is what the RDM6300 driver reports for a capture: the module's
// real byte stream through the driver's parser, trimmed to width bytes.
func readerUID(t *testing.T, capture string, width int) string {
	t.Helper()
	stream, err := rdm6300test.CaptureStream(capture)
	if err != nil {
		t.Fatal(err)
	}
	var p rdm6300.Parser
	for _, b := range stream {
		if uid, _ := p.Feed(b); uid != nil {
			return reader.FormatUID(uid[len(uid)-width:])
		}
	}
	t.Fatalf("%s: no frame", capture)
	return ""
}

func converterFor(t *testing.T, args ...string) (func(string) (string, error), string) {
	t.Helper()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	pf := addPrintedFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	var errOut bytes.Buffer
	conv, err := pf.converter(&cli{err: &errOut})
	if err != nil {
		t.Fatal(err)
	}
	return conv, errOut.String()
}

func TestImportPrinted_CaptureTags_SameUIDsAsTheReader(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(captureDir, "rdm630", "*.sr"))
	// What each card would print, worked out by hand from the file names.
	decimals := []string{"0126153249", "0153804373", "0404088932", "0005178327", "0003386098"}
	w26 := []string{"132,61985", "42,56917", "21,59492", "79,983", "51,43762"}
	if len(files) != len(decimals) {
		t.Fatalf("%d captures", len(files))
	}
	for _, tt := range []struct {
		args    []string
		width   int
		printed []string
	}{
		{[]string{"--printed", "em-hex", "--uid-bytes", "5"}, 5, nil},
		{[]string{"--printed", "em-decimal", "--uid-bytes", "4"}, 4, decimals},
		{[]string{"--printed", "wiegand26", "--uid-bytes", "3"}, 3, w26},
		{[]string{"--printed", "em-decimal", "--uid-bytes", "3"}, 3, decimals},
	} {
		conv, _ := converterFor(t, tt.args...)
		var csv strings.Builder
		csv.WriteString("printed,email\n")
		for i, f := range files {
			p := rdm6300test.TagOf(f)
			if tt.printed != nil {
				p = tt.printed[i]
			}
			fmt.Fprintf(&csv, "%q,user%d@example.com\n", p, i)
		}
		rows, bad, err := badgecsv.Read(strings.NewReader(csv.String()), conv)
		if err != nil || len(bad) != 0 || len(rows) != len(files) {
			t.Fatalf("%v: rows %v, bad %v, %v", tt.args, rows, bad, err)
		}
		for i, f := range files {
			if want := readerUID(t, f, tt.width); rows[i].UID != want {
				t.Errorf("%v: line %d UID %s, the reader reports %s", tt.args, rows[i].Line, rows[i].UID, want)
			}
		}
	}
}

func TestImportPrinted_Errors(t *testing.T) {
	conv, _ := converterFor(t, "--printed", "em-decimal", "--uid-bytes", "5")
	_, bad, err := badgecsv.Read(strings.NewReader("printed,email\n0126153249,a@example.com\n"), conv)
	if err != nil || len(bad) != 1 || bad[0].Line != 2 || !strings.Contains(bad[0].Err, "the reader stores 5") {
		t.Errorf("decimal for a 5-byte reader: bad %v, %v", bad, err)
	}
	if _, _, err := badgecsv.Read(strings.NewReader("printed,email\n1,a@example.com\n"), nil); err == nil || !strings.Contains(err.Error(), "--printed FORM") {
		t.Errorf("printed column without --printed: %v", err)
	}
	// A uid given in the row wins over the printed number.
	rows, bad, err := badgecsv.Read(strings.NewReader("uid,printed,email\n04A1B2C3,,a@example.com\n,0126153249,b@example.com\n"), conv)
	if err != nil || len(bad) != 1 || len(rows) != 1 || rows[0].UID != "04A1B2C3" {
		t.Errorf("mixed rows: %v %v %v", rows, bad, err)
	}
	conv, warn := converterFor(t, "--printed", "em-decimal", "--config", filepath.Join(t.TempDir(), "none.toml"))
	if uid, err := conv("0126153249"); err != nil || uid != "0784F221" || !strings.Contains(warn, "set --uid-bytes") {
		t.Errorf("no config: %s, %v, warning %q", uid, err, warn)
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	pf := addPrintedFlags(fs)
	fs.Parse([]string{"--printed", "em-octal"})
	if _, err := pf.converter(&cli{}); err == nil {
		t.Error("unknown form accepted")
	}
}

func TestEMWidth_FromTheConfiguredReader(t *testing.T) {
	for _, tt := range []struct {
		r    config.Reader
		want int
	}{
		{config.Reader{Type: "rdm6300"}, 5},
		{config.Reader{Type: "rdm6300", Sections: map[string]reader.Section{"rdm6300": &rdm6300.Config{UIDBytes: 4}}}, 4},
		{config.Reader{Type: "keyboard"}, 4},
		{config.Reader{Type: "wiegand"}, 3},
		{config.Reader{Type: "mfrc522"}, 0},
	} {
		if got := emWidth(tt.r); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.r.Type, got, tt.want)
		}
	}
}

func TestPrintedFor_ListsShowTheCardsNumbers(t *testing.T) {
	em := printedFor("rdm6300")
	if got := em("010784F221"); got != "0126153249  132,61985" {
		t.Errorf("rdm6300 010784F221: %q", got)
	}
	if got := printedFor("keyboard")("0784F221"); got != "0126153249  132,61985" {
		t.Errorf("keyboard 0784F221: %q", got)
	}
	if got := printedFor("wiegand")("45320488"); got != "17714,1160" {
		t.Errorf("wiegand 45320488: %q", got)
	}
	if printedFor("mfrc522") != nil || printedFor("sim") != nil {
		t.Error("MIFARE readers print the UID itself: no column")
	}
	var out bytes.Buffer
	printBadges(&out, []ctlproto.BadgeInfo{{UID: "010784F221", Email: "maier@example.com"}}, em)
	if !strings.Contains(out.String(), "PRINTED") || !strings.Contains(out.String(), "010784F221  0126153249  132,61985  maier@example.com") {
		t.Errorf("list:\n%s", out.String())
	}
	out.Reset()
	printBadges(&out, []ctlproto.BadgeInfo{{UID: "04A1B2C3", Email: "maier@example.com"}}, nil)
	if strings.Contains(out.String(), "PRINTED") {
		t.Errorf("list without printed forms:\n%s", out.String())
	}
}

func TestStatus_UnknownBadgesShownByPrintedNumber(t *testing.T) {
	last := time.Date(2026, 3, 2, 7, 59, 0, 0, time.UTC)
	st := ctlproto.Status{Reader: "rdm6300"}
	st.Queue.Unknown = []queue.UnknownBadge{{UID: "010784F221", Count: 2, Last: last}, {UID: "04A1B2C3D4E5F6", Count: 1, Last: last}}
	var out bytes.Buffer
	printStatus(&out, st, time.UTC)
	for _, want := range []string{
		"010784F221 (printed 0126153249  132,61985)  2 taps, last 2026-03-02 07:59",
		"04A1B2C3D4E5F6  1 tap, last", // no EM tag: no printed form
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status lacks %q:\n%s", want, out.String())
		}
	}
	// A MIFARE reader's cards print the UID itself.
	st.Reader = "mfrc522"
	out.Reset()
	printStatus(&out, st, time.UTC)
	if strings.Contains(out.String(), "printed") {
		t.Errorf("mfrc522 status names a printed form:\n%s", out.String())
	}
}
