package rdm6300

import (
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"stampclock/reader"
	"stampclock/reader/rdm6300/rdm6300test"
	"stampclock/reader/readertest"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// fakeNow is a clock the test moves by hand.
type fakeNow struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeNow) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeNow) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
}

func newPort(t *testing.T) *rdm6300test.Port {
	t.Helper()
	p, err := rdm6300test.New(t.TempDir())
	if err != nil {
		if _, serr := os.Stat("/dev/ptmx"); serr != nil && os.Getenv("CI") == "" {
			t.Skipf("no pseudo-terminals here: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// start opens and runs a Reader on p until the test ends.
func start(t *testing.T, p *rdm6300test.Port, opts Options) (*Reader, chan reader.Tap) {
	t.Helper()
	opts.Path, opts.Logger = p.Path, quiet()
	r, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	out := readertest.Run(t, r, 16)
	return r, out
}

func recv(t *testing.T, out <-chan reader.Tap) reader.Tap {
	t.Helper()
	return readertest.Recv(t, out, 5*time.Second)
}

func write(t *testing.T, p *rdm6300test.Port, b []byte) {
	t.Helper()
	if err := p.Write(b); err != nil {
		t.Fatal(err)
	}
}

func TestRun_Pty_RealCaptureStreams_OneTapEach(t *testing.T) {
	p := newPort(t)
	clk := &fakeNow{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
	r, out := start(t, p, Options{Now: clk.Now})
	for _, c := range captures {
		stream, err := rdm6300test.CaptureStream(c)
		if err != nil {
			t.Fatal(err)
		}
		write(t, p, stream)
		tap := recv(t, out)
		if want := rdm6300test.TagOf(c); tap.UIDString() != want || tap.Source != "rdm6300" || !tap.At.Equal(clk.Now()) {
			t.Errorf("tap %s from %s at %v, want %s", tap.UIDString(), tap.Source, tap.At, want)
		}
	}
	if s := r.Stats(); s.Frames != 5 || s.Taps != 5 || !s.Connected || s.Opens != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestRun_Pty_FourByteUIDs_LeaveOutTheVersionByte(t *testing.T) {
	p := newPort(t)
	_, out := start(t, p, Options{UIDBytes: 4})
	stream, err := rdm6300test.CaptureStream(captures[0])
	if err != nil {
		t.Fatal(err)
	}
	write(t, p, stream)
	if tap, want := recv(t, out), rdm6300test.TagOf(captures[0])[2:]; tap.UIDString() != want {
		t.Errorf("tap %s, want %s", tap.UIDString(), want)
	}
}

func TestRun_Pty_HeldTagRepeats_OneTapUntilSilence(t *testing.T) {
	p := newPort(t)
	clk := &fakeNow{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
	r, out := start(t, p, Options{Now: clk.Now, Silence: 500 * time.Millisecond})
	a, _ := Encode([]byte{0x01, 0x07, 0x84, 0xF2, 0x21})
	b, _ := Encode([]byte{0x3B, 0x00, 0x33, 0xAA, 0xF2})
	write(t, p, a)
	if tap := recv(t, out); tap.UIDString() != "010784F221" {
		t.Fatalf("first tap %s", tap.UIDString())
	}
	// Held: the module repeats every 200ms.
	for i := range 5 {
		clk.Advance(200 * time.Millisecond)
		write(t, p, a)
		// Wait until the frame is decided (a tap or a repeat), not only
		// parsed: the parser counts it first.
		readertest.Eventually(t, "repeat decided", func() bool { s := r.Stats(); return s.Taps+s.Repeats == uint64(i+2) })
	}
	if len(out) != 0 || r.Stats().Repeats != 5 {
		t.Fatalf("%d taps from a held tag, stats %+v", len(out), r.Stats())
	}
	// Another tag at once is a tap.
	write(t, p, b)
	if tap := recv(t, out); tap.UIDString() != "3B0033AAF2" {
		t.Fatalf("tap %s, want the second tag", tap.UIDString())
	}
	// The first tag back after the second: a tap although no silence passed.
	write(t, p, a)
	if tap := recv(t, out); tap.UIDString() != "010784F221" {
		t.Fatalf("tap %s", tap.UIDString())
	}
	// Silence longer than 500ms: the tag left and came back.
	clk.Advance(600 * time.Millisecond)
	write(t, p, a)
	if tap := recv(t, out); tap.UIDString() != "010784F221" {
		t.Fatalf("tap %s", tap.UIDString())
	}
	if s := r.Stats(); s.Taps != 4 || s.Repeats != 5 {
		t.Errorf("stats %+v", s)
	}
}

func TestRun_Pty_DamagedStream_OnlyValidFrames(t *testing.T) {
	p := newPort(t)
	r, out := start(t, p, Options{})
	var stream []byte
	for i, c := range captures {
		s, err := rdm6300test.CaptureStream(c)
		if err != nil {
			t.Fatal(err)
		}
		switch i {
		case 1:
			s[5] ^= 0x01 // a data digit changes: bad checksum
		case 3:
			s = s[:8] // cut off: the next STX resynchronises
		}
		stream = append(append(stream, "\r\n\xff"...), s...)
	}
	write(t, p, stream)
	var got []string
	for range 3 {
		got = append(got, recv(t, out).UIDString())
	}
	want := []string{rdm6300test.TagOf(captures[0]), rdm6300test.TagOf(captures[2]), rdm6300test.TagOf(captures[4])}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("taps %v, want %v", got, want)
	}
	readertest.Eventually(t, "all bytes parsed", func() bool { s := r.Stats(); return s.BadChecksum == 1 && s.BadFrame == 1 })
	// Five runs of 3 garbage bytes, but those after the cut frame are
	// inside it until the next STX.
	if s := r.Stats(); s.Garbage != 12 || s.Frames != 3 {
		t.Errorf("stats %+v, want 12 garbage bytes", s)
	}
}

func TestRun_Pty_UnpluggedAndBack_Recovers(t *testing.T) {
	p := newPort(t)
	r, out := start(t, p, Options{ReopenMin: time.Millisecond, ReopenMax: 20 * time.Millisecond})
	a, _ := Encode([]byte{0x01, 0x07, 0x84, 0xF2, 0x21})
	write(t, p, a)
	recv(t, out)
	if err := p.Unplug(); err != nil {
		t.Fatal(err)
	}
	readertest.Eventually(t, "port failures seen", func() bool { s := r.Stats(); return !s.Connected && s.OpenErrors >= 3 })
	if s := r.Stats(); s.LastErr == "" {
		t.Errorf("no error reported while unplugged: %+v", s)
	}
	if err := p.Plug(); err != nil {
		t.Fatal(err)
	}
	readertest.Eventually(t, "port reopened", func() bool { s := r.Stats(); return s.Connected && s.Opens == 2 })
	b, _ := Encode([]byte{0x3B, 0x00, 0x33, 0xAA, 0xF2})
	write(t, p, b)
	if tap := recv(t, out); tap.UIDString() != "3B0033AAF2" {
		t.Errorf("tap after replug %s", tap.UIDString())
	}
	if s := r.Stats(); s.LastErr != "" {
		t.Errorf("error still reported after recovery: %q", s.LastErr)
	}
}

func TestOpen_BadPathsAndOptions(t *testing.T) {
	if _, err := Open(Options{Path: "/nonexistent/ttyX"}); err == nil || !strings.Contains(err.Error(), "/nonexistent/ttyX") {
		t.Errorf("missing port: %v", err)
	}
	f, err := os.CreateTemp(t.TempDir(), "plain")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := Open(Options{Path: f.Name()}); err == nil || !strings.Contains(err.Error(), "not a serial port") {
		t.Errorf("plain file: %v", err)
	}
	if _, err := Open(Options{Path: f.Name(), UIDBytes: 7}); err == nil || !strings.Contains(err.Error(), "uid_bytes 7") {
		t.Errorf("uid_bytes 7: %v", err)
	}
	if _, err := Open(Options{Path: f.Name(), Baud: 1234}); err == nil || !strings.Contains(err.Error(), "baud 1234") {
		t.Errorf("baud 1234: %v", err)
	}
}
