package zeiterfassung_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	fake "stampclock/apifake/zeiterfassung"
	"stampclock/internal/runnertest"
	"stampclock/queue"
	"stampclock/uplink"
	"stampclock/uplink/zeiterfassung"
	"stampclock/uplink/zeiterfassung/zeittest"
)

// Retractions (queue.KindRetract) run against both fakes: zeittest and
// the second reading apifake/zeiterfassung. rServer is what a scenario
// needs of either.
type rServer struct {
	user string
	// client returns a client of the server using ledger for its twins.
	client func(t *testing.T, ledger uplink.Ledger) *zeiterfassung.Client
	// dropDeleteAnswers makes the next n deletes happen without an answer.
	dropDeleteAnswers func(n int)
	// failCreates answers the next n creates 503, storing nothing.
	failCreates func(n int)
	walls       func() []wall // the stored entries' wall times, sorted
	deletes     func() int    // DELETE requests the server handled
}

func rServers(t *testing.T) map[string]func(t *testing.T) rServer {
	return map[string]func(t *testing.T) rServer{
		"zeittest": func(t *testing.T) rServer {
			srv, ts := startServer(t)
			return rServer{
				user: maier,
				client: func(t *testing.T, l uplink.Ledger) *zeiterfassung.Client {
					return newClient(t, ts.URL, func(o *zeiterfassung.Options) { o.Twins = uplink.Twins{Ledger: l, Uplink: runnertest.Name} })
				},
				dropDeleteAnswers: srv.DropAfterDelete,
				failCreates:       func(n int) { srv.FailCreates(n, zeittest.Fault{Status: http.StatusServiceUnavailable}) },
				walls:             func() []wall { return sortedWalls(walls(srv.Entries())) },
				deletes:           func() int { return srv.Requests().Deletes },
			}
		},
		"apifake": func(t *testing.T) rServer {
			f := srFake(t, nil)
			return rServer{
				user: srMaier,
				client: func(t *testing.T, l uplink.Ledger) *zeiterfassung.Client {
					return srClient(t, f, func(o *zeiterfassung.Options) { o.Twins = uplink.Twins{Ledger: l, Uplink: runnertest.Name} })
				},
				dropDeleteAnswers: func(n int) { f.DropAnswers(fake.RouteDelete, n) },
				failCreates:       func(n int) { f.FailNext(fake.RouteCreate, n, http.StatusServiceUnavailable) },
				walls: func() []wall {
					var w []wall
					for _, e := range f.Entries() {
						w = append(w, wall{e.StartTime, e.EndTime})
					}
					return sortedWalls(w)
				},
				deletes: func() int {
					n := 0
					for _, r := range f.Requests() {
						if r.Method == http.MethodDelete && r.Handled {
							n++
						}
					}
					return n
				},
			}
		},
	}
}

func sortedWalls(w []wall) []wall {
	slices.SortFunc(w, func(a, b wall) int {
		if a.start != b.start {
			if a.start < b.start {
				return -1
			}
			return 1
		}
		if a.end < b.end {
			return -1
		}
		if a.end > b.end {
			return 1
		}
		return 0
	})
	return w
}

// startRetract starts a runner delivering to srv's client, its twins
// counted in the runner's own store.
func startRetract(t *testing.T, srv rServer) *runnertest.Harness {
	h := runnertest.Open(t)
	h.Run(srv.client(t, h.Store), nil)
	return h
}

