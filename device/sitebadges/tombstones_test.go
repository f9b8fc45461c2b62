package sitebadges

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/device/clock"
	"stampclock/internal/mqttopts"
	"stampclock/queue"
	"stampclock/queue/queuetest"
	"stampclock/uplink/mqtt/mqtttest"
)

const day = 24 * time.Hour

// newTerminalAt is newTerminal on the injected clock now.
func newTerminalAt(t *testing.T, id, url string, now func() time.Time) *terminal {
	t.Helper()
	tm := &terminal{t: t, id: id, url: url, path: filepath.Join(t.TempDir(), "queue.db"), now: now}
	tm.start()
	t.Cleanup(tm.stop)
	return tm
}

// has reports whether the terminal holds a site record for uid.
func (tm *terminal) has(uid string) bool {
	tm.t.Helper()
	var ok bool
	if err := tm.store.View(func(tx *queue.Tx) error {
		ok = tx.SiteBadge(uid) != nil
		return nil
	}); err != nil {
		tm.t.Fatal(err)
	}
	return ok
}

// retainedEntry decodes the retained message of uid's topic; ok is false
// when there is none.
func retainedEntry(t *testing.T, b *mqtttest.Broker, uid string) (Entry, bool) {
	t.Helper()
	m, ok := b.Retained("stampclock/sites/hq/badges/" + uid)
	if !ok {
		return Entry{}, false
	}
	var w Wire
	if err := json.Unmarshal(m.Payload, &w); err != nil {
		t.Fatalf("retained %s: %v", uid, err)
	}
	return w.Entry, true
}

// connect returns a connected paho client of the test.
func connect(t *testing.T, url, id string) paho.Client {
	t.Helper()
	pc := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(id).SetProtocolVersion(4))
	if tok := pc.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	t.Cleanup(func() { pc.Disconnect(0) })
	return pc
}

