package display

import (
	"image"
	"strings"
	"time"

	"periph.io/x/devices/v3/ssd1306/image1bit"
)

// Layout of a notice frame, in pixel rows.
const (
	noticeTitleH = 11 // inverted title band: rows 0..10, text at row 2
	noticeY      = 14 // first line: rows 14..20
	noticeStep   = 10 // from one line's top to the next
	noticeLines  = 5  // lines that fit below the title
)

// notice is a screen shown instead of the idle clock until a time.
type notice struct {
	title string
	lines []string
	until time.Time
}

// RenderNotice draws a notice: title centred in an inverted band at the
// top, then up to five lines of text centred below it (more are dropped).
// Text is folded and cut with "…" like every other line.
func RenderNotice(title string, lines []string) *image1bit.VerticalLSB {
	img := image1bit.NewVerticalLSB(image.Rect(0, 0, Width, Height))
	fill(img, image.Rect(0, 0, Width, noticeTitleH), image1bit.On)
	drawCentered(img, (noticeTitleH-glyphH)/2, title, 1, image1bit.Off)
	for i, l := range lines {
		if i == noticeLines {
			break
		}
		drawCentered(img, noticeY+i*noticeStep, l, 1, image1bit.On)
	}
	return img
}

// HexLines splits a hex fingerprint such as "AB:CD:…" (separators ':',
// '-' and spaces are dropped) into lines of four groups of four digits,
// readable on the panel and easy to compare with a browser's
// certificate viewer: a SHA-256 fingerprint is four lines.
func HexLines(fp string) []string {
	hex := strings.Map(func(r rune) rune {
		if r == ':' || r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToUpper(fp))
	var lines []string
	for len(hex) > 0 {
		n := min(16, len(hex))
		var groups []string
		for g := 0; g < n; g += 4 {
			groups = append(groups, hex[g:min(g+4, n)])
		}
		lines = append(lines, strings.Join(groups, " "))
		hex = hex[n:]
	}
	return lines
}

// Notice shows title and lines (see RenderNotice) instead of the idle
// clock for d, such as the web page's certificate fingerprint after
// start. Taps are shown as usual meanwhile; after a tap's hold the notice
// returns until d has passed. A newer notice replaces an older one. Like
// Show, it never waits for the display.
func (o *Output) Notice(title string, lines []string, d time.Duration) {
	o.notices.Put(notice{title: title, lines: append([]string(nil), lines...), until: o.clock.Now().Add(d)})
}
