package punch

import (
	"testing"
	"time"

	"stampclock/queue"
)

func TestDecide(t *testing.T) {
	t0 := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	open := queue.Employee{Email: "a@x", Open: true, Start: t0, LastTap: t0}
	closed := queue.Employee{Email: "a@x", LastTap: t0}
	r := DefaultRules
	tests := []struct {
		name    string
		e       queue.Employee
		lastTap time.Time
		at      time.Time
		want    Decision
	}{
		{"FirstTapEver_Starts", queue.Employee{Email: "a@x"}, time.Time{}, t0, Decision{Action: Start}},
		{"OpenShift_Stops", open, time.Time{}, t0.Add(8 * time.Hour), Decision{Action: Stop}},
		{"ClosedShift_Starts", closed, time.Time{}, t0.Add(2 * time.Minute), Decision{Action: Start}},
		{"StopWithinRepeatWindow_Ignored", open, time.Time{}, t0.Add(59 * time.Second), Decision{Action: Ignore}},
		{"StartWithinRepeatWindow_Ignored", closed, time.Time{}, t0.Add(30 * time.Second), Decision{Action: Ignore}},
		{"ExactlyAtRepeatWindow_Counts", open, time.Time{}, t0.Add(60 * time.Second), Decision{Action: Stop}},
		{"ClockSteppedBackWithinWindow_Ignored", open, time.Time{}, t0.Add(-10 * time.Second), Decision{Action: Ignore}},
		{"ShiftAtMaxShift_Stops", open, time.Time{}, t0.Add(16 * time.Hour), Decision{Action: Stop}},
		{"ShiftOverMaxShift_MissingStopAndStart", open, time.Time{}, t0.Add(16*time.Hour + time.Minute), Decision{Action: Start, MissingStop: true}},
		{"InMemoryLastTapWins", open, t0.Add(2 * time.Hour), t0.Add(2*time.Hour + 5*time.Second), Decision{Action: Ignore}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Decide(tt.e, tt.lastTap, tt.at, r); got != tt.want {
				t.Errorf("Decide = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDecide_CustomRules(t *testing.T) {
	t0 := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	r := Rules{RepeatWindow: 5 * time.Second, MaxShift: time.Hour}
	open := queue.Employee{Open: true, Start: t0, LastTap: t0}
	if got := Decide(open, time.Time{}, t0.Add(6*time.Second), r); got.Action != Stop {
		t.Errorf("6s after start with a 5s window: %v, want stop", got.Action)
	}
	if got := Decide(open, time.Time{}, t0.Add(61*time.Minute), r); !got.MissingStop {
		t.Errorf("61m after start with a 1h max shift: %+v, want missing stop", got)
	}
}
