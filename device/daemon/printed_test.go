package daemon

import (
	"testing"
	"time"

	"stampclock/device/feedback"
	"stampclock/device/feedback/feedbacktest"
	"stampclock/reader"
)

// An unknown EM tag's feedback carries the number printed on its card, so
// the display can show it.
func TestDaemon_RDM6300UnknownBadge_FeedbackHasPrintedNumber(t *testing.T) {
	h := newHarness(t)
	rec := feedbacktest.NewRecorder()
	h.startWith(h.config("[reader]\ntype = \"rdm6300\"\n"), Options{Source: reader.NewSim(), Feedback: rec})
	h.tap("010784F221", "")
	var ev feedback.Event
	h.eventually("unknown badge shown", func() bool {
		for _, e := range rec.Events() {
			if e.Kind == feedback.UnknownBadge {
				ev = e
				return true
			}
		}
		return false
	})
	if ev.UID != "010784F221" || ev.Printed != "0126153249  132,61985" {
		t.Errorf("unknown badge event = %+v, want UID 010784F221 printed 0126153249  132,61985", ev)
	}
}

func TestWithPrinted_OnlyReadersWithAPrintedForm(t *testing.T) {
	rec := feedbacktest.NewRecorder()
	if fb := withPrinted(rec, "mfrc522"); fb != rec {
		t.Errorf("mfrc522: feedback wrapped (%T); its cards print the UID", fb)
	}
	withPrinted(rec, "wiegand").Show(feedback.Event{Kind: feedback.UnknownBadge, UID: "45320488", At: time.Now()})
	withPrinted(rec, "wiegand").Show(feedback.Event{Kind: feedback.UnknownBadge, UID: "45320488", Printed: "kept"})
	evs := rec.Events()
	if len(evs) != 2 || evs[0].Printed != "17714,1160" || evs[1].Printed != "kept" {
		t.Errorf("events = %+v", evs)
	}
}