// The rule at its edge, run step by step on one store: a tombstone is
// kept up to the horizon and collected after it; its writer clears the
// retained message then, another terminal only a Skew later (when the
// writer is gone); pending tombstones and live entries are never
// collected.
func TestCollect_KeepsTombstonesUpToTheHorizon(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	clk := clock.NewFake(time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC))
	st := queuetest.OpenPath(t, filepath.Join(t.TempDir(), "queue.db"), queue.Options{})
	s, err := New(st, Options{Site: "hq", DeviceID: "door-a", Conn: mqttopts.Conn{Account: mqttopts.Account{URLs: []string{b.URL()}}, AckTimeout: 5 * time.Second}, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	removed := clk.Now().UnixMilli()
	recs := []record{
		{Entry: Entry{UID: "GONE", Deleted: true, Version: Version{Wall: removed, Node: "door-a"}}},
		{Entry: Entry{UID: "THEIRS", Deleted: true, Version: Version{Wall: removed, Node: "door-b"}}},
		{Entry: Entry{UID: "UNSENT", Deleted: true, Version: Version{Wall: removed, Node: "door-a"}}, Pending: true},
		{Entry: Entry{UID: "LIVE", Email: "anna@example.com", Version: Version{Wall: removed - 1000, Node: "door-b"}}},
	}
	pc := connect(t, b.URL(), "seed")
	if _, err := st.Update(func(tx *queue.Tx) error {
		for _, r := range recs {
			if err := putRecord(tx, r); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs[:2] {
		payload, _ := json.Marshal(Wire{Schema: SchemaVersion, Site: "hq", Entry: r.Entry})
		if tok := pc.Publish(s.Topic(r.Entry.UID), 1, true, payload); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
	}
	ctx := context.Background()

	clk.Advance(DefaultTombstoneHorizon)
	s.collect(ctx, pc)
	if !(&terminal{t: t, store: st}).has("GONE") {
		t.Fatal("tombstone collected at exactly the horizon")
	}
	if _, ok := retainedEntry(t, b, "GONE"); !ok {
		t.Fatal("retained tombstone cleared at exactly the horizon")
	}

	clk.Advance(time.Millisecond)
	s.collect(ctx, pc)
	tm := &terminal{t: t, store: st}
	if tm.has("GONE") || tm.has("THEIRS") || !tm.has("UNSENT") || !tm.has("LIVE") {
		t.Fatalf("after the horizon: GONE %v, THEIRS %v (want collected), UNSENT %v, LIVE %v (want kept)", tm.has("GONE"), tm.has("THEIRS"), tm.has("UNSENT"), tm.has("LIVE"))
	}
	if _, ok := retainedEntry(t, b, "GONE"); ok {
		t.Fatal("own retained tombstone not cleared after the horizon")
	}
	if _, ok := retainedEntry(t, b, "THEIRS"); !ok {
		t.Fatal("door-b's retained tombstone cleared by door-a while door-b may still do it")
	}
	if got := s.Status().Collected; got != 2 {
		t.Fatalf("Collected = %d, want 2", got)
	}

	// door-b is gone: a Skew later door-a, which got the retained
	// tombstone again (a reconnect), clears it.
	if _, err := st.Update(func(tx *queue.Tx) error { return putRecord(tx, recs[1]) }); err != nil {
		t.Fatal(err)
	}
	clk.Advance(Skew)
	s.collect(ctx, pc)
	if _, ok := retainedEntry(t, b, "THEIRS"); ok || tm.has("THEIRS") {
		t.Fatal("an orphaned tombstone is not cleared a Skew after the horizon")
	}
}

// rejoin decides by the stored last contact: away up to the horizon less
// Skew keeps everything; longer drops the site's entries and badges, and
// the terminal's own unpublished changes older than the horizon, but keeps
// the younger ones.
func TestRejoin_AwayLongerThanTheHorizon_DropsTheSitesState(t *testing.T) {
	for _, tc := range []struct {
		name string
		away time.Duration
		drop bool
	}{
		{"ShortAbsence", 30 * day, false},
		{"JustWithin", DefaultTombstoneHorizon - Skew, false},
		{"JustBeyond", DefaultTombstoneHorizon - Skew + time.Minute, true},
		{"Years", 800 * day, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewFake(time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC))
			st := queuetest.OpenPath(t, filepath.Join(t.TempDir(), "queue.db"), queue.Options{})
			s, err := New(st, Options{Site: "hq", DeviceID: "door-c", Conn: conn("tcp://127.0.0.1:1"), Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			s.noteContact(true)
			left := clk.Now()
			clk.Advance(tc.away)
			now := clk.Now()
			young := now.Add(-time.Hour).UnixMilli() // an offline change made an hour ago
			old := now.Add(-DefaultTombstoneHorizon - day).UnixMilli()
			if _, err := st.Update(func(tx *queue.Tx) error {
				for _, r := range []record{
					{Entry: Entry{UID: "SITE", Email: "anna@example.com", Version: Version{Wall: left.UnixMilli() - 1000, Node: "door-a"}}},
					{Entry: Entry{UID: "TOMB", Deleted: true, Version: Version{Wall: left.UnixMilli() - 500, Node: "door-a"}}},
					{Entry: Entry{UID: "YOUNG", Email: "ben@example.com", Version: Version{Wall: young, Node: "door-c"}}, Pending: true},
					{Entry: Entry{UID: "OLD", Email: "carl@example.com", Version: Version{Wall: old, Node: "door-c"}}, Pending: true},
				} {
					if err := putRecord(tx, r); err != nil {
						return err
					}
					if !r.Entry.Deleted {
						if err := tx.PutBadge(queue.Badge{UID: r.Entry.UID, Email: r.Entry.Email}); err != nil {
							return err
						}
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			n, err := s.rejoin()
			if err != nil {
				t.Fatal(err)
			}
			tm := &terminal{t: t, store: st}
			kept := map[string]bool{}
			for _, uid := range []string{"SITE", "TOMB", "YOUNG", "OLD"} {
				kept[uid] = tm.has(uid)
				if uid != "TOMB" && (tm.email(uid) != "") != kept[uid] {
					t.Errorf("%s: record kept %v but badge enrolled %q", uid, kept[uid], tm.email(uid))
				}
			}
			want := map[string]bool{"SITE": true, "TOMB": true, "YOUNG": true, "OLD": true}
			if tc.drop {
				want = map[string]bool{"YOUNG": true}
			}
			for uid, w := range want {
				if kept[uid] != w {
					t.Errorf("%s kept %v, want %v", uid, kept[uid], w)
				}
			}
			for uid := range kept {
				if kept[uid] && !want[uid] {
					t.Errorf("%s kept, want dropped", uid)
				}
			}
			if wantN := map[bool]int{false: 0, true: 3}[tc.drop]; n != wantN {
				t.Errorf("dropped %d, want %d", n, wantN)
			}
		})
	}
}

// The promise end to end: C is stopped while A removes a badge; 91 days
// later the tombstone is collected at A and B and on the broker; when C
// comes back its old enrolment does not resurrect the badge anywhere, and
// C holds the site's other badges again.
func TestTombstones_TerminalAwayBeyondTheHorizon_NoResurrection(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	clk := clock.NewFake(time.Now().UTC())
	a := newTerminalAt(t, "door-a", b.URL(), clk.Now)
	bb := newTerminalAt(t, "door-b", b.URL(), clk.Now)
	c := newTerminalAt(t, "door-c", b.URL(), clk.Now)
	a.enrol("04A1", "anna@example.com")
	a.enrol("04B2", "ben@example.com")
	eventually(t, "C has both badges", func() bool {
		return c.email("04A1") == "anna@example.com" && c.email("04B2") == "ben@example.com"
	})
	// C got the badges through its subscription, so its contact is stored.
	c.stop()

	a.remove("04A1")
	eventually(t, "B holds the tombstone", func() bool { return bb.record("04A1").Deleted })
	clk.Advance(DefaultTombstoneHorizon + day)
	eventually(t, "A and B collected the tombstone and the broker's message is cleared", func() bool {
		_, retained := retainedEntry(t, b, "04A1")
		return !a.has("04A1") && !bb.has("04A1") && !retained
	})

	c.start()
	eventually(t, "C rejoined and took ben's badge afresh", func() bool {
		return c.sync.Status().Rejoined == 1 && c.email("04B2") == "ben@example.com"
	})
	// A marker enrolled after C is back: once C has it, C has handled
	// everything the broker sent before.
	a.enrol("04C3", "carl@example.com")
	eventually(t, "C has the marker", func() bool { return c.email("04C3") == "carl@example.com" })
	if c.email("04A1") != "" || c.has("04A1") {
		t.Fatalf("C still enrols the removed badge: %q", c.email("04A1"))
	}
	if e, ok := retainedEntry(t, b, "04A1"); ok {
		t.Fatalf("the removed badge is back on the broker: %+v", e)
	}
	if a.email("04A1") != "" || bb.email("04A1") != "" {
		t.Fatal("the removed badge came back at A or B")
	}
}

// A terminal away for less than the horizon finds the removal still
// retained, even when its absence spans many collections.
func TestTombstones_AwayWithinTheHorizon_RemovalStillArrives(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	clk := clock.NewFake(time.Now().UTC())
	a := newTerminalAt(t, "door-a", b.URL(), clk.Now)
	c := newTerminalAt(t, "door-c", b.URL(), clk.Now)
	a.enrol("04A1", "anna@example.com")
	eventually(t, "C has the badge", func() bool { return c.email("04A1") == "anna@example.com" })
	c.stop()
	clk.Advance(30 * day)
	a.remove("04A1")
	eventually(t, "the removal is retained", func() bool { e, ok := retainedEntry(t, b, "04A1"); return ok && e.Deleted })
	clk.Advance(DefaultTombstoneHorizon - Skew - 31*day) // C away 88 days in all
	c.start()
	eventually(t, "C removed the badge", func() bool { return c.email("04A1") == "" && c.record("04A1").Deleted })
	if c.sync.Status().Rejoined != 0 {
		t.Fatal("C rejoined after an absence within the horizon")
	}
}

// A clear of a badge that is enrolled (a collection racing a new
// enrolment, or a clear by hand) is repaired: the terminals put the live
// entry back.
func TestTombstones_ClearOfALiveBadge_PutBack(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	a := newTerminal(t, "door-a", b.URL(), nil)
	bb := newTerminal(t, "door-b", b.URL(), nil)
	a.enrol("04A1", "anna@example.com")
	eventually(t, "B has the badge", func() bool { return bb.email("04A1") == "anna@example.com" })
	want := a.record("04A1")
	pc := connect(t, b.URL(), "hand")
	if tok := pc.Publish("stampclock/sites/hq/badges/04A1", 1, true, []byte{}); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	eventually(t, "the live entry is retained again", func() bool {
		e, ok := retainedEntry(t, b, "04A1")
		return ok && e.Version == want.Version && e.Email == "anna@example.com"
	})
}
