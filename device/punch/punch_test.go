package punch

import (
	"testing"
	"time"

	"stampclock/queue"
)

func TestDecide(t *testing.T) {
	open := queue.Employee{Email: "a@x", Open: true}
	closed := queue.Employee{Email: "a@x"}
	r := DefaultRules
	last := func(since, age time.Duration) Elapsed {
		return Elapsed{SinceLast: since, HaveLast: true, ShiftAge: age}
	}
	tests := []struct {
		name string
		e    queue.Employee
		el   Elapsed
		want Decision
	}{
		{"FirstTapEver_Starts", closed, Elapsed{}, Decision{Action: Start}},
		{"OpenShift_Stops", open, last(8*time.Hour, 8*time.Hour), Decision{Action: Stop}},
		{"ClosedShift_Starts", closed, last(2*time.Minute, 0), Decision{Action: Start}},
		{"StopWithinRepeatWindow_Ignored", open, last(59*time.Second, 59*time.Second), Decision{Action: Ignore}},
		{"StartWithinRepeatWindow_Ignored", closed, last(30*time.Second, 0), Decision{Action: Ignore}},
		{"ExactlyAtRepeatWindow_Counts", open, last(60*time.Second, 60*time.Second), Decision{Action: Stop}},
		{"ClockSteppedBackWithinWindow_Ignored", open, last(-10*time.Second, 0), Decision{Action: Ignore}},
		{"ShiftAtMaxShift_Stops", open, last(16*time.Hour, 16*time.Hour), Decision{Action: Stop}},
		{"ShiftOverMaxShift_MissingStopAndStart", open, last(16*time.Hour+time.Minute, 16*time.Hour+time.Minute), Decision{Action: Start, MissingStop: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Decide(tt.e, tt.el, r); got != tt.want {
				t.Errorf("Decide = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDecide_CustomRules(t *testing.T) {
	r := Rules{RepeatWindow: 5 * time.Second, MaxShift: time.Hour}
	open := queue.Employee{Open: true}
	if got := Decide(open, Elapsed{SinceLast: 6 * time.Second, HaveLast: true, ShiftAge: 6 * time.Second}, r); got.Action != Stop {
		t.Errorf("6s after start with a 5s window: %v, want stop", got.Action)
	}
	if got := Decide(open, Elapsed{SinceLast: 61 * time.Minute, HaveLast: true, ShiftAge: 61 * time.Minute}, r); !got.MissingStop {
		t.Errorf("61m after start with a 1h max shift: %+v, want missing stop", got)
	}
}

func TestSince_MonotonicWithinBootWallAcross(t *testing.T) {
	t0 := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	// Same boot: the wall clock was stepped an hour back; monotonic says 10 minutes.
	if d := Since(t0, "b1", time.Hour, t0.Add(-50*time.Minute), "b1", time.Hour+10*time.Minute); d != 10*time.Minute {
		t.Errorf("same boot: %v, want 10m", d)
	}
	// Different boots, or a time given without a boot: wall clock.
	if d := Since(t0, "b1", time.Hour, t0.Add(3*time.Hour), "b2", time.Minute); d != 3*time.Hour {
		t.Errorf("across boots: %v, want 3h", d)
	}
	if d := Since(t0, "", 0, t0.Add(2*time.Hour), "", 0); d != 2*time.Hour {
		t.Errorf("no boot: %v, want 2h", d)
	}
}
