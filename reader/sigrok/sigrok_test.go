package sigrok

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warthog618/go-gpiocdev"
)

// captures is the repository's copy of the shared real captures.
const captures = "../../testdata/captures"

func TestCaptures_EqualTheSharedOnes(t *testing.T) {
	// The shared folder sits beside the checkout; the repository root is
	// two levels up from this package.
	shared := filepath.Join("..", "..", "..", "shared", "captures")
	if _, err := os.Stat(shared); err != nil {
		t.Skipf("no shared captures beside the checkout (%s): nothing to compare", shared)
	}
	for _, dir := range []string{"wiegand", "rdm630"} {
		want, err := filepath.Glob(filepath.Join(shared, dir, "*.sr"))
		if err != nil || len(want) == 0 {
			t.Fatalf("%s/%s: no .sr files (%v)", shared, dir, err)
		}
		have, _ := filepath.Glob(filepath.Join(captures, dir, "*.sr"))
		if len(have) != len(want) {
			t.Errorf("%s: %d captures in the repository, %d shared", dir, len(have), len(want))
		}
		for _, w := range want {
			a, err := os.ReadFile(w)
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(captures, dir, filepath.Base(w)))
			if err != nil {
				t.Errorf("%s missing from testdata: %v", filepath.Base(w), err)
				continue
			}
			if !bytes.Equal(a, b) {
				t.Errorf("%s differs from the shared capture", filepath.Base(w))
			}
		}
	}
}

func TestOpen_RealCaptures_Metadata(t *testing.T) {
	w, err := Open(filepath.Join(captures, "wiegand", "wiegand-8a640910.sr"))
	if err != nil {
		t.Fatal(err)
	}
	if w.SampleRate != 20000 || len(w.Probes) != 16 || w.UnitSize != 2 || w.Samples() != 8*8192/2 {
		t.Errorf("wiegand capture: rate %d, %d probes, unit %d, %d samples", w.SampleRate, len(w.Probes), w.UnitSize, w.Samples())
	}
	if w.Duration() != 1638400*time.Microsecond {
		t.Errorf("duration %v", w.Duration())
	}
	r, err := Open(filepath.Join(captures, "rdm630", "em4100_010784f221_card.sr"))
	if err != nil {
		t.Fatal(err)
	}
	if p, err := r.Probe("RX"); err != nil || p != 1 {
		t.Errorf("probe RX = %d, %v; want 1", p, err)
	}
	if r.SampleRate != 1000000 || r.UnitSize != 1 || r.Samples() != 557436 {
		t.Errorf("rdm630 capture: rate %d, unit %d, %d samples", r.SampleRate, r.UnitSize, r.Samples())
	}
	if _, err := r.Probe("D7"); err == nil || !strings.Contains(err.Error(), "RX") {
		t.Errorf("unknown probe: %v, want an error listing the probes", err)
	}
}

func TestEdges_WiegandCapture_PulsesOnBothLines(t *testing.T) {
	c, err := Open(filepath.Join(captures, "wiegand", "wiegand-8a640910.sr"))
	if err != nil {
		t.Fatal(err)
	}
	var falls [2]int
	var lowFor time.Duration
	lowAt := [2]time.Duration{}
	for _, e := range c.Edges(0, 1) {
		if !e.Rising {
			falls[e.Probe]++
			lowAt[e.Probe] = e.At
			continue
		}
		lowFor = max(lowFor, e.At-lowAt[e.Probe])
	}
	// Two frames of 34 bits: 25 zeros and 9 ones each.
	if falls != [2]int{50, 18} {
		t.Errorf("falling edges on D0, D1 = %v, want [50 18]", falls)
	}
	if lowFor < 300*time.Microsecond || lowFor > 500*time.Microsecond {
		t.Errorf("longest pulse %v, want the reader's ~400µs", lowFor)
	}
	evs, err := c.LineEvents(map[int]int{0: 17, 1: 27}, time.Second, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 68 {
		t.Fatalf("%d falling-edge events, want 68", len(evs))
	}
	for i, ev := range evs {
		if ev.Seqno != uint32(i+1) || ev.Type != gpiocdev.LineEventFallingEdge || (ev.Offset != 17 && ev.Offset != 27) ||
			ev.Timestamp < time.Second || (i > 0 && ev.Timestamp < evs[i-1].Timestamp) {
			t.Fatalf("event %d: %+v", i, ev)
		}
	}
	both, _ := c.LineEvents(map[int]int{0: 17, 1: 27}, 0, true)
	if len(both) != 136 {
		t.Errorf("%d events on both edges, want 136", len(both))
	}
}

func TestUART_RDM630Captures_OneFramePerTag(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(captures, "rdm630", "*.sr"))
	if len(files) != 5 {
		t.Fatalf("%d rdm630 captures, want 5", len(files))
	}
	for _, f := range files {
		c, err := Open(f)
		if err != nil {
			t.Fatal(err)
		}
		rx, err := c.Probe("RX")
		if err != nil {
			t.Fatal(err)
		}
		bs, err := c.UART(rx, 9600)
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		for _, b := range bs {
			if b.FramingError {
				t.Errorf("%s: framing error at %v", f, b.At)
			}
			got = append(got, b.Value)
		}
		// The tag's value is in the file name: em4100_<10 hex>_....
		tag := strings.ToUpper(strings.Split(filepath.Base(f), "_")[1])
		if len(got) != 14 || got[0] != 0x02 || got[13] != 0x03 || string(got[1:11]) != tag {
			t.Errorf("%s: received %q, want STX %s cc ETX", filepath.Base(f), got, tag)
		}
		// At 9600 baud a character takes 1.04ms; the module sends them
		// back to back.
		if d := bs[1].At - bs[0].At; d < 1000*time.Microsecond || d > 1100*time.Microsecond {
			t.Errorf("%s: characters %v apart", filepath.Base(f), d)
		}
	}
}

