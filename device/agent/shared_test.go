package agent

import (
	"testing"
	"time"

	"stampclock/device/clock"
	"stampclock/device/feedback"
	"stampclock/device/feedback/feedbacktest"
	"stampclock/device/punch"
	"stampclock/device/siteshifts"
	"stampclock/queue"
	"stampclock/queue/queuetest"
	"stampclock/reader"
)

// door is one terminal with shared shifts: its store and agent.
type door struct {
	id    string
	store *queue.Store
	clk   *clock.Fake
	agent *Agent
}

func newDoor(t *testing.T, id string) *door {
	t.Helper()
	d := &door{id: id, store: queuetest.Open(t, queue.Options{Uplinks: []queue.UplinkSpec{{Name: "rest", Kinds: []queue.Kind{queue.KindEntry}}}}), clk: clock.NewFake(t0)}
	rules := punch.DefaultRules
	d.agent = New(d.store, Options{
		Clock: d.clk, Feedback: feedbacktest.NewRecorder(), Rules: rules,
		Badges: []Badge{{UID: "04A1B2C3", Email: "anna@example.com", Name: "Anna"}},
		Shared: &SharedShifts{Origin: id, Door: func(known []queue.SiteTap, t queue.SiteTap) punch.Decision {
			return siteshifts.Door(known, t, rules)
		}},
	})
	return d
}

// tap taps Anna's badge at the terminal's clock time at.
func (d *door) tap(t *testing.T, at time.Time) Outcome {
	t.Helper()
	d.clk.Set(at)
	o := d.agent.HandleTap(reader.Tap{UID: []byte{0x04, 0xA1, 0xB2, 0xC3}, Source: "sim"})
	if o.Err != nil {
		t.Fatal(o.Err)
	}
	return o
}

