package zeiterfassung

import (
	"slices"
	"testing"
)

func lanesOf(lengths ...int) []*lane {
	var out []*lane
	i := 0
	for _, n := range lengths {
		l := &lane{}
		for range n {
			l.claims = append(l.claims, i)
			i++
		}
		out = append(out, l)
	}
	return out
}

// Workers in lockstep, each taking the next entry and answering it: with
// three lanes of four and two workers, both stay busy to the end (six
// rounds; keeping a lane to its end took eight, the last two with one
// request in flight), and each lane's entries go out in order, one at a
// time.
func TestLaneSched_LanesRunOutTogether(t *testing.T) {
	s := &laneSched{lanes: lanesOf(4, 4, 4)}
	var order []int
	rounds := 0
	for {
		var taken []*lane
		for range 2 {
			l, i := s.next()
			if l == nil {
				break
			}
			if slices.Contains(taken, l) {
				t.Fatalf("round %d: lane of claim %d handed out twice at once", rounds, i)
			}
			taken = append(taken, l)
			order = append(order, i)
		}
		if len(taken) == 0 {
			break
		}
		rounds++
		if len(taken) != 2 && rounds < 6 {
			t.Fatalf("round %d: %d in flight, want 2 until the end (order %v)", rounds, len(taken), order)
		}
		for _, l := range taken {
			s.done(l, false)
		}
	}
	if rounds != 6 || len(order) != 12 {
		t.Fatalf("%d rounds, %d sent (order %v); want 6 rounds of 2", rounds, len(order), order)
	}
	last := map[int]int{0: -1, 1: 3, 2: 7} // lane → its last claim sent
	for _, i := range order {
		if i != last[i/4]+1 {
			t.Fatalf("order %v: claim %d before %d", order, i, last[i/4]+1)
		}
		last[i/4] = i
	}
}

// The lane with the most entries left goes first; a lane stopped by a
// failure hands its rest back unsent and is never taken again.
func TestLaneSched_MostLeftFirst_StopHandsTheRestBack(t *testing.T) {
	s := &laneSched{lanes: lanesOf(2, 3)}
	l, i := s.next()
	if i != 2 {
		t.Fatalf("first claim %d, want 2 (the lane with 3 left)", i)
	}
	if unsent := s.done(l, true); !slices.Equal(unsent, []int{3, 4}) {
		t.Fatalf("unsent %v after a failure, want [3 4]", unsent)
	}
	var rest []int
	for {
		l, i := s.next()
		if l == nil {
			break
		}
		rest = append(rest, i)
		s.done(l, false)
	}
	if !slices.Equal(rest, []int{0, 1}) {
		t.Fatalf("sent %v after the stop, want [0 1]", rest)
	}
}