// writeSession builds a session file with the given metadata and chunks.
func writeSession(t *testing.T, meta string, chunks map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	add := func(name string, b []byte) {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	add("version", []byte("2"))
	if meta != "" {
		add("metadata", []byte(meta))
	}
	for name, b := range chunks {
		add(name, b)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const meta2 = "[global]\nsigrok version=0.5.2\n\n[device 1]\ncapturefile=logic-1\ntotal probes=10\nsamplerate=1 kHz\nprobe1=D0\nprobe10=LAST\nunitsize=2\n"

func TestRead_ChunksInNumericOrder_TwoByteSamples(t *testing.T) {
	// Samples 0..11 in three chunks; chunk 10 must come after chunk 2.
	var all []byte
	for i := range 12 {
		v := uint16(0)
		if i >= 5 {
			v |= 1 // D0 high from sample 5
		}
		if i >= 9 {
			v |= 1 << 9 // LAST (bit 9, second byte) high from sample 9
		}
		all = append(all, byte(v), byte(v>>8))
	}
	chunks := map[string][]byte{"logic-1-1": all[:4]}
	for i := 2; i <= 10; i++ {
		chunks[fmt.Sprintf("logic-1-%d", i)] = nil
	}
	chunks["logic-1-2"], chunks["logic-1-10"] = all[4:10], all[10:]
	b := writeSession(t, meta2, chunks)
	c, err := Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if c.Samples() != 12 || c.Probes[0] != "D0" || c.Probes[4] != "4" || c.Probes[9] != "LAST" {
		t.Fatalf("%d samples, probes %q", c.Samples(), c.Probes)
	}
	got := c.Edges(0, 9)
	want := []Edge{{At: 5 * time.Millisecond, Probe: 0, Rising: true}, {At: 9 * time.Millisecond, Probe: 9, Rising: true}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("edges %v, want %v", got, want)
	}
}

func TestRead_BadFiles_ErrFormat(t *testing.T) {
	ok := map[string][]byte{"logic-1-1": {0, 0}}
	for name, b := range map[string][]byte{
		"not zip":       []byte("PK? no"),
		"no metadata":   writeSession(t, "", ok),
		"no rate":       writeSession(t, strings.Replace(meta2, "samplerate=1 kHz", "samplerate=fast", 1), ok),
		"no probes":     writeSession(t, strings.Replace(meta2, "total probes=10", "total probes=0", 1), ok),
		"missing chunk": writeSession(t, meta2, map[string][]byte{"logic-1-1": {0, 0}, "logic-1-3": {0, 0}}),
		"no chunks":     writeSession(t, meta2, nil),
		"half sample":   writeSession(t, meta2, map[string][]byte{"logic-1-1": {0, 0, 0}}),
		"two devices":   writeSession(t, meta2+"[device 2]\nsamplerate=1 Hz\n", ok),
		"analog":        writeSession(t, meta2+"total analog=2\n", ok),
	} {
		if _, err := Read(bytes.NewReader(b), int64(len(b))); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err %v, want ErrFormat", name, err)
		}
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]uint64{"20 kHz": 20000, "1 MHz": 1000000, "500 Hz": 500, "24MHz": 24000000, "1.5 MHz": 1500000, "100": 100} {
		if got, err := ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "kHz", "-1 Hz", "3 parsecs"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
}

// serial renders bytes as 8N1 at 1 sample per 1/rate on probe 0, with
// idle high between them. A framing error is produced by a low stop bit.
func serial(rate, baud int, data []byte, badStop map[int]bool) []byte {
	per := rate / baud
	var s []byte
	level := func(v byte, bits int) {
		for range bits {
			s = append(s, v)
		}
	}
	level(1, 3*per)
	for i, b := range data {
		level(0, per)
		for k := range 8 {
			level(b>>k&1, per)
		}
		if badStop[i] {
			level(0, per)
		}
		level(1, 2*per)
	}
	return s
}

func TestUART_Synthetic_FramingErrorAndGlitch(t *testing.T) {
	data := []byte{0x02, 'A', 0x00, 0xFF, 0x55, 0x03}
	s := serial(100000, 9600, data, map[int]bool{2: true})
	// A one-sample glitch in the idle time before the first byte.
	s[5] = 0
	meta := "[device 1]\ncapturefile=logic-1\ntotal probes=1\nsamplerate=100 kHz\nprobe1=RX\nunitsize=1\n"
	b := writeSession(t, meta, map[string][]byte{"logic-1-1": s})
	c, err := Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.UART(0, 9600)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(data) {
		t.Fatalf("got %d bytes %+v, want %d", len(got), got, len(data))
	}
	for i, g := range got {
		if g.Value != data[i] || g.FramingError != (i == 2) {
			t.Errorf("byte %d: %+v, want %#x framing error %v", i, g, data[i], i == 2)
		}
	}
	if _, err := c.UART(0, 50000); err == nil {
		t.Error("50000 baud at 100 kHz accepted")
	}
}