// commit appends recs in one transaction, as the settler does, and wakes
// the runner; it returns them with their seqs.
func commit(t *testing.T, h *runnertest.Harness, recs ...queue.Record) []queue.Record {
	t.Helper()
	out, err := h.Store.Update(func(tx *queue.Tx) error {
		for _, r := range recs {
			if _, err := tx.Append(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	h.Runner.Wake()
	return out
}

func rEntry(user, start, end string) queue.Record {
	e := utc(end)
	return queue.Record{Kind: queue.KindEntry, At: e, ClockSynced: true, StartSynced: true, Email: user, Start: utc(start), End: e}
}

// retractionOf is the retraction of entry e (seq given) as the settler
// writes it.
func retractionOf(e queue.Record, seq uint64) queue.Record {
	return queue.Record{Kind: queue.KindRetract, At: e.End.Add(time.Hour), ClockSynced: true, Email: e.Email,
		Start: e.Start, End: e.End, Retracts: seq, SiteEntry: "w:1-w:2", Detail: "taps that arrived late changed the site's pairing"}
}

// The scenario at the server: the warehouse delivered 12:00–16:30
// during the split; once healed it retracts it and delivers 08:00–12:00.
// The answer to the DELETE is lost: the next attempt looks again, finds
// nothing and is done, without a second DELETE.
func TestRetract_LostDeleteAnswer_DeletedOnce_NewEntryStays(t *testing.T) {
	for name, start := range rServers(t) {
		t.Run(name, func(t *testing.T) {
			srv := start(t)
			h := startRetract(t, srv)
			wrong := commit(t, h, rEntry(srv.user, "2026-03-02T11:00:00Z", "2026-03-02T15:30:00Z"))[0]
			h.WaitDelivered(t, 1, 5*time.Second)
			if got := srv.walls(); !slices.Equal(got, []wall{{"2026-03-02T12:00:00", "2026-03-02T16:30:00"}}) {
				t.Fatalf("before: %v", got)
			}
			srv.dropDeleteAnswers(1)
			commit(t, h, retractionOf(wrong, wrong.Seq), rEntry(srv.user, "2026-03-02T07:00:00Z", "2026-03-02T11:00:00Z"))
			h.WaitDelivered(t, 3, 5*time.Second)
			if got := srv.walls(); !slices.Equal(got, []wall{{"2026-03-02T08:00:00", "2026-03-02T12:00:00"}}) {
				t.Errorf("after: %v", got)
			}
			if n := srv.deletes(); n != 1 {
				t.Errorf("%d deletes, want 1", n)
			}
		})
	}
}

// Two identical entries of this terminal are on the server (the repeated
// hour at the end of summer time). One is retracted and the answer to its
// DELETE is lost: the next attempt must not take the twin that stays.
func TestRetract_Twin_NeverDeleted(t *testing.T) {
	for name, start := range rServers(t) {
		t.Run(name, func(t *testing.T) {
			srv := start(t)
			h := startRetract(t, srv)
			recs := commit(t, h,
				rEntry(srv.user, "2026-10-25T00:10:00Z", "2026-10-25T00:40:00Z"), // 02:10–02:40 CEST
				rEntry(srv.user, "2026-10-25T01:10:00Z", "2026-10-25T01:40:00Z"), // 02:10–02:40 CET
			)
			h.WaitDelivered(t, 2, 5*time.Second)
			if n := len(srv.walls()); n != 2 {
				t.Fatalf("%d entries before", n)
			}
			srv.dropDeleteAnswers(1)
			commit(t, h, retractionOf(recs[1], recs[1].Seq))
			h.WaitDelivered(t, 3, 5*time.Second)
			if got := srv.walls(); !slices.Equal(got, []wall{{"2026-10-25T02:10:00", "2026-10-25T02:40:00"}}) {
				t.Errorf("after: %v, want the twin kept", got)
			}
			if n := srv.deletes(); n != 1 {
				t.Errorf("%d deletes, want 1", n)
			}
		})
	}
}

// An entry and its retraction queued together (the entry's create fails
// once): the runner keeps the employee's order, so the retraction finds
// the entry it withdraws and the server ends with the right one only.
func TestRetract_QueuedWithItsEntry_DeliveredAfterIt(t *testing.T) {
	for name, start := range rServers(t) {
		t.Run(name, func(t *testing.T) {
			srv := start(t)
			srv.failCreates(1)
			wrong := rEntry(srv.user, "2026-03-02T11:00:00Z", "2026-03-02T15:30:00Z")
			h := runnertest.Open(t, wrong, retractionOf(wrong, 1), rEntry(srv.user, "2026-03-02T07:00:00Z", "2026-03-02T11:00:00Z"))
			h.Run(srv.client(t, h.Store), nil)
			h.WaitDelivered(t, 3, 5*time.Second)
			if got := srv.walls(); !slices.Equal(got, []wall{{"2026-03-02T08:00:00", "2026-03-02T12:00:00"}}) {
				t.Errorf("after: %v", got)
			}
			if n := srv.deletes(); n != 1 {
				t.Errorf("%d deletes, want 1", n)
			}
		})
	}
}

// A retraction of an entry the server does not hold (deleted by hand) is
// done without a DELETE; one of a missing stop has nothing to remove.
func TestRetract_NotOnServer_Done(t *testing.T) {
	for name, start := range rServers(t) {
		t.Run(name, func(t *testing.T) {
			srv := start(t)
			h := startRetract(t, srv)
			gone := rEntry(srv.user, "2026-03-02T07:00:00Z", "2026-03-02T11:00:00Z")
			missing := queue.Record{Kind: queue.KindRetract, At: gone.End, ClockSynced: true, Email: srv.user, Start: gone.Start, Retracts: 7}
			commit(t, h, retractionOf(gone, 5), missing)
			h.WaitDelivered(t, 2, 5*time.Second)
			if n := srv.deletes(); n != 0 {
				t.Errorf("%d deletes, want 0", n)
			}
		})
	}
}

// The fleet's case: door-06 delivered a site entry, then learned of an
// earlier stop at door-14 and retracts it, while door-14 delivers the
// replacement, identical on the server's minute clock. The answer to the
// retraction's DELETE is lost. Sent again, the retraction deletes by the
// id its entry's create was given and finds it gone: the replacement,
// which a look-up cannot tell from the withdrawn entry, stays.
func TestRetract_SiteEntry_LostDeleteAnswer_IdenticalReplacementStays(t *testing.T) {
	for name, start := range rServers(t) {
		t.Run(name, func(t *testing.T) {
			srv := start(t)
			h := startRetract(t, srv)
			wrong := rEntry(srv.user, "2026-11-30T06:59:55Z", "2026-11-30T16:07:39Z")
			wrong.SiteEntry = "door-10:2-door-06:3"
			wrong = commit(t, h, wrong)[0]
			h.WaitDelivered(t, 1, 5*time.Second)
			replacement := rEntry(srv.user, "2026-11-30T06:59:55Z", "2026-11-30T16:07:30Z")
			replacement.Seq, replacement.SiteEntry = 41, "door-10:2-door-14:5"
			if err := srv.client(t, nil).Send(context.Background(), replacement, false); err != nil {
				t.Fatalf("door-14's entry: %v", err)
			}
			same := wall{"2026-11-30T07:59:00", "2026-11-30T17:07:00"}
			if got := srv.walls(); !slices.Equal(got, []wall{same, same}) {
				t.Fatalf("before: %v", got)
			}
			srv.dropDeleteAnswers(1)
			r := retractionOf(wrong, wrong.Seq)
			r.SiteEntry = wrong.SiteEntry
			commit(t, h, r)
			h.WaitDelivered(t, 2, 5*time.Second)
			if got := srv.walls(); !slices.Equal(got, []wall{same}) {
				t.Errorf("after: %v, want door-14's entry kept", got)
			}
		})
	}
}

// The fleet's other case: door-01 paired a start with its own repeat tap
// and wrote an entry, then learned of door-06's stop in the same minute
// and withdrew it before it was sent (the check before sending sees the
// retraction), while door-06 delivered the right entry, identical on the
// server's minute clock. The retraction has nothing to remove: it must
// not look up and delete door-06's entry.
func TestRetract_EntryWithdrawnBeforeSent_IdenticalReplacementStays(t *testing.T) {
	for name, start := range rServers(t) {
		t.Run(name, func(t *testing.T) {
			srv := start(t)
			replacement := rEntry(srv.user, "2026-12-04T04:40:55Z", "2026-12-04T11:46:38Z")
			replacement.Seq, replacement.SiteEntry = 41, "door-06:6-door-06:9"
			if err := srv.client(t, nil).Send(context.Background(), replacement, false); err != nil {
				t.Fatalf("door-06's entry: %v", err)
			}
			wrong := rEntry(srv.user, "2026-12-04T04:40:55Z", "2026-12-04T11:46:59Z")
			wrong.SiteEntry = "door-06:6-door-01:8"
			r := retractionOf(wrong, 1)
			r.SiteEntry = wrong.SiteEntry
			h := runnertest.Open(t, wrong, r)
			// As the daemon's check: an entry a retraction withdrew is not sent.
			withdrawn := func(_ context.Context, rec queue.Record) error {
				if rec.Kind != queue.KindEntry {
					return nil
				}
				if by, err := h.Store.Retraction(rec.Seq); err != nil || by != 0 {
					return &uplink.Error{Class: uplink.Withdrawn, Msg: "withdrawn", Err: err}
				}
				return nil
			}
			h.Run(srv.client(t, h.Store), withdrawn)
			h.Wait(t, 5*time.Second, "the entry withdrawn and its retraction done", func(st queue.UplinkStats) bool {
				return st.Withdrawn == 1 && st.Delivered == 1
			})
			same := wall{"2026-12-04T05:40:00", "2026-12-04T12:46:00"}
			if got := srv.walls(); !slices.Equal(got, []wall{same}) {
				t.Errorf("after: %v, want door-06's entry kept", got)
			}
			if n := srv.deletes(); n != 0 {
				t.Errorf("%d deletes, want 0", n)
			}
		})
	}
}
