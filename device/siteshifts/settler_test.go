package siteshifts

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"stampclock/device/clock"
	"stampclock/internal/waitfor"
	"stampclock/queue"
	"stampclock/queue/queuetest"
)

// memTaps is an in-memory tap store standing in for the exchange's bucket.
type memTaps struct {
	mu   sync.Mutex
	taps []queue.SiteTap
	err  error
}

func (m *memTaps) add(ts ...queue.SiteTap) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.taps = append(m.taps, ts...)
}

func (m *memTaps) SiteTaps(_ *queue.Tx, email string) ([]queue.SiteTap, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return nil, m.err
	}
	var out []queue.SiteTap
	for _, t := range m.taps {
		if strings.EqualFold(t.Email, email) {
			out = append(out, t)
		}
	}
	return out, nil
}

func (m *memTaps) SiteTapEmails(*queue.Tx) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for _, t := range m.taps {
		if !seen[t.Email] {
			seen[t.Email] = true
			out = append(out, t.Email)
		}
	}
	return out, nil
}

// testClock is a wall clock a test moves, with timers that move with it.
type testClock struct {
	mu     sync.Mutex
	now    time.Time
	timers *clock.ManualTimers
}

func newTestClock(t time.Time) *testClock {
	return &testClock{now: t, timers: clock.NewManualTimers(t)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	c.timers.Advance(d)
}

func records(t *testing.T, s *queue.Store) []queue.Record {
	t.Helper()
	recs, err := s.Records(0, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func newSettler(t *testing.T, device string, taps *memTaps, c *testClock) (*Settler, *queue.Store) {
	t.Helper()
	st := queuetest.Open(t, queue.Options{Uplinks: []queue.UplinkSpec{{Name: "zeiterfassung", Kinds: []queue.Kind{queue.KindEntry, queue.KindRetract}}}})
	return New(st, taps, Options{Device: device, Rules: rules, Settle: settle, Poll: time.Second, Now: c.Now, Timers: c.timers}), st
}

func TestSettler_DeliversOnceSettled_OneTransaction(t *testing.T) {
	taps := &memTaps{}
	in, out := tap("front", 1, "08:00"), tap("warehouse", 1, "16:30")
	taps.add(in, out)
	c := newTestClock(out.At.Add(10 * time.Second))
	s, st := newSettler(t, "warehouse", taps, c)
	if err := s.Pass(); err != nil {
		t.Fatal(err)
	}
	if recs := records(t, st); len(recs) != 0 {
		t.Fatalf("delivered before settle: %+v", recs)
	}
	if got := s.Status(); got.Waiting != 1 || !got.NextSettle.Equal(out.At.Add(settle)) {
		t.Errorf("status %+v", got)
	}
	c.Advance(settle)
	if err := s.Pass(); err != nil {
		t.Fatal(err)
	}
	recs := records(t, st)
	if len(recs) != 1 {
		t.Fatalf("records %+v", recs)
	}
	r := recs[0]
	if r.Kind != queue.KindEntry || r.SiteEntry != "front:1-warehouse:1" || !r.Start.Equal(in.At) || !r.End.Equal(out.At) || !r.Trusted() || r.Email != anna {
		t.Errorf("entry %+v", r)
	}
	if got := s.Status(); got.Delivered != 1 || got.Waiting != 0 || got.Retracted != 0 {
		t.Errorf("status %+v", got)
	}
	// Nothing new: a further pass writes nothing.
	s.Kick(anna)
	if err := s.Pass(); err != nil {
		t.Fatal(err)
	}
	if n := len(records(t, st)); n != 1 {
		t.Errorf("%d records after a second pass", n)
	}
}

// TestSettler_LateTap_RetractsAndRecreates: the scenario on the
// warehouse terminal with a real queue.
func TestSettler_LateTap_RetractsAndRecreates(t *testing.T) {
	taps := &memTaps{}
	in := tap("front", 1, "08:00")
	lunch, out := tap("warehouse", 1, "12:00"), tap("warehouse", 2, "16:30")
	taps.add(lunch, out)
	c := newTestClock(out.At.Add(settle))
	s, st := newSettler(t, "warehouse", taps, c)
	if err := s.Pass(); err != nil {
		t.Fatal(err)
	}
	if es := records(t, st); len(es) != 1 || es[0].Kind != queue.KindEntry || es[0].SiteEntry != "warehouse:1-warehouse:2" {
		t.Fatalf("records after the split %+v", es)
	}
	c.Advance(time.Hour)
	taps.add(in)
	s.Kick(anna)
	if err := s.Pass(); err != nil {
		t.Fatal(err)
	}
	recs := records(t, st)
	if len(recs) != 3 {
		t.Fatalf("records %+v", recs)
	}
	ret, fresh := recs[1], recs[2]
	if ret.Kind != queue.KindRetract || ret.Retracts != recs[0].Seq || ret.SiteEntry != "warehouse:1-warehouse:2" ||
		!ret.Start.Equal(lunch.At) || !ret.End.Equal(out.At) || ret.Email != anna || !strings.Contains(ret.Detail, "front:1-warehouse:1") {
		t.Errorf("retraction %+v", ret)
	}
	if fresh.Kind != queue.KindEntry || fresh.SiteEntry != "front:1-warehouse:1" || !fresh.Start.Equal(in.At) || !fresh.End.Equal(lunch.At) {
		t.Errorf("new entry %+v", fresh)
	}
	// Day totals and twins no longer see the withdrawn entry.
	if es, _ := st.Entries(anna, day, day.Add(24*time.Hour)); len(es) != 1 || es[0].Seq != fresh.Seq {
		t.Errorf("entries after the correction %+v", es)
	}
	if got := s.Status(); got.Delivered != 1 || got.Retracted != 1 {
		t.Errorf("status %+v", got)
	}
	var ledger map[string]queue.SiteEntry
	st.View(func(tx *queue.Tx) (err error) { ledger, err = tx.SiteEntries("ANNA@example.com"); return })
	if l := ledger["warehouse:1-warehouse:2"]; l.State != queue.SiteRetracted || l.RetractSeq != ret.Seq || l.Seq != recs[0].Seq {
		t.Errorf("ledger %+v", l)
	}
	if l := ledger["front:1-warehouse:1"]; l.State != queue.SiteDelivered || l.Seq != fresh.Seq {
		t.Errorf("ledger %+v", l)
	}
}

func TestSettler_MissingStop_ReportedByStartOrigin(t *testing.T) {
	taps := &memTaps{}
	start := tap("front", 1, "06:00")
	next := tap("warehouse", 1, "06:00")
	next.At = next.At.Add(20 * time.Hour)
	taps.add(start, next)
	c := newTestClock(next.At.Add(settle))
	s, st := newSettler(t, "front", taps, c)
	if err := s.Pass(); err != nil {
		t.Fatal(err)
	}
	recs := records(t, st)
	if len(recs) != 1 || recs[0].Event != queue.EventMissingStop || !recs[0].Start.Equal(start.At) || recs[0].SiteEntry != "front:1-missing" {
		t.Fatalf("records %+v", recs)
	}
	stats, err := st.Stats()
	if err != nil || len(stats.Anomalies) != 1 {
		t.Fatalf("anomalies %+v %v", stats.Anomalies, err)
	}
	// A stop at 14:00 arrives late: the anomaly is withdrawn.
	taps.add(tap("warehouse", 2, "14:00"))
	s.Kick(anna)
	if err := s.Pass(); err != nil {
		t.Fatal(err)
	}
	if recs := records(t, st); len(recs) != 2 || recs[1].Kind != queue.KindRetract || recs[1].Retracts != recs[0].Seq {
		t.Fatalf("records %+v", recs)
	}
	if stats, _ := st.Stats(); len(stats.Anomalies) != 0 {
		t.Errorf("anomalies after withdrawal %+v", stats.Anomalies)
	}
}

func TestSettler_UntrustedClock_SettlesNothing(t *testing.T) {
	taps := &memTaps{}
	taps.add(tap("front", 1, "08:00"), tap("warehouse", 1, "16:30"))
	c := newTestClock(day.Add(48 * time.Hour))
	st := queuetest.Open(t, queue.Options{})
	trusted := false
	s := New(st, taps, Options{Device: "warehouse", Rules: rules, Settle: settle, Now: c.Now, Timers: c.timers,
		Trusted: func(time.Time) bool { return trusted }})
	if err := s.Pass(); err != nil {
		t.Fatal(err)
	}
	if n := len(records(t, st)); n != 0 {
		t.Fatalf("%d records with an untrusted clock", n)
	}
	trusted = true
	if err := s.Pass(); err != nil {
		t.Fatal(err)
	}
	if n := len(records(t, st)); n != 1 {
		t.Fatalf("%d records once trusted", n)
	}
}

func TestSettler_TapsUnreadable_RetriedNextPass(t *testing.T) {
	taps := &memTaps{err: errors.New("bucket gone")}
	taps.taps = []queue.SiteTap{tap("front", 1, "08:00"), tap("warehouse", 1, "16:30")}
	c := newTestClock(day.Add(48 * time.Hour))
	s, st := newSettler(t, "warehouse", taps, c)
	s.Kick(anna)
	if err := s.Pass(); err == nil || !strings.Contains(err.Error(), "bucket gone") {
		t.Fatalf("pass: %v", err)
	}
	if got := s.Status(); !strings.Contains(got.LastError, "bucket gone") {
		t.Errorf("status %+v", got)
	}
	taps.mu.Lock()
	taps.err = nil
	taps.mu.Unlock()
	if err := s.Pass(); err != nil {
		t.Fatal(err)
	}
	if n := len(records(t, st)); n != 1 {
		t.Fatalf("%d records after the retry", n)
	}
	if got := s.Status(); got.LastError != "" {
		t.Errorf("status %+v", got)
	}
}

// TestSettler_Run_KickAndPoll: Run settles at a Kick, and an entry waiting
// to settle at the poll after it is due, on the injected clock.
func TestSettler_Run_KickAndPoll(t *testing.T) {
	taps := &memTaps{}
	in, out := tap("front", 1, "08:00"), tap("warehouse", 1, "16:30")
	c := newTestClock(out.At)
	var mu sync.Mutex
	var appended []queue.Record
	st := queuetest.Open(t, queue.Options{})
	s := New(st, taps, Options{Device: "warehouse", Rules: rules, Settle: settle, Poll: time.Second, Now: c.Now, Timers: c.timers,
		Appended: func(rs []queue.Record) { mu.Lock(); appended = append(appended, rs...); mu.Unlock() }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, "ticker started", func() bool { return c.timers.Waiting() == 1 })
	taps.add(in, out)
	s.Kick(anna)
	waitFor(t, "entry waiting", func() bool { return s.Status().Waiting == 1 })
	c.Advance(settle)
	waitFor(t, "entry appended", func() bool { mu.Lock(); defer mu.Unlock(); return len(appended) > 0 })
	mu.Lock()
	defer mu.Unlock()
	if len(appended) != 1 || appended[0].SiteEntry != "front:1-warehouse:1" {
		t.Errorf("appended %+v", appended)
	}
	if got := s.Status(); got.Delivered != 1 || got.Waiting != 0 {
		t.Errorf("status %+v", got)
	}
}

// waitFor polls cond until it holds or 5s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitfor.Until(t, 5*time.Second, what, cond)
}
