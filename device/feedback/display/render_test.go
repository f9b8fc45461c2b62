package display

import (
	"fmt"
	"image"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"periph.io/x/devices/v3/ssd1306/image1bit"

	"stampclock/device/feedback"
)

var allKinds = []feedback.Kind{
	feedback.StartOK, feedback.StopOK, feedback.AlreadyStamped,
	feedback.UnknownBadge, feedback.Error, feedback.Enrolled,
}

// Rows of the event frame regions (see doc.go).
var (
	statusBand = image.Rect(0, 0, Width, statusH)
	gapBand    = image.Rect(0, statusH, Width, nameY)
	nameBand   = image.Rect(0, nameY, Width, nameY+glyphH)
	detailBand = image.Rect(0, detailY, Width, msgY+glyphH)
	timeBand   = image.Rect(0, timeY, Width, timeY+2*glyphH)
)

var tapAt = time.Date(2025, 7, 1, 7, 5, 0, 0, time.UTC) // 09:05 in CEST

var cest = time.FixedZone("CEST", 2*60*60)

// lit counts the lit pixels of img inside r.
func litIn(img *image1bit.VerticalLSB, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.BitAt(x, y) {
				n++
			}
		}
	}
	return n
}

// sameIn reports whether a and b agree on every pixel inside r.
func sameIn(a, b *image1bit.VerticalLSB, r image.Rectangle) bool {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.BitAt(x, y) != b.BitAt(x, y) {
				return false
			}
		}
	}
	return true
}

// text draws s (folded and fitted already) centred at row y on an empty
// frame, for comparisons. It works from the font's '#' rows alone, not
// from the drawing code under test.
func text(y int, s string, scale int) *image1bit.VerticalLSB {
	img := image1bit.NewVerticalLSB(image.Rect(0, 0, Width, Height))
	drawInto(img, y, s, scale)
	return img
}

// drawInto lights s centred at row y of img, each font pixel a scale×scale
// block, glyphs one blank column apart.
func drawInto(img *image1bit.VerticalLSB, y int, s string, scale int) {
	n := utf8.RuneCountInString(s)
	x := (Width - (n*(glyphW+1)*scale - scale)) / 2
	for _, r := range s {
		for gy, row := range strings.Split(strings.TrimSuffix(glyph(r), "|"), "|") {
			for gx, c := range row {
				if c != '#' {
					continue
				}
				for dy := range scale {
					for dx := range scale {
						img.SetBit(x+gx*scale+dx, y+gy*scale+dy, true)
					}
				}
			}
		}
		x += (glyphW + 1) * scale
	}
}

// invert flips every pixel of img inside r.
func invert(img *image1bit.VerticalLSB, r image.Rectangle) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetBit(x, y, !img.BitAt(x, y))
		}
	}
}

