package siteshifts_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"stampclock/device/clock"
	"stampclock/device/punch"
	"stampclock/device/siteshifts"
	"stampclock/internal/runnertest"
	"stampclock/queue"
	"stampclock/uplink"
	"stampclock/uplink/zeiterfassung"
	"stampclock/uplink/zeiterfassung/zeittest"
)

// known is one terminal's view of the site's taps: what reached it.
type known struct {
	mu   sync.Mutex
	taps []queue.SiteTap
}

func (k *known) add(ts ...queue.SiteTap) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.taps = append(k.taps, ts...)
}

func (k *known) SiteTaps(_ *queue.Tx, email string) ([]queue.SiteTap, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []queue.SiteTap
	for _, t := range k.taps {
		if strings.EqualFold(t.Email, email) {
			out = append(out, t)
		}
	}
	return out, nil
}

func (k *known) SiteTapEmails(*queue.Tx) ([]string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for _, t := range k.taps {
		if !slices.Contains(out, t.Email) {
			out = append(out, t.Email)
		}
	}
	return out, nil
}

// TestSite_SplitThenHealed_PayrollGetsTheEntriesOfAllTaps runs two
// terminals, each with its own queue, Settler and Zeiterfassung runner,
// against one server. Maier taps in at the front door at 08:00, out for
// lunch at the warehouse at 12:00, back in there at 12:30 and out at the
// front door at 16:30, while the two cannot reach each other. Each side
// delivers what its own taps say (08:00–16:30 from the front door,
// 12:00–12:30 from the warehouse). When the taps are exchanged, both
// retract theirs (one DELETE answer is lost; sent again by its id, it finds
// the entry gone) and the server ends with
// exactly the entries of all taps: 08:00–12:00 and 12:30–16:30.
func TestSite_SplitThenHealed_PayrollGetsTheEntriesOfAllTaps(t *testing.T) {
	const maier = "maier@example.com"
	srv, ts := zeittest.Start(t, zeittest.Options{Users: []string{maier}})
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := func(h, m int) time.Time { return time.Date(2026, 3, 2, h-1, m, 0, 0, time.UTC) } // CET wall clock
	tp := func(origin string, seq uint64, h, m int) queue.SiteTap {
		return queue.SiteTap{Origin: origin, Seq: seq, At: at(h, m), Email: maier, UID: "04A1"}
	}
	in, back := tp("front", 1, 8, 0), tp("warehouse", 2, 12, 30)
	lunch, out := tp("warehouse", 1, 12, 0), tp("front", 2, 16, 30)

	timers := clock.NewManualTimers(at(17, 0))
	var mu sync.Mutex
	now := at(17, 0)
	clockNow := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }

	type terminal struct {
		taps    *known
		h       *runnertest.Harness
		settler *siteshifts.Settler
	}
	terminals := map[string]*terminal{}
	for _, name := range []string{"front", "warehouse"} {
		term := &terminal{taps: &known{}, h: runnertest.Open(t)}
		c, err := zeiterfassung.New(zeiterfassung.Options{
			BaseURL: ts.URL, Email: zeittest.DefaultEmail, Password: zeittest.DefaultPassword, TimeTypeID: "arbeitszeit",
			Location: berlin, Timeout: 2 * time.Second, Twins: uplink.Twins{Ledger: term.h.Store, Uplink: runnertest.Name},
		})
		if err != nil {
			t.Fatal(err)
		}
		term.h.Run(c, nil)
		term.settler = siteshifts.New(term.h.Store, term.taps, siteshifts.Options{
			Device: name, Rules: punch.DefaultRules, Settle: 2 * time.Minute, Now: clockNow, Timers: timers,
			Appended: func([]queue.Record) { term.h.Runner.Wake() },
		})
		terminals[name] = term
	}
	front, warehouse := terminals["front"], terminals["warehouse"]
	front.taps.add(in, out)
	warehouse.taps.add(lunch, back)
	settleAll := func(n uint64) {
		t.Helper()
		for name, term := range terminals {
			if err := term.settler.Pass(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		for _, term := range terminals {
			term.h.WaitDelivered(t, n, 5*time.Second)
		}
	}
	settleAll(1)
	if got := walls(srv.Entries()); !slices.Equal(got, []string{"2026-03-02T08:00:00–2026-03-02T16:30:00", "2026-03-02T12:00:00–2026-03-02T12:30:00"}) {
		t.Fatalf("during the split the server holds %v", got)
	}

	// Healed: the taps are exchanged an hour later.
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	srv.DropAfterDelete(1)
	front.taps.add(lunch, back)
	warehouse.taps.add(in, out)
	front.settler.Kick(maier)
	warehouse.settler.Kick(maier)
	settleAll(3) // each: its wrong entry, the retraction, the right entry
	want := []string{"2026-03-02T08:00:00–2026-03-02T12:00:00", "2026-03-02T12:30:00–2026-03-02T16:30:00"}
	if got := walls(srv.Entries()); !slices.Equal(got, want) {
		t.Fatalf("healed, the server holds %v, want %v", got, want)
	}
	// The delete whose answer was lost is sent again by the id its
	// entry's create was given: 404, gone already.
	if st := srv.Requests(); st.Deleted != 2 || st.Deletes != 3 {
		t.Errorf("server stats %+v: want two entries deleted, in three deletes (one sent again by its id)", st)
	}
	for name, term := range terminals {
		if st := term.settler.Status(); st.Delivered != 1 || st.Retracted != 1 || st.Waiting != 0 {
			t.Errorf("%s: status %+v", name, st)
		}
	}
}

func walls(es []zeittest.Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.StartTime+"–"+e.EndTime)
	}
	slices.Sort(out)
	return out
}