// siteTaps returns the site taps the terminal holds.
func (d *door) siteTaps(t *testing.T) []queue.SiteTap {
	t.Helper()
	var out []queue.SiteTap
	if err := d.store.View(func(tx *queue.Tx) error {
		var err error
		out, err = tx.SiteTapsOf("anna@example.com", t0.Add(-48*time.Hour), t0.Add(48*time.Hour))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// exchange gives to every door the site taps of the others, as the exchange
// does.
func exchange(t *testing.T, doors ...*door) {
	t.Helper()
	for _, from := range doors {
		for _, to := range doors {
			if from == to {
				continue
			}
			if _, err := to.store.Update(func(tx *queue.Tx) error {
				for _, st := range from.siteTaps(t) {
					if _, err := tx.PutSiteTap(st); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func records(t *testing.T, s *queue.Store, kind queue.Kind) []queue.Record {
	t.Helper()
	recs, err := s.Records(0, 1000, func(r queue.Record) bool { return r.Kind == kind })
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestShared_AnnaStartsAtFrontDoor_StopsAtWarehouse(t *testing.T) {
	front, warehouse := newDoor(t, "front"), newDoor(t, "warehouse")
	if o := front.tap(t, t0); o.Kind != feedback.StartOK {
		t.Fatalf("anna's first tap at the front door: %v", o.Kind)
	}
	exchange(t, front, warehouse)
	// Within the repeat window, at the other door: already stamped, and
	// kept as a site tap (the pairing decides what it is).
	if o := warehouse.tap(t, t0.Add(30*time.Second)); o.Kind != feedback.AlreadyStamped {
		t.Fatalf("a tap 30s later at the warehouse: %v; want already stamped", o.Kind)
	}
	o := warehouse.tap(t, t0.Add(8*time.Hour))
	if o.Kind != feedback.StopOK {
		t.Fatalf("anna's tap at the warehouse 8h later: %v; want a stop", o.Kind)
	}
	if len(o.Records) != 1 || o.Records[0].Kind != queue.KindPunch || o.Records[0].Action != queue.ActionStop {
		t.Fatalf("the stop committed %+v; want one stop punch", o.Records)
	}
	// No entry is made at the door: the Settler makes them.
	for _, d := range []*door{front, warehouse} {
		if es := records(t, d.store, queue.KindEntry); len(es) != 0 {
			t.Fatalf("%s made entries %+v", d.id, es)
		}
	}
	got := warehouse.siteTaps(t)
	if len(got) != 3 || got[0].Origin != "front" || got[1].Origin != "warehouse" || got[2].Seq != 2 || !got[2].At.Equal(t0.Add(8*time.Hour)) {
		t.Fatalf("the warehouse holds %+v", got)
	}
	// The pairing of what the warehouse holds is one entry, front to
	// warehouse.
	res := siteshifts.Pair(got, punch.DefaultRules)
	if len(res.Entries) != 1 || res.Entries[0].ID != "front:1-warehouse:2" {
		t.Fatalf("pairing %+v", res)
	}

	// Back at the front door the next morning: without the warehouse's
	// taps it would be a stop; with them it is a start.
	exchange(t, front, warehouse)
	if o := front.tap(t, t0.Add(24*time.Hour)); o.Kind != feedback.StartOK {
		t.Fatalf("the next morning at the front door: %v; want a start", o.Kind)
	}
}

func TestShared_TerminalCutOff_DecidesFromWhatItKnows(t *testing.T) {
	front, warehouse := newDoor(t, "front"), newDoor(t, "warehouse")
	front.tap(t, t0)
	// The warehouse never heard of the start: at the door it is a start
	// there (the site's pairing corrects it once the taps meet).
	if o := warehouse.tap(t, t0.Add(8*time.Hour)); o.Kind != feedback.StartOK {
		t.Fatalf("cut off: %v; want start", o.Kind)
	}
}

func TestShared_UntrustedClock_TakesTheOwnPath(t *testing.T) {
	d := newDoor(t, "front")
	d.clk.SetSynced(false)
	d.clk.Set(time.Date(1970, 1, 1, 0, 5, 0, 0, time.UTC))
	if o := d.agent.HandleTap(reader.Tap{UID: []byte{0x04, 0xA1, 0xB2, 0xC3}, Source: "sim"}); o.Kind != feedback.StartOK || o.Err != nil {
		t.Fatalf("untrusted tap: %v %v", o.Kind, o.Err)
	}
	if got := d.siteTaps(t); len(got) != 0 {
		t.Fatalf("an untrusted tap was shared: %+v", got)
	}
	if ps := records(t, d.store, queue.KindPunch); len(ps) != 1 || ps[0].ClockSynced {
		t.Fatalf("punches %+v; want one untrusted start", ps)
	}
}

func TestRecentSiteTaps_StopsAtAGapLongerThanMaxShift(t *testing.T) {
	s := queuetest.Open(t, queue.Options{})
	r := punch.Rules{RepeatWindow: time.Minute, MaxShift: 16 * time.Hour}
	hours := []int{0, 8, 30, 40, 47} // 8h -> 30h is a gap over MaxShift
	if _, err := s.Update(func(tx *queue.Tx) error {
		for _, h := range hours {
			if _, err := tx.AppendSiteTap(queue.SiteTap{Origin: "front", At: t0.Add(time.Duration(h) * time.Hour), Email: "anna@example.com", UID: "04A1B2C3"}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var got []queue.SiteTap
	if err := s.View(func(tx *queue.Tx) error {
		var err error
		got, err = recentSiteTaps(tx, "anna@example.com", t0.Add(48*time.Hour), r)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || !got[0].At.Equal(t0.Add(30*time.Hour)) || !got[2].At.Equal(t0.Add(47*time.Hour)) {
		t.Fatalf("recent taps %+v; want those of hours 30, 40, 47", got)
	}
	// The door's answer from those is the one from all of them.
	next := queue.SiteTap{Origin: "front", Seq: 9, At: t0.Add(48 * time.Hour), Email: "anna@example.com"}
	var all []queue.SiteTap
	for i, h := range hours {
		all = append(all, queue.SiteTap{Origin: "front", Seq: uint64(i + 1), At: t0.Add(time.Duration(h) * time.Hour), Email: "anna@example.com", UID: "04A1B2C3"})
	}
	if a, b := siteshifts.Door(got, next, r), siteshifts.Door(all, next, r); a != b {
		t.Fatalf("door from the recent taps %+v, from all %+v", a, b)
	}
}
