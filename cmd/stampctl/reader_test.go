package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

const captureDir = "../../testdata/captures"

func TestReaderDecode_EveryCapture(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(captureDir, "*", "*.sr"))
	if len(files) != 6 {
		t.Fatalf("%d captures, want 6", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			var res DecodeResult
			var want []DecodedTap
			if strings.Contains(f, "wiegand") {
				code, out, errOut := runCtl(t, "--json", "reader", "decode", f, "--reader", "wiegand")
				if code != 0 {
					t.Fatalf("exit %d: %s", code, errOut)
				}
				if err := json.Unmarshal([]byte(out), &res); err != nil {
					t.Fatal(err)
				}
				// The reader sent the same 34-bit frame twice.
				w := DecodedTap{UID: "45320488", Format: "h10306", Printed: []string{"17714,1160"}}
				want = []DecodedTap{w, w}
			} else {
				code, out, errOut := runCtl(t, "--json", "reader", "decode", "--reader", "rdm6300", f)
				if code != 0 {
					t.Fatalf("exit %d: %s", code, errOut)
				}
				if err := json.Unmarshal([]byte(out), &res); err != nil {
					t.Fatal(err)
				}
				tag := strings.ToUpper(strings.Split(filepath.Base(f), "_")[1])
				want = []DecodedTap{{UID: tag, Format: "em4100"}}
			}
			if len(res.Taps) != len(want) || len(res.Discards) != 0 {
				t.Fatalf("taps %+v, discarded %q; want %+v", res.Taps, res.Discards, want)
			}
			for i, tap := range res.Taps {
				if tap.UID != want[i].UID || tap.Format != want[i].Format || tap.At <= 0 {
					t.Errorf("tap %d = %+v, want %+v", i, tap, want[i])
				}
				if want[i].Printed != nil && strings.Join(tap.Printed, " ") != strings.Join(want[i].Printed, " ") {
					t.Errorf("tap %d printed %q, want %q", i, tap.Printed, want[i].Printed)
				}
			}
		})
	}
}

func TestReaderDecode_HumanOutputAndOptions(t *testing.T) {
	w := filepath.Join(captureDir, "wiegand", "wiegand-8a640910.sr")
	em := filepath.Join(captureDir, "rdm630", "em4100_010784f221_card.sr")
	for _, tt := range []struct {
		name string
		args []string
		want []string
	}{
		{"em printed forms", []string{"reader", "decode", em, "--reader", "rdm6300"},
			[]string{`RX = probe "RX"`, "010784F221  em4100  0126153249  132,61985"}},
		{"em four bytes", []string{"reader", "decode", em, "--reader", "rdm6300", "--uid-bytes", "4"},
			[]string{"0784F221  em4100  010784F221  0126153249  132,61985"}},
		{"wiegand raw 34 is the file name", []string{"reader", "decode", w, "--reader", "wiegand", "--raw-bits", "34"},
			[]string{"008A640910  raw"}},
		{"wiegand reversed layout", []string{"reader", "decode", w, "--reader", "wiegand", "--custom", "name=mifare34 bits=34 data=1:32 even=0-16 odd=17-33 reverse"},
			[]string{"88043245  mifare34"}},
		{"wiegand 26 only", []string{"reader", "decode", w, "--reader", "wiegand", "--formats", "h10301"},
			[]string{"no taps", "discarded: wiegand: unexpected frame length: 34 bits"}},
		{"swapped lines fail parity", []string{"reader", "decode", w, "--reader", "wiegand", "--probe", "D0=1", "--probe", "d1=0"},
			[]string{`D0 = probe "1"`, "no taps", "bad parity"}},
		{"wrong probe for rx", []string{"reader", "decode", em, "--reader", "rdm6300", "--probe", "RX=RFID"},
			[]string{"no taps", "framing error", "more framing errors"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCtl(t, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, s := range tt.want {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
		})
	}
}

func TestReaderDecode_Errors(t *testing.T) {
	em := filepath.Join(captureDir, "rdm630", "em4100_010784f221_card.sr")
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"reader", "decode", em}, 2, `--reader ""`},
		{[]string{"reader", "decode", em, "--reader", "pn532"}, 2, "want wiegand or rdm6300"},
		{[]string{"reader", "decode", "--reader", "rdm6300"}, 2, "want one capture file"},
		{[]string{"reader", "decode", em, "--reader", "rdm6300", "--probe", "RX"}, 2, "want ROLE=PROBE"},
		{[]string{"reader", "decode", em, "--reader", "rdm6300", "--probe", "RX=D9"}, 1, `--probe RX=D9: sigrok: no probe "D9"`},
		{[]string{"reader", "decode", em, "--reader", "wiegand", "--formats", "h99"}, 1, `unknown format "h99"`},
		{[]string{"reader", "decode", "missing.sr", "--reader", "wiegand"}, 1, "missing.sr"},
		{[]string{"reader", "decode", "reader_test.go", "--reader", "wiegand"}, 1, "not a zip archive"},
		{[]string{"reader", "list"}, 2, "reader: want decode"},
	} {
		code, _, errOut := runCtl(t, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("%q: exit %d, %q; want exit %d mentioning %q", tt.args, code, errOut, tt.code, tt.want)
		}
	}
}
