package display

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"strings"
	"testing"
	"time"

	"stampclock/device/feedback"
)

// certFingerprint is a SHA-256 fingerprint as the web page's certificate
// has it: 32 bytes as colon-separated hex pairs.
func certFingerprint(der []byte) (colons, plain string) {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, c := range sum {
		parts[i] = fmt.Sprintf("%02X", c)
	}
	return strings.Join(parts, ":"), strings.ToUpper(hex.EncodeToString(sum[:]))
}

func TestHexLines_SHA256FourLinesOfFourGroups(t *testing.T) {
	fp, plain := certFingerprint([]byte("a certificate"))
	lines := HexLines(fp)
	if len(lines) != 4 {
		t.Fatalf("%d lines %q, want 4", len(lines), lines)
	}
	for _, l := range lines {
		groups := strings.Fields(l)
		if len(groups) != 4 || len(l) != 19 {
			t.Errorf("line %q: want four groups of four hex digits", l)
		}
		if len(l) > maxRunes(1) {
			t.Errorf("line %q is wider than the panel", l)
		}
	}
	if got := strings.ReplaceAll(strings.Join(lines, ""), " ", ""); got != plain {
		t.Errorf("lines carry %s, want %s", got, plain)
	}
	if got := HexLines("ab-cd ef"); len(got) != 1 || got[0] != "ABCD EF" {
		t.Errorf("short fingerprint: %q", got)
	}
}

// noticeFrame is the expected fingerprint screen, drawn from the font's
// rows alone: the title light on an inverted band, the lines below.
func noticeFrame(title string, lines []string) []byte {
	want := text((noticeTitleH-glyphH)/2, title, 1)
	invert(want, image.Rect(0, 0, Width, noticeTitleH))
	for i, l := range lines {
		drawInto(want, noticeY+i*noticeStep, l, 1)
	}
	return want.Pix
}

func TestRenderNotice_FingerprintWholeFrame(t *testing.T) {
	fp, plain := certFingerprint([]byte("another certificate"))
	img := RenderNotice("HTTPS SHA-256", HexLines(fp))
	lines := []string{plain[0:4] + " " + plain[4:8] + " " + plain[8:12] + " " + plain[12:16]}
	for i := 16; i < 64; i += 16 {
		p := plain[i : i+16]
		lines = append(lines, p[0:4]+" "+p[4:8]+" "+p[8:12]+" "+p[12:16])
	}
	if want := noticeFrame("HTTPS SHA-256", lines); !bytes.Equal(img.Pix, want) {
		full := image.Rect(0, 0, Width, Height)
		wantImg := RenderNotice("", nil)
		copy(wantImg.Pix, want)
		t.Errorf("frame\n%swant\n%s", art(img, full), art(wantImg, full))
	}
}

func TestOutput_NoticeInsteadOfIdleUntilItsEnd_TapsStillShown(t *testing.T) {
	d := &recDrawer{}
	o, clock := newTestOutput(t, d, Options{Hold: 3 * time.Second})
	clock.next(t) // the idle clock's minute
	d.waitFrames(t, 1)

	fp, _ := certFingerprint([]byte("cert"))
	notice := RenderNotice("HTTPS SHA-256", HexLines(fp)).Pix
	o.Notice("HTTPS SHA-256", HexLines(fp), time.Minute)
	if w := clock.next(t); w.d != time.Minute {
		t.Errorf("notice up for %v, want 1m", w.d)
	}
	if f := d.waitFrames(t, 2); !bytes.Equal(f[1], notice) {
		t.Fatal("second frame is not the notice")
	}

	// A tap is shown as usual; after its hold the notice is back for the
	// rest of its minute.
	ev := feedback.Event{Kind: feedback.StartOK, Name: "Anna", At: tapAt}
	o.Show(ev)
	hold := clock.next(t)
	if f := d.waitFrames(t, 3); !bytes.Equal(f[2], Render(ev, cest, German).Pix) {
		t.Fatal("third frame is not the tap")
	}
	clock.set(idleNow.Add(10 * time.Second))
	hold.fire()
	rest := clock.next(t)
	if rest.d != 50*time.Second {
		t.Errorf("notice back for %v, want the 50s left", rest.d)
	}
	if f := d.waitFrames(t, 4); !bytes.Equal(f[3], notice) {
		t.Fatal("after the tap's hold the notice is not back")
	}

	// Its minute over: the idle clock.
	end := idleNow.Add(time.Minute)
	clock.set(end)
	rest.fire()
	if w := clock.next(t); w.d != 30*time.Second {
		t.Errorf("idle waits %v for the next minute, want 30s", w.d)
	}
	if f := d.waitFrames(t, 5); !bytes.Equal(f[4], RenderIdle(end, cest, German).Pix) {
		t.Fatal("after the notice's minute the idle clock is not back")
	}
}
