package sigrok

import (
	"fmt"
	"time"

	"github.com/warthog618/go-gpiocdev"
)

// LineEvents turns the edges of the probes in lines (probe index → GPIO line
// offset) into the events the GPIO character device would have reported for
// one request holding those lines: kernel timestamps (start plus the edge's
// time in the capture), one sequence number across the request and one per
// line. With both false only falling edges are reported, as for a request
// with falling-edge detection.
func (c *Capture) LineEvents(lines map[int]int, start time.Duration, both bool) ([]gpiocdev.LineEvent, error) {
	probes := make([]int, 0, len(lines))
	for p := range lines {
		if p < 0 || p >= len(c.Probes) {
			return nil, fmt.Errorf("sigrok: probe index %d out of range (the capture has %d probes)", p, len(c.Probes))
		}
		probes = append(probes, p)
	}
	var evs []gpiocdev.LineEvent
	lineSeq := map[int]uint32{}
	for _, e := range c.Edges(probes...) {
		if e.Rising && !both {
			continue
		}
		typ := gpiocdev.LineEventFallingEdge
		if e.Rising {
			typ = gpiocdev.LineEventRisingEdge
		}
		off := lines[e.Probe]
		lineSeq[off]++
		evs = append(evs, gpiocdev.LineEvent{
			Offset:    off,
			Timestamp: start + e.At,
			Type:      typ,
			Seqno:     uint32(len(evs) + 1),
			LineSeqno: lineSeq[off],
		})
	}
	return evs, nil
}
