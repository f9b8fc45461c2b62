package display

import (
	"fmt"
	"image"
	"time"
	"unicode/utf8"

	"periph.io/x/devices/v3/ssd1306/image1bit"

	"stampclock/device/feedback"
)

// Size of the frames Render and RenderIdle produce: a 128x64 SSD1306 panel.
const (
	Width  = 128
	Height = 64
)

// Layout of an event frame, in pixel rows (see doc.go).
const (
	statusH = 16 // status band: rows 0..15
	nameY   = 20 // name line: rows 20..26
	detailY = 30 // detail line: rows 30..36
	msgY    = 39 // message line: rows 39..45
	timeY   = 49 // event time at scale 2: rows 49..62
	idleY   = 12 // idle clock at scale 3: rows 12..32
	dateY   = 44 // idle date: rows 44..50
)

// Lang selects the language of the screen texts.
type Lang int

// Supported languages. The zero value is German.
const (
	German Lang = iota
	English
)

// status returns the text of the status band for k.
func (l Lang) status(k feedback.Kind) string {
	de := l != English
	switch k {
	case feedback.StartOK:
		return pick(de, "KOMMEN", "IN")
	case feedback.StopOK:
		return pick(de, "GEHEN", "OUT")
	case feedback.AlreadyStamped:
		return pick(de, "schon gestempelt", "already stamped")
	case feedback.UnknownBadge:
		return pick(de, "unbekannt", "unknown badge")
	case feedback.Error:
		return pick(de, "FEHLER", "ERROR")
	case feedback.Enrolled:
		return pick(de, "registriert", "enrolled")
	}
	return "?"
}

func pick(de bool, german, english string) string {
	if de {
		return german
	}
	return english
}

// Render draws the frame for ev: the outcome in the status band (inverted
// for UnknownBadge and Error), the employee's name (or e-mail, or for an
// unknown badge its UID, with the number printed on the card below it
// where that differs), for Error a "not recorded" line and ev.Msg, and
// the time of ev.At as HH:MM in loc (time.Local if nil; "--:--" if At is
// zero). Text is folded to ASCII and truncated with "…" to fit.
func Render(ev feedback.Event, loc *time.Location, lang Lang) *image1bit.VerticalLSB {
	img := image1bit.NewVerticalLSB(image.Rect(0, 0, Width, Height))

	ink := image1bit.On
	if ev.Kind == feedback.UnknownBadge || ev.Kind == feedback.Error {
		fill(img, image.Rect(0, 0, Width, statusH), image1bit.On)
		ink = image1bit.Off
	}
	status := fold(lang.status(ev.Kind))
	scale := 2
	if textWidth(status, scale) > Width {
		scale = 1
	}
	drawCentered(img, (statusH-glyphH*scale)/2, status, scale, ink)

	who := ev.Name
	if who == "" {
		who = ev.Email
	}
	if ev.Kind == feedback.UnknownBadge && ev.UID != "" {
		who = pick(lang != English, "Karte ", "Badge ") + ev.UID
	}
	drawCentered(img, nameY, who, 1, image1bit.On)
	if ev.Kind == feedback.UnknownBadge && ev.UID != "" && ev.Printed != "" {
		drawCentered(img, detailY, ev.Printed, 1, image1bit.On)
	}

	if ev.Kind == feedback.Error {
		drawCentered(img, detailY, pick(lang != English, "NICHT GEBUCHT!", "NOT RECORDED!"), 1, image1bit.On)
		drawCentered(img, msgY, ev.Msg, 1, image1bit.On)
	}
	if ev.Kind == feedback.StopOK && ev.DayTotal > 0 {
		m := int(ev.DayTotal.Round(time.Minute) / time.Minute)
		drawCentered(img, detailY, fmt.Sprintf("%s %d:%02d h", pick(lang != English, "Heute", "Today"), m/60, m%60), 1, image1bit.On)
	}

	hhmm := "--:--"
	if !ev.At.IsZero() {
		hhmm = ev.At.In(location(loc)).Format("15:04")
	}
	drawCentered(img, timeY, hhmm, 2, image1bit.On)
	return img
}

// RenderIdle draws the idle screen: the time now as large HH:MM and the
// date below it, both in loc (time.Local if nil).
func RenderIdle(now time.Time, loc *time.Location, lang Lang) *image1bit.VerticalLSB {
	img := image1bit.NewVerticalLSB(image.Rect(0, 0, Width, Height))
	now = now.In(location(loc))
	drawCentered(img, idleY, now.Format("15:04"), 3, image1bit.On)
	var date string
	if lang == English {
		date = now.Format("Mon 2006-01-02")
	} else {
		date = germanWeekday(now.Weekday()) + " " + now.Format("02.01.2006")
	}
	drawCentered(img, dateY, date, 1, image1bit.On)
	return img
}

func germanWeekday(d time.Weekday) string {
	return [...]string{"So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"}[d]
}

func location(loc *time.Location) *time.Location {
	if loc == nil {
		return time.Local
	}
	return loc
}

// textWidth is the width in pixels of s drawn at scale, without the gap
// after the last glyph. s must already be folded.
func textWidth(s string, scale int) int {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return 0
	}
	return n*(glyphW+1)*scale - scale
}

// maxRunes is how many glyphs fit across the frame at scale.
func maxRunes(scale int) int {
	return (Width + scale) / ((glyphW + 1) * scale)
}

// fit shortens s to at most n runes, marking a cut with "…".
func fit(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + string(ellipsis)
}

// drawCentered folds and fits s, then draws it centred horizontally with
// its top at row y.
func drawCentered(img *image1bit.VerticalLSB, y int, s string, scale int, ink image1bit.Bit) {
	s = fit(fold(s), maxRunes(scale))
	x := (Width - textWidth(s, scale)) / 2
	drawText(img, x, y, s, scale, ink)
}

// drawText draws s with its top left corner at (x, y), each font pixel as
// a scale×scale block. s must already be folded.
func drawText(img *image1bit.VerticalLSB, x, y int, s string, scale int, ink image1bit.Bit) {
	for _, r := range s {
		g := glyph(r)
		for gy := range glyphH {
			for gx := range glyphW {
				if lit(g, gx, gy) {
					fill(img, image.Rect(x+gx*scale, y+gy*scale, x+(gx+1)*scale, y+(gy+1)*scale), ink)
				}
			}
		}
		x += (glyphW + 1) * scale
	}
}

// fill sets every pixel of r (clipped to img) to b.
func fill(img *image1bit.VerticalLSB, r image.Rectangle, b image1bit.Bit) {
	r = r.Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetBit(x, y, b)
		}
	}
}