// art renders r of img as '#' and '.' lines, for failure messages.
func art(img *image1bit.VerticalLSB, r image.Rectangle) string {
	var b strings.Builder
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.BitAt(x, y) {
				b.WriteByte('#')
			} else {
				b.WriteByte('.')
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestRender_EachKindLightsItsRegions(t *testing.T) {
	for _, lang := range []Lang{German, English} {
		for _, k := range allKinds {
			t.Run(fmt.Sprintf("%d/%s", lang, k), func(t *testing.T) {
				ev := feedback.Event{Kind: k, UID: "04A1B2C3", Name: "Anna Berg", At: tapAt, Msg: "queue: disk full"}
				img := Render(ev, cest, lang)
				if img.Rect != image.Rect(0, 0, Width, Height) {
					t.Fatalf("frame %v", img.Rect)
				}
				status := litIn(img, statusBand)
				inverted := k == feedback.UnknownBadge || k == feedback.Error
				area := statusBand.Dx() * statusBand.Dy()
				switch {
				case status == 0:
					t.Errorf("status band dark")
				case inverted && status < area/2:
					t.Errorf("status band %d/%d lit, want inverted", status, area)
				case !inverted && status > area/2:
					t.Errorf("status band %d/%d lit, want dark background", status, area)
				}
				if n := litIn(img, gapBand); n != 0 {
					t.Errorf("%d pixels lit between status and name", n)
				}
				wantName := "Anna Berg"
				if k == feedback.UnknownBadge {
					wantName = map[Lang]string{German: "Karte 04A1B2C3", English: "Badge 04A1B2C3"}[lang]
				}
				if !sameIn(img, text(nameY, wantName, 1), nameBand) {
					t.Errorf("name line is not %q:\n%s", wantName, art(img, nameBand))
				}
				if got := litIn(img, detailBand) > 0; got != (k == feedback.Error) {
					t.Errorf("detail lines lit = %t, want %t", got, k == feedback.Error)
				}
				if !sameIn(img, text(timeY, "09:05", 2), timeBand) {
					t.Errorf("time band is not 09:05:\n%s", art(img, timeBand))
				}
			})
		}
	}
}

func TestRender_KindsHaveDistinctStatus(t *testing.T) {
	for _, lang := range []Lang{German, English} {
		seen := map[string]feedback.Kind{}
		for _, k := range allKinds {
			img := Render(feedback.Event{Kind: k}, time.UTC, lang)
			key := art(img, statusBand)
			if other, dup := seen[key]; dup {
				t.Errorf("lang %d: %s and %s look alike", lang, k, other)
			}
			seen[key] = k
		}
	}
}

func TestRender_StatusTexts(t *testing.T) {
	tests := []struct {
		kind  feedback.Kind
		lang  Lang
		want  string
		scale int
	}{
		{feedback.StartOK, German, "KOMMEN", 2},
		{feedback.StopOK, German, "GEHEN", 2},
		{feedback.StartOK, English, "IN", 2},
		{feedback.StopOK, English, "OUT", 2},
		{feedback.AlreadyStamped, German, "schon gestempelt", 1},
		{feedback.AlreadyStamped, English, "already stamped", 1},
		{feedback.UnknownBadge, German, "unbekannt", 2},
		{feedback.Enrolled, English, "enrolled", 2},
		{feedback.Error, German, "FEHLER", 2},
		{feedback.UnknownBadge, English, "unknown badge", 1},
	}
	for _, tt := range tests {
		img := Render(feedback.Event{Kind: tt.kind}, time.UTC, tt.lang)
		want := text((statusH-glyphH*tt.scale)/2, tt.want, tt.scale)
		if tt.kind == feedback.UnknownBadge || tt.kind == feedback.Error {
			invert(want, statusBand)
		}
		if !sameIn(img, want, statusBand) {
			t.Errorf("%s/%d: status is not %q at scale %d:\n%s", tt.kind, tt.lang, tt.want, tt.scale, art(img, statusBand))
		}
	}
}

func TestRender_NameFallsBackToEmailThenUID(t *testing.T) {
	img := Render(feedback.Event{Kind: feedback.StartOK, Email: "anna@example.com"}, time.UTC, German)
	if !sameIn(img, text(nameY, "anna@example.com", 1), nameBand) {
		t.Errorf("name line is not the e-mail:\n%s", art(img, nameBand))
	}
	img = Render(feedback.Event{Kind: feedback.UnknownBadge, UID: "04A1B2C3"}, time.UTC, English)
	if !sameIn(img, text(nameY, "Badge 04A1B2C3", 1), nameBand) {
		t.Errorf("name line is not the UID:\n%s", art(img, nameBand))
	}
}

func TestRender_LongNameTruncatedWithEllipsis(t *testing.T) {
	long := "Maximiliane Alexandra von Hohenzollern-Sigmaringen"
	img := Render(feedback.Event{Kind: feedback.StopOK, Name: long}, time.UTC, German)
	short := string([]rune(long)[:20]) + "…"
	if !sameIn(img, text(nameY, short, 1), nameBand) {
		t.Fatalf("long name not cut to %q:\n%s", short, art(img, nameBand))
	}
	// The ellipsis is the last glyph: three dots on its bottom row.
	x := (Width-textWidth(short, 1))/2 + 20*(glyphW+1)
	row := art(img, image.Rect(x, nameY+glyphH-1, x+glyphW, nameY+glyphH))
	if row != "#.#.#\n" {
		t.Errorf("last glyph bottom row %q, want the ellipsis", row)
	}
}

func TestFit(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"Anna", 21, "Anna"},
		{"exactly-twenty-one-ch", 21, "exactly-twenty-one-ch"},
		{"exactly-twenty-two-chr", 21, "exactly-twenty-two-c…"},
		{"", 21, ""},
	}
	for _, tt := range tests {
		got := fit(tt.in, tt.n)
		if got != tt.want || utf8.RuneCountInString(got) > tt.n {
			t.Errorf("fit(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
	if got := maxRunes(1); got != 21 {
		t.Errorf("maxRunes(1) = %d, want 21", got)
	}
}

func TestFold(t *testing.T) {
	tests := map[string]string{
		"Jörg Müller-Weiß":        "Joerg Mueller-Weiss",
		"ÄÖÜ äöü":                 "AeOeUe aeoeue",
		"José Łukasz Dvořák":      "Jose Lukasz Dvorak",
		"tab\there":               "tab here",
		"Ωμέγα":                   "?????",
		"emoji 🙂":                 "emoji ?",
		"plain ASCII ~!@#":        "plain ASCII ~!@#",
		"\x00ctl":                 "?ctl",
		"wait…":                   "wait…",
		"„Zitat“ – ok":            "\"Zitat\" - ok",
		string([]byte{0xff, 'a'}): "?a", // invalid UTF-8
	}
	for in, want := range tests {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRender_UmlautsAndOddRunesDoNotCrash(t *testing.T) {
	img := Render(feedback.Event{Kind: feedback.Enrolled, Name: "Jörg Müller-Weiß 🙂 \u202e"}, time.UTC, German)
	// Folded to 23 runes, then cut to the line's 21.
	if !sameIn(img, text(nameY, "Joerg Mueller-Weiss …", 1), nameBand) {
		t.Errorf("name not folded:\n%s", art(img, nameBand))
	}
}

func TestRender_ZeroTimeShowsDashes(t *testing.T) {
	img := Render(feedback.Event{Kind: feedback.StartOK}, nil, German)
	if !sameIn(img, text(timeY, "--:--", 2), timeBand) {
		t.Errorf("time band:\n%s", art(img, timeBand))
	}
}

func TestRender_ErrorShowsNotRecordedAndMsg(t *testing.T) {
	img := Render(feedback.Event{Kind: feedback.Error, Name: "Anna", Msg: "queue: disk full"}, time.UTC, German)
	want := text(detailY, "NICHT GEBUCHT!", 1)
	drawCentered(want, msgY, "queue: disk full", 1, image1bit.On)
	if !sameIn(img, want, detailBand) {
		t.Errorf("detail lines:\n%s", art(img, detailBand))
	}
}

func TestRenderIdle_ShowsTimeAndDate(t *testing.T) {
	now := time.Date(2025, 7, 7, 10, 59, 30, 0, time.UTC) // Monday 12:59 CEST
	img := RenderIdle(now, cest, German)
	clock := image.Rect(0, idleY, Width, idleY+3*glyphH)
	if !sameIn(img, text(idleY, "12:59", 3), clock) {
		t.Errorf("idle clock:\n%s", art(img, clock))
	}
	date := image.Rect(0, dateY, Width, dateY+glyphH)
	if !sameIn(img, text(dateY, "Mo 07.07.2025", 1), date) {
		t.Errorf("idle date:\n%s", art(img, date))
	}
	en := RenderIdle(now, cest, English)
	if !sameIn(en, text(dateY, "Mon 2025-07-07", 1), date) {
		t.Errorf("idle date (en):\n%s", art(en, date))
	}
	if n := litIn(img, image.Rect(0, 0, Width, idleY)); n != 0 {
		t.Errorf("%d pixels lit above the clock", n)
	}
}

func TestFont_EveryGlyphWellFormed(t *testing.T) {
	if got, want := len(glyphData), int(lastGlyph-firstGlyph+1)*glyphBytes; got != want {
		t.Fatalf("glyphData has %d bytes, want %d", got, want)
	}
	seen := map[string]rune{}
	for r := rune(firstGlyph); r <= lastGlyph; r++ {
		g := glyph(r)
		rows := strings.Split(strings.TrimSuffix(g, "|"), "|")
		if len(rows) != glyphH {
			t.Fatalf("%q: %d rows", r, len(rows))
		}
		for _, row := range rows {
			if len(row) != glyphW || strings.Trim(row, ".#") != "" {
				t.Fatalf("%q: bad row %q", r, row)
			}
		}
		if r != ' ' && !strings.Contains(g, "#") {
			t.Errorf("%q is blank", r)
		}
		if other, dup := seen[g]; dup {
			t.Errorf("%q and %q share a glyph", r, other)
		}
		seen[g] = r
	}
	if glyph('\u00e4') != glyph('?') || glyph(ellipsis) == glyph('?') {
		t.Error("runes outside the font must draw as '?', except the ellipsis")
	}
}

// The whole frame of a stop with a day total is the status, the name, the
// day total and the time, and nothing else.
func TestRender_StopWholeFrame(t *testing.T) {
	at := time.Date(2026, 3, 2, 16, 45, 0, 0, time.UTC)
	for _, tc := range []struct {
		lang               Lang
		total              time.Duration
		status, line, hhmm string
	}{
		{German, 7*time.Hour + 29*time.Minute + 40*time.Second, "GEHEN", "Heute 7:30 h", "17:45"},
		{English, 10*time.Hour + 5*time.Minute, "OUT", "Today 10:05 h", "17:45"},
	} {
		img := Render(feedback.Event{Kind: feedback.StopOK, Name: "Anna Berg", At: at, DayTotal: tc.total}, time.FixedZone("CET", 3600), tc.lang)
		want := text((statusH-2*glyphH)/2, tc.status, 2)
		drawInto(want, nameY, "Anna Berg", 1)
		drawInto(want, detailY, tc.line, 1)
		drawInto(want, timeY, tc.hhmm, 2)
		full := image.Rect(0, 0, Width, Height)
		if !sameIn(img, want, full) {
			t.Errorf("lang %d, total %v: frame\n%swant\n%s", tc.lang, tc.total, art(img, full), art(want, full))
		}
	}
}

func TestRender_StopShowsDayTotal(t *testing.T) {
	at := time.Date(2026, 3, 2, 16, 45, 0, 0, time.UTC)
	with := Render(feedback.Event{Kind: feedback.StopOK, Name: "Anna", At: at, DayTotal: 7*time.Hour + 30*time.Minute}, time.UTC, German)
	if !sameIn(with, text(detailY, "Heute 7:30 h", 1), detailBand) {
		t.Errorf("day total line:\n%s", art(with, detailBand))
	}
	// No total (none known), and no total on a start: the line stays dark.
	for _, ev := range []feedback.Event{
		{Kind: feedback.StopOK, Name: "Anna", At: at},
		{Kind: feedback.StartOK, Name: "Anna", At: at, DayTotal: 7 * time.Hour},
	} {
		if n := litIn(Render(ev, time.UTC, German), detailBand); n != 0 {
			t.Errorf("%s with day total %v: %d pixels lit on the detail lines", ev.Kind, ev.DayTotal, n)
		}
	}
}

// An unknown EM badge shows its UID and, below it, the numbers printed on
// the card; the whole frame is that and nothing else.
func TestRender_UnknownBadgeWithPrintedNumberWholeFrame(t *testing.T) {
	at := time.Date(2026, 3, 2, 6, 58, 0, 0, time.UTC)
	for _, tc := range []struct {
		lang                 Lang
		status, badge        string
		statusScale, statusY int
	}{
		{German, "unbekannt", "Karte 010784F221", 2, (statusH - 2*glyphH) / 2},
		{English, "unknown badge", "Badge 010784F221", 1, (statusH - glyphH) / 2},
	} {
		img := Render(feedback.Event{Kind: feedback.UnknownBadge, UID: "010784F221", Printed: "0126153249  132,61985", At: at}, time.UTC, tc.lang)
		want := text(tc.statusY, tc.status, tc.statusScale)
		invert(want, statusBand)
		drawInto(want, nameY, tc.badge, 1)
		drawInto(want, detailY, "0126153249  132,61985", 1)
		drawInto(want, timeY, "06:58", 2)
		full := image.Rect(0, 0, Width, Height)
		if !sameIn(img, want, full) {
			t.Errorf("lang %d: frame\n%swant\n%s", tc.lang, art(img, full), art(want, full))
		}
	}
	// A known badge's card number is not shown: the name is.
	img := Render(feedback.Event{Kind: feedback.StartOK, UID: "010784F221", Printed: "0126153249  132,61985", Name: "Anna", At: at}, time.UTC, German)
	if n := litIn(img, detailBand); n != 0 {
		t.Errorf("a start shows %d pixels on the detail lines", n)
	}
}
