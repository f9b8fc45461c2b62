package daemon

import (
	"testing"

	"stampclock/queue"
)

func TestTakesAny(t *testing.T) {
	entries := []queue.Kind{queue.KindEntry, queue.KindRetract}
	punch := []queue.Record{{Kind: queue.KindPunch}}
	stop := []queue.Record{{Kind: queue.KindPunch}, {Kind: queue.KindEntry}}
	for _, c := range []struct {
		name  string
		kinds []queue.Kind
		recs  []queue.Record
		want  bool
	}{
		{"every kind takes a punch", nil, punch, true},
		{"entries only: a punch alone", entries, punch, false},
		{"entries only: a stop with its entry", entries, stop, true},
		{"entries only: a retraction", entries, []queue.Record{{Kind: queue.KindRetract}}, true},
		{"entries only: an event", entries, []queue.Record{{Kind: queue.KindEvent}}, false},
	} {
		if got := takesAny(c.kinds, c.recs); got != c.want {
			t.Errorf("%s: takesAny = %v, want %v", c.name, got, c.want)
		}
	}
}
