package flowtly_test

import (
	"testing"
	"time"

	"stampclock/internal/fakehttp"
	"stampclock/queue"
	"stampclock/queue/queuetest"
	"stampclock/uplink"
	"stampclock/uplink/flowtly"
)

// Issue 17 item 2: two 30-minute shifts 02:10–02:40 CEST and 02:10–02:40
// CET on 2026-10-25 carry the same {start}, date and seconds. The second
// upload was dropped before storing; the reconcile lookup found the first
// shift's record and marked the second delivered: it never reached
// Flowtly. Identical local entries are counted, so the second is sent.
func TestReconcile_RepeatedHour_SecondShiftReachesFlowtly(t *testing.T) {
	for _, desc := range []string{"", flowtly.DescriptionNone} {
		t.Run("description="+desc, func(t *testing.T) {
			s := queuetest.Open(t, queue.Options{Uplinks: []queue.UplinkSpec{{Name: "flowtly", Kinds: []queue.Kind{queue.KindEntry}}}})
			srv, _, c, _ := setup(t, func(o *flowtly.Options) {
				o.Description = desc
				o.Twins = uplink.Twins{Ledger: s, Uplink: "flowtly"}
			})
			recs, err := s.Update(func(tx *queue.Tx) error {
				for _, r := range []queue.Record{
					{Kind: queue.KindEntry, Email: "anna@example.com", ClockSynced: true, StartSynced: true,
						Start: time.Date(2026, 10, 25, 0, 10, 0, 0, time.UTC), End: time.Date(2026, 10, 25, 0, 40, 0, 0, time.UTC)}, // CEST
					{Kind: queue.KindEntry, Email: "anna@example.com", ClockSynced: true, StartSynced: true,
						Start: time.Date(2026, 10, 25, 1, 10, 0, 0, time.UTC), End: time.Date(2026, 10, 25, 1, 40, 0, 0, time.UTC)}, // CET
				} {
					r.At = r.End
					if _, err := tx.Append(r); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			first, second := recs[0], recs[1]
			if _, err := s.Claim("flowtly", 2, time.Now()); err != nil {
				t.Fatal(err)
			}
			if err := c.Send(t.Context(), first, false); err != nil {
				t.Fatal(err)
			}
			srv.SetDown(fakehttp.DownClose)
			wantClass(t, c.Send(t.Context(), second, false), uplink.Uncertain)
			srv.SetDown(fakehttp.Up)
			if err := s.Settle("flowtly", []queue.Outcome{
				{Seq: first.Seq, Result: queue.Delivered},
				{Seq: second.Seq, Result: queue.MaybeSent},
			}, time.Now()); err != nil {
				t.Fatal(err)
			}
			if err := c.Send(t.Context(), second, true); err != nil {
				t.Fatal(err)
			}
			if n := len(srv.Records()); n != 2 {
				t.Fatalf("%d records on the server for two worked shifts, want 2", n)
			}
			before := srv.Requests()
			for _, r := range []queue.Record{first, second} {
				if err := c.Send(t.Context(), r, true); err != nil {
					t.Fatal(err)
				}
			}
			if n := len(srv.Records()); n != 2 {
				t.Fatalf("reconcile sent again: %d records (stats before %+v)", n, before)
			}
		})
	}
}

// Issue 17 item 9: the document calls date "Tidsstämpel för när arbetet
// skedde" but its example is "2024-07-04T00:00:00+00:00" for a 7.5-hour
// log. The default sends the local calendar date labelled +00:00; the
// other reading, the local midnight with its offset, is an option, and
// either is found again when a lost answer is reconciled.
func TestDate_CalendarByDefaultLocalMidnightAsOption(t *testing.T) {
	for _, tc := range []struct {
		local bool
		want  string
	}{{false, "2026-06-12T00:00:00+00:00"}, {true, "2026-06-12T00:00:00+02:00"}} {
		srv, _, c, _ := setup(t, func(o *flowtly.Options) { o.LocalMidnight = tc.local })
		rec := entry(1, "anna@example.com", "2026-06-12 00:30:00", "2026-06-12 08:00:00")
		srv.DropAfterStore(1)
		wantClass(t, c.Send(t.Context(), rec, false), uplink.Uncertain)
		if err := c.Send(t.Context(), rec, true); err != nil {
			t.Fatal(err)
		}
		recs := srv.Records()
		if len(recs) != 1 {
			t.Fatalf("local midnight %v: %d records, want 1", tc.local, len(recs))
		}
		if got := recs[0].Date; got != tc.want {
			t.Errorf("local midnight %v: date %q, want %q", tc.local, got, tc.want)
		}
	}
}
