package daemon

import (
	"stampclock/device/agent"
	"stampclock/device/feedback"
	"stampclock/device/readers"
)

// printedFeedback adds to each event the badge's number as printed on
// the card by the configured reader's conversion, so that the display
// shows an unknown badge by the number a person can find on it.
type printedFeedback struct {
	next  agent.Feedback
	shown func(uid string) string
}

func (p printedFeedback) Show(ev feedback.Event) {
	if ev.Printed == "" && ev.UID != "" {
		ev.Printed = p.shown(ev.UID)
	}
	p.next.Show(ev)
}

// withPrinted wraps fb for a reader of type readerType; readers whose
// cards print the UID itself leave fb as it is.
func withPrinted(fb agent.Feedback, readerType string) agent.Feedback {
	shown := readers.Printed(readerType)
	if shown == nil {
		return fb
	}
	return printedFeedback{next: fb, shown: shown}
}
