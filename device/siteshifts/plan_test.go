package siteshifts

import (
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"stampclock/queue"
)

const settle = 2 * time.Minute

// apply applies a to a terminal's ledger as the Settler does, giving each
// record the next of *seq.
func apply(ledger map[string]queue.SiteEntry, a Actions, seq *uint64) {
	for _, e := range a.Retract {
		*seq++
		e.State, e.RetractSeq = queue.SiteRetracted, *seq
		ledger[e.ID] = e
	}
	for _, e := range a.Create {
		*seq++
		ledger[e.ID] = queue.SiteEntry{ID: e.ID, Email: anna, Kind: queue.KindEntry, Seq: *seq, State: queue.SiteDelivered, Start: e.Start.At, End: e.Stop.At}
	}
	for _, m := range a.Report {
		*seq++
		ledger[m.ID] = queue.SiteEntry{ID: m.ID, Email: anna, Kind: queue.KindEvent, Seq: *seq, State: queue.SiteDelivered, Start: m.Start.At}
	}
}

func TestPlan_StopOrigin_DeliversOnceSettled(t *testing.T) {
	in, out := tap("front", 1, "08:00"), tap("warehouse", 1, "16:30")
	res := Pair([]queue.SiteTap{in, out}, rules)
	if a := Plan(res, "front", nil, out.At.Add(time.Hour), settle); len(a.Create) != 0 || a.Waiting != 0 {
		t.Errorf("front (start origin) plans %+v", a)
	}
	a := Plan(res, "warehouse", nil, out.At.Add(settle-time.Second), settle)
	if len(a.Create) != 0 || a.Waiting != 1 || !a.Next.Equal(out.At.Add(settle)) {
		t.Errorf("before settle: %+v", a)
	}
	a = Plan(res, "warehouse", nil, out.At.Add(settle), settle)
	if got := ids(a.Create); !reflect.DeepEqual(got, []string{"front:1-warehouse:1"}) || a.Waiting != 0 {
		t.Fatalf("at settle: %+v", a)
	}
	ledger := map[string]queue.SiteEntry{}
	var seq uint64
	apply(ledger, a, &seq)
	if a := Plan(res, "warehouse", ledger, out.At.Add(time.Hour), settle); len(a.Create)+len(a.Retract)+len(a.Report) != 0 {
		t.Errorf("delivered again: %+v", a)
	}
}

// TestPlan_LateTapAfterDelivery_RetractAndRecreate is the issue's
// scenario: the warehouse was cut off while Anna tapped in at the front
// door at 08:00. At the warehouse she tapped at 12:00 (lunch) and 16:30.
// Alone, the warehouse paired 12:00–16:30 and delivered it. When the
// front door's 08:00 arrives the site's pairing is 08:00–12:00 (the
// warehouse's to deliver, its stop) and 16:30 starts a shift: the
// delivered 12:00–16:30 is retracted.
func TestPlan_LateTapAfterDelivery_RetractAndRecreate(t *testing.T) {
	in := tap("front", 1, "08:00")
	lunch, out := tap("warehouse", 1, "12:00"), tap("warehouse", 2, "16:30")
	ledger := map[string]queue.SiteEntry{}
	var seq uint64
	now := out.At.Add(settle)
	a := Plan(Pair([]queue.SiteTap{lunch, out}, rules), "warehouse", ledger, now, settle)
	if got := ids(a.Create); !reflect.DeepEqual(got, []string{"warehouse:1-warehouse:2"}) {
		t.Fatalf("split: %+v", a)
	}
	apply(ledger, a, &seq)

	now = now.Add(time.Hour) // the link is back: the 08:00 arrives
	a = Plan(Pair([]queue.SiteTap{out, in, lunch}, rules), "warehouse", ledger, now, settle)
	if len(a.Retract) != 1 || a.Retract[0].ID != "warehouse:1-warehouse:2" || a.Retract[0].Seq != 1 {
		t.Fatalf("retract %+v", a.Retract)
	}
	if got := ids(a.Create); !reflect.DeepEqual(got, []string{"front:1-warehouse:1"}) {
		t.Fatalf("create %v", got)
	}
	apply(ledger, a, &seq)
	if l := ledger["warehouse:1-warehouse:2"]; l.State != queue.SiteRetracted || l.RetractSeq != 2 {
		t.Errorf("ledger %+v", l)
	}
	// The front door delivers nothing: no stop of the pairing is its.
	if a := Plan(Pair([]queue.SiteTap{in, lunch, out}, rules), "front", nil, now, settle); len(a.Create)+len(a.Retract) != 0 {
		t.Errorf("front plans %+v", a)
	}
}

