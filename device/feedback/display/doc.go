// Package display shows feedback events on a 128x64 SSD1306 OLED connected
// over I²C, using periph.io's ssd1306 driver, and a clock in between.
//
// Drawing is split from the device: Render and RenderIdle produce frames
// (image1bit.VerticalLSB, the panel's native format) with a built-in 5x7
// font and need no hardware; Output sends them to a Drawer (such as
// *ssd1306.Dev) from its own goroutine.
//
// # Event frame
//
//	rows  0–15  status, large if it fits: IN, OUT, schon gestempelt /
//	            already stamped, unbekannt / unknown badge (inverted),
//	            FEHLER / ERROR (inverted), registriert / enrolled
//	rows 20–26  employee name, else e-mail; for an unknown badge its UID
//	rows 30–36  unknown badge only: its number as printed on the card
//	            (EM4100 decimal and facility,card) where that is not the UID
//	rows 30–45  Error only: "NICHT GEBUCHT!" / "NOT RECORDED!" and Event.Msg
//	rows 49–62  time of the tap, HH:MM in the configured time zone
//
// After Options.Hold (5 s) the idle screen returns: the time as large HH:MM
// and the date, redrawn when the minute changes. Text is folded to ASCII
// (ä → ae, ß → ss, é → e; anything unknown → '?') and cut with "…" where it
// would not fit (21 characters a line).
//
// # Notices
//
// Output.Notice shows a title and up to five lines instead of the idle
// clock for a while (stampd: the web page's certificate fingerprint, as
// HexLines, for a minute after start). Taps pre-empt it as usual; after a
// tap's hold the notice returns until its time is up.
//
// # Never blocking
//
// Show hands the event to the Output's goroutine through a channel of
// capacity one and returns at once, however slow the bus is. The newest
// event wins: one still waiting while a frame is being sent is replaced.
// Close stops the goroutine, blanks the panel and switches it off.
//
// The package does not decide what to show (the caller builds the
// feedback.Event), and supports neither SPI panels nor sizes other than
// 128x64.
package display
