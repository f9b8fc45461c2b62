package feedbacktest

import (
	"testing"

	"stampclock/device/feedback"
)

func TestRecorder_KeepsOrderAndNeverBlocks(t *testing.T) {
	r := NewRecorder()
	for i := 0; i < 100; i++ { // far more than the notify buffer
		r.Show(feedback.Event{Kind: feedback.StartOK})
	}
	r.Show(feedback.Event{Kind: feedback.Error, UID: "04"})
	ks := r.Kinds()
	if len(ks) != 101 || ks[100] != feedback.Error {
		t.Fatalf("kinds = %d events, last %v", len(ks), ks[len(ks)-1])
	}
	select {
	case <-r.Notify():
	default:
		t.Fatal("no notification")
	}
}
