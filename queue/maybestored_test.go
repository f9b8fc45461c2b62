package queue

import (
	"testing"
	"time"
)

// Issue 17 item 1: a record whose earlier attempt may have stored a part
// on the receiver is reconciled before it is sent again, whatever the route
// back to pending: a retried dead letter, a released hold, a restart.
func TestSettle_MaybeStoredReconcilesOnEveryRouteBack(t *testing.T) {
	routes := []struct {
		name   string
		result Result
		back   func(s *Store, seq uint64) error
	}{
		{"retry dead letter", Rejected, func(s *Store, seq uint64) error {
			_, err := s.RetryDead("rest", []uint64{seq}, t0)
			return err
		}},
		{"retry every dead letter", Rejected, func(s *Store, seq uint64) error {
			_, err := s.RetryDead("", nil, t0)
			return err
		}},
		{"release hold", Held, func(s *Store, seq uint64) error {
			_, err := s.Release("rest", []uint64{seq}, t0)
			return err
		}},
		{"retry later", RetryLater, func(*Store, uint64) error { return nil }},
	}
	for _, rt := range routes {
		t.Run(rt.name, func(t *testing.T) {
			s := openTest(t, UplinkSpec{Name: "rest"})
			recs := appendEntries(t, s, 1)
			seq := recs[0].Seq
			claims, err := s.Claim("rest", 10, t0)
			if err != nil || len(claims) != 1 || claims[0].Reconcile {
				t.Fatalf("first claim %+v %v", claims, err)
			}
			if err := s.Settle("rest", []Outcome{{Seq: seq, Result: rt.result, Msg: "1 of 2 reports delivered before this one failed", MaybeStored: true}}, t0); err != nil {
				t.Fatal(err)
			}
			if err := rt.back(s, seq); err != nil {
				t.Fatal(err)
			}
			claims, err = s.Claim("rest", 10, t0.Add(time.Minute))
			if err != nil || len(claims) != 1 {
				t.Fatalf("claim after %s: %+v %v", rt.name, claims, err)
			}
			if !claims[0].Reconcile {
				t.Fatalf("claim after %s: Reconcile false; a part may be on the receiver", rt.name)
			}
			// Still unsure after a restart while pending.
			if err := s.Settle("rest", []Outcome{{Seq: seq, Result: NotSent}}, t0); err != nil {
				t.Fatal(err)
			}
			path := s.Path()
			s.Close()
			s2, err := Open(path, Options{Uplinks: []UplinkSpec{{Name: "rest"}}})
			if err != nil {
				t.Fatal(err)
			}
			defer s2.Close()
			claims, err = s2.Claim("rest", 10, t0.Add(2*time.Minute))
			if err != nil || len(claims) != 1 || !claims[0].Reconcile {
				t.Fatalf("claim after restart: %+v %v; want Reconcile", claims, err)
			}
		})
	}
}

// A rejection of a record nothing of which can be on the receiver stays
// a plain resend after a retry: no lookup is needed.
func TestSettle_RejectedNothingStoredResendsWithoutReconcile(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "rest"})
	seq := appendEntries(t, s, 1)[0].Seq
	if _, err := s.Claim("rest", 10, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Settle("rest", []Outcome{{Seq: seq, Result: Rejected, Msg: "400"}}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RetryDead("rest", nil, t0); err != nil {
		t.Fatal(err)
	}
	claims, err := s.Claim("rest", 10, t0)
	if err != nil || len(claims) != 1 || claims[0].Reconcile {
		t.Fatalf("claims %+v %v; want one without Reconcile", claims, err)
	}
}

// A retried dead letter a part of which is on the receiver, held on its
// way (its day is locked) and released later, or held for an untrusted
// time and freed by the clock correction, is still reconciled.
func TestSettle_MaybeStoredSurvivesHoldReleaseAndCorrection(t *testing.T) {
	s := openTest(t, UplinkSpec{Name: "rest"})
	r := Record{Kind: KindEntry, Email: "a@x", Start: t0, End: t0.Add(time.Hour), At: t0.Add(time.Hour),
		Boot: "b1", Mono: 2 * time.Hour, StartSynced: true}
	seq := appendRecs(t, s, r)[0].Seq
	claim := func() Claim {
		t.Helper()
		cs, err := s.Claim("rest", 10, t0)
		if err != nil || len(cs) != 1 {
			t.Fatalf("claims %+v %v", cs, err)
		}
		return cs[0]
	}
	settle := func(o Outcome) {
		t.Helper()
		if err := s.Settle("rest", []Outcome{o}, t0); err != nil {
			t.Fatal(err)
		}
	}
	claim()
	settle(Outcome{Seq: seq, Result: Rejected, MaybeStored: true})
	if _, err := s.RetryDead("rest", nil, t0); err != nil {
		t.Fatal(err)
	}
	claim()
	settle(Outcome{Seq: seq, Result: Held, Msg: "2026-03-02 is locked"})
	if _, err := s.Release("rest", nil, t0); err != nil {
		t.Fatal(err)
	}
	if c := claim(); !c.Reconcile {
		t.Fatal("after hold and release: Reconcile false")
	}
	settle(Outcome{Seq: seq, Result: Held, Msg: "clock not synchronised"})
	if _, err := s.CorrectBoot("b1", t0.Add(3*time.Hour), 3*time.Hour); err != nil {
		t.Fatal(err)
	}
	if c := claim(); !c.Reconcile {
		t.Fatal("after the clock correction: Reconcile false")
	}
}
