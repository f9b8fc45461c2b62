package gpio

import (
	"fmt"
	"testing"
	"time"

	"stampclock/device/feedback"
)

// runs returns the lengths of the stretches in which pick(step) is on.
func runs(p Pattern, pick func(Step) bool) []time.Duration {
	var out []time.Duration
	on := false
	for _, s := range p {
		switch {
		case pick(s) && on:
			out[len(out)-1] += s.D
		case pick(s):
			out = append(out, s.D)
		}
		on = pick(s)
	}
	return out
}

func buzzer(s Step) bool { return s.Buzzer }
func green(s Step) bool  { return s.Green }
func red(s Step) bool    { return s.Red }

func TestPatternFor_MatchesDocumentedTable(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		kind          feedback.Kind
		beeps         []time.Duration
		green, red    []time.Duration
		total         time.Duration
		firstStepBoth bool // green and red lit together from the start
	}{
		{feedback.StartOK, []time.Duration{100 * ms}, []time.Duration{time.Second}, nil, time.Second, false},
		{feedback.StopOK, []time.Duration{100 * ms, 100 * ms}, []time.Duration{time.Second}, nil, time.Second, false},
		{feedback.AlreadyStamped, []time.Duration{40 * ms}, []time.Duration{150 * ms, 150 * ms, 150 * ms}, nil, 750 * ms, false},
		{feedback.UnknownBadge, []time.Duration{400 * ms}, nil, []time.Duration{1500 * ms}, 1500 * ms, false},
		{feedback.Error, []time.Duration{400 * ms, 400 * ms, 400 * ms}, nil, []time.Duration{400 * ms, 400 * ms, 400 * ms, 200 * ms, 200 * ms}, 2400 * ms, false},
		{feedback.Enrolled, []time.Duration{200 * ms}, []time.Duration{800 * ms}, []time.Duration{800 * ms}, 800 * ms, true},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			p, ok := PatternFor(tt.kind)
			if !ok {
				t.Fatal("no pattern")
			}
			for i, s := range p {
				if s.D <= 0 {
					t.Errorf("step %d has duration %v", i, s.D)
				}
			}
			check := func(what string, got, want []time.Duration) {
				t.Helper()
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s on-stretches = %v, want %v", what, got, want)
				}
			}
			check("buzzer", runs(p, buzzer), tt.beeps)
			check("green", runs(p, green), tt.green)
			check("red", runs(p, red), tt.red)
			if got := p.Duration(); got != tt.total {
				t.Errorf("Duration = %v, want %v", got, tt.total)
			}
			if tt.firstStepBoth && !(p[0].Green && p[0].Red && !p[0].Buzzer) {
				t.Errorf("first step %+v, want green+red without beep", p[0])
			}
		})
	}
}

func TestPatternFor_KindsAreDistinct(t *testing.T) {
	seen := map[string]feedback.Kind{}
	for _, k := range allKinds {
		p, _ := PatternFor(k)
		key := fmt.Sprint(p)
		if other, dup := seen[key]; dup {
			t.Errorf("%s and %s share a pattern", k, other)
		}
		seen[key] = k
	}
}

func TestPatternFor_UnknownKind(t *testing.T) {
	if p, ok := PatternFor(feedback.Kind(99)); ok || p != nil {
		t.Fatalf("PatternFor(99) = %v, %v; want nil, false", p, ok)
	}
}

func TestPatternFor_ReturnsFreshSlice(t *testing.T) {
	p, _ := PatternFor(feedback.StartOK)
	p[0].D = time.Hour
	q, _ := PatternFor(feedback.StartOK)
	if q[0].D == time.Hour {
		t.Fatal("PatternFor returned shared data")
	}
}