func TestPlan_MissingStop_ReportedByStartOrigin_RetractedWhenPairedAfterAll(t *testing.T) {
	start := tap("front", 1, "06:00")
	next := tap("front", 2, "06:00")
	next.At = next.At.Add(20 * time.Hour)
	now := next.At.Add(settle)
	ledger := map[string]queue.SiteEntry{}
	var seq uint64
	a := Plan(Pair([]queue.SiteTap{start, next}, rules), "front", ledger, now, settle)
	if len(a.Report) != 1 || a.Report[0].ID != "front:1-missing" || len(a.Create) != 0 {
		t.Fatalf("plan %+v", a)
	}
	apply(ledger, a, &seq)
	// The warehouse's stop at 14:00 arrives: it was a shift after all.
	stop := tap("warehouse", 1, "14:00")
	a = Plan(Pair([]queue.SiteTap{start, next, stop}, rules), "front", ledger, now, settle)
	if len(a.Retract) != 1 || a.Retract[0].ID != "front:1-missing" || len(a.Report) != 0 {
		t.Fatalf("plan %+v", a)
	}
}

func TestPlan_RetractedEntryPairedAgain_DeliveredAgain(t *testing.T) {
	in, out := tap("front", 1, "08:00"), tap("warehouse", 1, "16:30")
	ledger := map[string]queue.SiteEntry{"front:1-warehouse:1": {ID: "front:1-warehouse:1", Email: anna, Seq: 4, State: queue.SiteRetracted, RetractSeq: 9}}
	a := Plan(Pair([]queue.SiteTap{in, out}, rules), "warehouse", ledger, out.At.Add(settle), settle)
	if got := ids(a.Create); !reflect.DeepEqual(got, []string{"front:1-warehouse:1"}) || len(a.Retract) != 0 {
		t.Fatalf("plan %+v", a)
	}
}

// TestPlan_Property_SiteConverges: three terminals each see their own
// taps at once and their peers' late, in any order, one of them cut off
// for most of the run. Whatever each delivers and retracts on the way,
// once all know all taps and settle has passed, what is delivered and not
// retracted over the site is exactly the reference pairing of all taps,
// each entry once; no terminal delivers what another does.
func TestPlan_Property_SiteConverges(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	origins := []string{"a", "b", "c"}
	rounds := 60
	if os.Getenv("CI") != "" {
		rounds = 300
	}
	for round := range rounds {
		taps := randomTaps(rng, 5+rng.IntN(30))
		// arrival[o][i]: when terminal o learns tap i.
		arrive := map[string][]time.Time{}
		cutOff := origins[rng.IntN(3)]
		for _, o := range origins {
			for _, tp := range taps {
				at := tp.At
				if tp.Origin != o {
					at = at.Add(time.Duration(rng.IntN(3*3600)) * time.Second)
					if o == cutOff || tp.Origin == cutOff {
						at = at.Add(time.Duration(rng.IntN(48)) * time.Hour)
					}
				}
				arrive[o] = append(arrive[o], at)
			}
		}
		ledgers := map[string]map[string]queue.SiteEntry{}
		seqs := map[string]*uint64{}
		for _, o := range origins {
			ledgers[o] = map[string]queue.SiteEntry{}
			seqs[o] = new(uint64)
		}
		end := taps[len(taps)-1].At.Add(60 * time.Hour)
		for now := day; !now.After(end); now = now.Add(time.Duration(1+rng.IntN(90)) * time.Minute) {
			for _, o := range origins {
				var known []queue.SiteTap
				for i, tp := range taps {
					if !arrive[o][i].After(now) {
						known = append(known, tp)
					}
				}
				rng.Shuffle(len(known), func(i, j int) { known[i], known[j] = known[j], known[i] })
				apply(ledgers[o], Plan(Pair(known, rules), o, ledgers[o], now, settle), seqs[o])
			}
		}
		var got []string
		for _, o := range origins {
			a := Plan(Pair(taps, rules), o, ledgers[o], end, settle)
			if len(a.Create)+len(a.Retract)+len(a.Report)+a.Waiting != 0 {
				t.Fatalf("round %d: %s not done at the end: %+v", round, o, a)
			}
			for id, e := range ledgers[o] {
				if e.State == queue.SiteDelivered && e.Kind == queue.KindEntry {
					got = append(got, id)
				}
			}
		}
		want, _, _ := refPair(taps, rules)
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: site holds %v, want %v", round, got, want)
		}
	}
}
