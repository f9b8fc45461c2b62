package wiegandtest

import (
	"strings"
	"testing"
	"time"

	"github.com/warthog618/go-gpiocdev"
)

func TestFormats_KnownVectors(t *testing.T) {
	h37, err := H10304(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, got, want string
	}{
		{"h10301 zero", H10301(0, 0), "0" + strings.Repeat("0", 24) + "1"},
		{"h10301 ones", H10301(255, 65535), "0" + strings.Repeat("1", 24) + "1"},
		{"h10301 fc1", H10301(1, 0), "1" + "00000001" + strings.Repeat("0", 16) + "1"},
		{"h10306 zero", H10306(0, 0), "0" + strings.Repeat("0", 32) + "1"},
		{"h10304 zero", h37, "0" + strings.Repeat("0", 35) + "1"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %s, want %s", tt.name, tt.got, tt.want)
		}
	}
	if _, err := H10304(0, 1<<19); err == nil {
		t.Error("H10304 accepted a 20-bit card number")
	}
}

func TestGenerator_TimingAndSequence(t *testing.T) {
	g := New(Options{D0: 17, D1: 27, BothEdges: true, Jitter: 200 * time.Microsecond, Seed: 1})
	evs := g.Frame("0110")
	if len(evs) != 8 {
		t.Fatalf("got %d events, want 8", len(evs))
	}
	wantLines := []int{17, 17, 27, 27, 27, 27, 17, 17}
	for i, ev := range evs {
		if ev.Seqno != uint32(i+1) {
			t.Errorf("event %d: seqno %d", i, ev.Seqno)
		}
		if ev.Offset != wantLines[i] {
			t.Errorf("event %d: line %d, want %d", i, ev.Offset, wantLines[i])
		}
		wantType := gpiocdev.LineEventFallingEdge
		if i%2 == 1 {
			wantType = gpiocdev.LineEventRisingEdge
			if w := ev.Timestamp - evs[i-1].Timestamp; w < 30*time.Microsecond || w > 70*time.Microsecond {
				t.Errorf("pulse %d width %v, want about 50µs", i/2, w)
			}
		}
		if ev.Type != wantType {
			t.Errorf("event %d: type %v, want %v", i, ev.Type, wantType)
		}
	}
	if d := evs[2].Timestamp - evs[0].Timestamp; d < 1800*time.Microsecond || d > 2200*time.Microsecond {
		t.Errorf("bit interval %v, want 2ms±200µs", d)
	}
	if got := Drop(evs, 3); len(got) != 7 || got[3].Seqno != 5 {
		t.Errorf("Drop left %d events, seqno after gap %d", len(got), got[3].Seqno)
	}
}

func TestFlip(t *testing.T) {
	if got := Flip("0101", 0); got != "1101" {
		t.Errorf("Flip = %s", got)
	}
}
