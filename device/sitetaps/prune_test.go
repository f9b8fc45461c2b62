package sitetaps

import (
	"path/filepath"
	"testing"
	"time"

	"stampclock/device/punch"
	"stampclock/device/siteshifts"
	"stampclock/queue"
	"stampclock/queue/queuetest"
)

// pruneSite is a terminal (door-a) of a site with door-b and door-c, its
// store with two uplinks, its Settler and a simulated clock.
type pruneSite struct {
	t       *testing.T
	path    string
	s       *queue.Store
	settler *siteshifts.Settler
	now     time.Time
	seqB    uint64
	seqC    uint64
}

func newPruneSite(t *testing.T, now time.Time) *pruneSite {
	path := filepath.Join(t.TempDir(), "q.db")
	s := queuetest.OpenPath(t, path, queue.Options{Uplinks: []queue.UplinkSpec{
		{Name: "zeiterfassung", Kinds: []queue.Kind{queue.KindEntry, queue.KindRetract}}, {Name: "mqtt"}}})
	p := &pruneSite{t: t, path: path, s: s, now: now}
	p.settler = siteshifts.New(s, Taps{}, siteshifts.Options{Device: "door-a", Settle: 2 * time.Minute, Now: func() time.Time { return p.now }})
	return p
}

func (p *pruneSite) own(email string, at time.Time) {
	p.t.Helper()
	if _, err := p.s.Update(func(tx *queue.Tx) error {
		st, err := tx.AppendSiteTap(queue.SiteTap{Origin: "door-a", At: at, Email: email, UID: "04A1"})
		if err != nil {
			return err
		}
		return tx.MarkSiteTapsPublished("door-a", st.Seq)
	}); err != nil {
		p.t.Fatal(err)
	}
}

func (p *pruneSite) peer(origin, email string, at time.Time) {
	p.t.Helper()
	seq := &p.seqB
	if origin == "door-c" {
		seq = &p.seqC
	}
	*seq++
	if _, err := p.s.Update(func(tx *queue.Tx) error {
		_, err := tx.PutSiteTap(queue.SiteTap{Origin: origin, Seq: *seq, At: at, Email: email, UID: "04A1"})
		return err
	}); err != nil {
		p.t.Fatal(err)
	}
}

// deliver settles every queued record as hold says, else delivered.
func (p *pruneSite) deliver(hold func(uplink string, r queue.Record) bool) {
	p.t.Helper()
	for _, u := range p.s.Uplinks() {
		claims, err := p.s.Claim(u, 10_000, p.now)
		if err != nil {
			p.t.Fatal(err)
		}
		var out []queue.Outcome
		for _, c := range claims {
			res := queue.Delivered
			if hold != nil && hold(u, c.Record) {
				res = queue.Held
			}
			out = append(out, queue.Outcome{Seq: c.Record.Seq, Result: res})
		}
		if err := p.s.Settle(u, out, p.now); err != nil {
			p.t.Fatal(err)
		}
	}
}

// held counts the taps and ledger rows the store holds.
func (p *pruneSite) held() (taps, rows int) {
	p.t.Helper()
	if err := p.s.View(func(tx *queue.Tx) error {
		origins, err := tx.SiteTapOrigins()
		for _, o := range origins {
			taps += int(o.Held)
		}
		for _, e := range []string{anna, bob, carla} {
			l, err := tx.SiteEntries(e)
			if err != nil {
				return err
			}
			rows += len(l)
		}
		return err
	}); err != nil {
		p.t.Fatal(err)
	}
	return taps, rows
}

func (p *pruneSite) tapsOf(email string, from, to time.Time) []queue.SiteTap {
	p.t.Helper()
	var out []queue.SiteTap
	if err := p.s.View(func(tx *queue.Tx) (err error) {
		out, err = tx.SiteTapsOf(email, from, to)
		return err
	}); err != nil {
		p.t.Fatal(err)
	}
	return out
}

const (
	anna  = "anna@example.com"
	bob   = "bob@example.com"
	carla = "carla@example.com"
)

