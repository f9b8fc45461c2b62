package sitebadges

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// newer is the test's own order of versions (wall, then counter, then
// node), independent of Version.Compare.
func newer(a, b Version) bool {
	if a.Wall != b.Wall {
		return a.Wall > b.Wall
	}
	if a.Logical != b.Logical {
		return a.Logical > b.Logical
	}
	return a.Node > b.Node
}

// randomWrites makes n writes of a few badges by three terminals, each
// with a distinct version, as a site produces them.
func randomWrites(r *rand.Rand, n int) []Entry {
	seen := map[Version]bool{}
	var out []Entry
	for len(out) < n {
		v := Version{Wall: 1_700_000_000_000 + r.Int64N(5), Logical: uint32(r.IntN(3)), Node: fmt.Sprintf("door-%d", r.IntN(3))}
		if seen[v] {
			continue
		}
		seen[v] = true
		e := Entry{UID: fmt.Sprintf("04A1B2%02X", r.IntN(4)), Version: v}
		if r.IntN(4) == 0 {
			e.Deleted = true
		} else {
			e.Email = fmt.Sprintf("e%d@example.com", r.IntN(3))
			e.Name = fmt.Sprintf("N%d", r.IntN(2))
		}
		out = append(out, e)
	}
	return out
}

// deliver merges the writes in a random order, each one to three times.
func deliver(r *rand.Rand, writes []Entry) map[string]Entry {
	var msgs []Entry
	for _, w := range writes {
		for range 1 + r.IntN(3) {
			msgs = append(msgs, w)
		}
	}
	r.Shuffle(len(msgs), func(i, j int) { msgs[i], msgs[j] = msgs[j], msgs[i] })
	state := map[string]Entry{}
	for _, m := range msgs {
		held, have := state[m.UID]
		state[m.UID], _ = Merge(held, have, m)
	}
	return state
}

func TestMerge_AnyOrderAndDuplication_ConvergesToNewestWrite(t *testing.T) {
	rounds := 300
	for seed := range uint64(rounds) {
		r := rand.New(rand.NewPCG(seed, 7))
		writes := randomWrites(r, 1+r.IntN(25))
		want := map[string]Entry{}
		for _, w := range writes {
			if cur, ok := want[w.UID]; !ok || newer(w.Version, cur.Version) {
				want[w.UID] = w
			}
		}
		a, b := deliver(r, writes), deliver(r, writes)
		if len(a) != len(want) || len(b) != len(want) {
			t.Fatalf("seed %d: %d and %d badges, want %d", seed, len(a), len(b), len(want))
		}
		for uid, w := range want {
			if a[uid] != w || b[uid] != w {
				t.Fatalf("seed %d: badge %s = %+v and %+v, want %+v", seed, uid, a[uid], b[uid], w)
			}
		}
	}
}

func TestMerge_SameVersionDifferentContent_SameChoiceEitherOrder(t *testing.T) {
	// Two terminals wrongly sharing a device id: still one choice.
	v := Version{Wall: 5, Node: "door"}
	x := Entry{UID: "01", Email: "a@example.com", Version: v}
	y := Entry{UID: "01", Deleted: true, Version: v}
	xy, _ := Merge(x, true, y)
	yx, _ := Merge(y, true, x)
	if xy != yx {
		t.Fatalf("x then y = %+v, y then x = %+v", xy, yx)
	}
}

func TestMerge_Outcomes(t *testing.T) {
	v := func(wall int64, node string) Version { return Version{Wall: wall, Node: node} }
	anna := func(ver, base Version) Entry {
		return Entry{UID: "01", Email: "anna@example.com", Version: ver, Base: base}
	}
	bob := func(ver, base Version) Entry {
		return Entry{UID: "01", Email: "bob@example.com", Version: ver, Base: base}
	}
	gone := func(ver, base Version) Entry { return Entry{UID: "01", Deleted: true, Version: ver, Base: base} }
	for _, tc := range []struct {
		name     string
		held     Entry
		have     bool
		in       Entry
		want     Outcome
		conflict bool
	}{
		{"first sight", Entry{}, false, anna(v(1, "a"), Version{}), Applied, false},
		{"duplicate", anna(v(1, "a"), Version{}), true, anna(v(1, "a"), Version{}), Duplicate, false},
		{"change on top of the held", anna(v(1, "a"), Version{}), true, bob(v(2, "b"), v(1, "a")), Applied, false},
		{"removal on top of the held", anna(v(1, "a"), Version{}), true, gone(v(2, "b"), v(1, "a")), Applied, false},
		{"newer after missed versions", anna(v(1, "a"), Version{}), true, bob(v(3, "c"), v(2, "b")), Applied, false},
		{"concurrent newer wins", anna(v(2, "a"), v(1, "x")), true, bob(v(3, "b"), v(1, "x")), Applied, true},
		{"concurrent older loses", bob(v(3, "b"), v(1, "x")), true, anna(v(2, "a"), v(1, "x")), Stale, true},
		{"old version of the held's base", bob(v(2, "b"), v(1, "a")), true, anna(v(1, "a"), Version{}), Stale, false},
		{"concurrent same content", anna(v(2, "a"), v(1, "x")), true, anna(v(3, "b"), v(1, "x")), Applied, false},
		{"two concurrent removals", gone(v(2, "a"), v(1, "x")), true, gone(v(3, "b"), v(1, "x")), Applied, false},
		{"same millisecond: node decides", anna(v(2, "a"), Version{}), true, bob(v(2, "b"), Version{}), Applied, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, res := Merge(tc.held, tc.have, tc.in)
			if res.Outcome != tc.want || res.Conflict != tc.conflict {
				t.Fatalf("Merge = %v conflict %v, want %v conflict %v", res.Outcome, res.Conflict, tc.want, tc.conflict)
			}
			wantEntry := tc.in
			if tc.want != Applied {
				wantEntry = tc.held
			}
			if got != wantEntry {
				t.Fatalf("held %+v, want %+v", got, wantEntry)
			}
		})
	}
}

func TestClock_NeverGoesBackAndPassesObserved(t *testing.T) {
	now := time.UnixMilli(1000)
	c := NewClock("door-1", func() time.Time { return now })
	a := c.Next()
	now = time.UnixMilli(900) // the wall clock steps back
	b := c.Next()
	if b.Compare(a) <= 0 {
		t.Fatalf("after a step back %+v is not newer than %+v", b, a)
	}
	remote := Version{Wall: 5000, Logical: 3, Node: "door-2"}
	c.Observe(remote)
	d := c.Next()
	if d.Compare(remote) <= 0 || d.Node != "door-1" {
		t.Fatalf("after observing %+v: %+v", remote, d)
	}
	now = time.UnixMilli(6000)
	if e := c.Next(); e != (Version{Wall: 6000, Node: "door-1"}) {
		t.Fatalf("with the wall clock ahead again: %+v", e)
	}
}