// TestPrune_DeliveringTerminal_60Days_StoreBounded: door-a delivers
// Anna's entries every day (she leaves there), Bob's are door-b's, and
// Carla forgets to tap out once a week (door-a reports the missing
// stops). Over 60 simulated days with a retention of 10 days the taps and
// ledger rows held stay bounded; an entry held by an uplink keeps its
// stretch until it is delivered; a tap arriving late within the
// retention still corrects a delivered entry; the store checks clean.
func TestPrune_DeliveringTerminal_60Days_StoreBounded(t *testing.T) {
	day0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	p := newPruneSite(t, day0)
	const retention = 10 * 24 * time.Hour
	h := func(d, hour, min int) time.Time {
		return day0.Add(time.Duration(d)*24*time.Hour + time.Duration(hour)*time.Hour + time.Duration(min)*time.Minute)
	}
	heldEntry := uint64(0)
	var pruned Pruned
	maxTaps, maxRows := 0, 0
	for d := 0; d < 60; d++ {
		p.peer("door-b", anna, h(d, 8, 0))
		p.own(anna, h(d, 16, 0))
		p.own(bob, h(d, 9, 0))
		p.peer("door-b", bob, h(d, 17, 0))
		if d%7 == 3 {
			p.own(carla, h(d, 10, 0)) // never taps out
		}
		p.now = h(d, 23, 0)
		for _, e := range []string{anna, bob, carla} {
			if _, err := p.settler.Settle(e, p.now); err != nil {
				t.Fatal(err)
			}
		}
		if d == 45 {
			if n, err := p.s.Release("zeiterfassung", []uint64{heldEntry}, p.now); err != nil || n != 1 {
				t.Fatalf("release: %d, %v", n, err)
			}
		}
		p.deliver(func(u string, r queue.Record) bool {
			if d == 20 && u == "zeiterfassung" && r.Kind == queue.KindEntry && r.Email == anna {
				heldEntry = r.Seq // e.g. its day is locked
				return true
			}
			return false
		})
		got, err := Prune(p.s, "door-a", punch.DefaultRules, p.now.Add(-retention), 1000)
		if err != nil {
			t.Fatal(err)
		}
		pruned.Taps, pruned.Entries = pruned.Taps+got.Taps, pruned.Entries+got.Entries
		taps, rows := p.held()
		maxTaps, maxRows = max(maxTaps, taps), max(maxRows, rows)
		if d >= 32 && d < 45 { // old enough to go from day 32 on
			if len(p.tapsOf(anna, h(20, 0, 0), h(21, 0, 0))) != 2 {
				t.Fatalf("day %d: the stretch of the held entry of day 20 was pruned", d)
			}
			if got.Kept == 0 {
				t.Fatalf("day %d: no stretch kept while an entry is held", d)
			}
		}
	}
	// 4 taps a day and Carla's weekly one, for the retention plus a day
	// or two: bounded, where 60 days hold 260.
	taps, rows := p.held()
	t.Logf("after 60 days: %d taps and %d ledger rows held (at most %d and %d), %d taps and %d rows pruned", taps, rows, maxTaps, maxRows, pruned.Taps, pruned.Entries)
	if maxTaps > 13*5 || maxRows > 13*2 {
		t.Fatalf("held up to %d taps and %d ledger rows; want at most %d and %d", maxTaps, maxRows, 13*5, 13*2)
	}
	if len(p.tapsOf(anna, h(20, 0, 0), h(21, 0, 0))) != 0 {
		t.Fatal("the stretch of day 20 was kept after its entry was delivered")
	}

	// Late taps made within the retention (a door-c cut off until now):
	// Anna went out for lunch on day 55. door-a's 08:00–16:00 is wrong.
	p.peer("door-c", anna, h(55, 12, 0))
	p.peer("door-c", anna, h(55, 12, 30))
	p.now = p.now.Add(time.Hour)
	a, err := p.settler.Settle(anna, p.now)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Retract) != 1 || !a.Retract[0].Start.Equal(h(55, 8, 0)) || len(a.Create) != 1 || !a.Create[0].Start.At.Equal(h(55, 12, 30)) {
		t.Fatalf("late taps of day 55: %+v; want 08:00–16:00 retracted, 12:30–16:00 delivered", a)
	}

	if err := p.s.Close(); err != nil {
		t.Fatal(err)
	}
	// What stampd --check-store runs.
	if err := queue.CheckRecords(p.path, time.Second); err != nil {
		t.Fatalf("stampd --check-store after pruning: %v", err)
	}
	if err := queue.CheckCommits(p.path); err != nil {
		t.Fatalf("stampd --check-store after pruning: %v", err)
	}
	if err := queuetest.Check(p.path); err != nil {
		t.Fatal(err)
	}
}
