package queue

import (
	"path/filepath"
	"testing"
	"time"
)

// openAt opens the store at path with uplinks; the test's end closes and
// checks it.
func openAt(t *testing.T, path string, uplinks ...UplinkSpec) *Store {
	t.Helper()
	s, err := Open(path, Options{Uplinks: uplinks})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { checkClosed(t, s) })
	return s
}

// A technician removes (or renames) an uplink while entries wait for it:
// the entries must neither vanish from status and `queue list` nor be
// pruned once the uplinks still configured have confirmed them. Before,
// the store only looked at the configured uplinks: status showed pending
// 0, `queue list` "queue empty", and the prune deleted the entry 30 days
// after MQTT confirmed it.
func TestUnconfiguredUplink_RecordsKeptAndShown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	old := t0.Add(-60 * 24 * time.Hour)
	both := []UplinkSpec{{Name: "zeiterfassung", Kinds: []Kind{KindEntry}}, {Name: "mqtt"}}
	s := openAt(t, path, both...)
	if _, err := s.Update(func(tx *Tx) error {
		_, err := tx.Append(Record{Kind: KindEntry, At: old, ClockSynced: true, StartSynced: true})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	s.Claim("mqtt", 10, t0)
	if err := s.Settle("mqtt", []Outcome{{Seq: 1, Result: Delivered}}, old); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name    string
		uplinks []UplinkSpec
	}{
		{"zeiterfassung removed, mqtt kept", both[1:]},
		{"no uplink left", nil},
		{"replaced by another", []UplinkSpec{{Name: "webhook"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openAt(t, path, tc.uplinks...)
			if n, err := s.Prune(t0, 100); err != nil || n != 0 {
				t.Fatalf("pruned %d, %v; want 0: zeiterfassung never confirmed it", n, err)
			}
			st, err := s.Stats()
			if err != nil {
				t.Fatal(err)
			}
			var got *UplinkStats
			for i := range st.Uplinks {
				if st.Uplinks[i].Name == "zeiterfassung" {
					got = &st.Uplinks[i]
				}
			}
			if got == nil || !got.Unconfigured || got.Pending != 1 {
				t.Fatalf("stats uplinks = %+v; want zeiterfassung unconfigured with pending 1", st.Uplinks)
			}
			for _, filter := range []string{"", "zeiterfassung"} {
				items, err := s.Queued(filter, "", 0, 10)
				if err != nil || len(items) != 1 || items[0].Uplink != "zeiterfassung" || items[0].Record.Seq != 1 {
					t.Fatalf("Queued(%q) = %+v, %v; want seq 1 pending for zeiterfassung", filter, items, err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}

	// Configured again, it delivers; then the record may go.
	s = openAt(t, path, both...)
	if c, err := s.Claim("zeiterfassung", 10, t0); err != nil || len(c) != 1 {
		t.Fatalf("claim after configuring again = %+v, %v; want seq 1", c, err)
	}
	if err := s.Settle("zeiterfassung", []Outcome{{Seq: 1, Result: Delivered}}, old); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Prune(t0, 100); err != nil || n != 1 {
		t.Fatalf("delivered everywhere: pruned %d, %v; want 1", n, err)
	}
	if st, _ := s.Stats(); len(st.Uplinks) != 2 {
		t.Fatalf("stats uplinks = %+v; want only the two configured", st.Uplinks)
	}
}

// An uplink removed after it confirmed everything is not shown.
func TestUnconfiguredUplink_AllDone_NotShown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	s := openAt(t, path, UplinkSpec{Name: "webhook"})
	if _, err := s.Update(func(tx *Tx) error {
		_, err := tx.Append(Record{Kind: KindPunch, At: t0, ClockSynced: true})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	s.Claim("webhook", 10, t0)
	if err := s.Settle("webhook", []Outcome{{Seq: 1, Result: Delivered}}, t0); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openAt(t, path)
	if st, _ := s.Stats(); len(st.Uplinks) != 0 {
		t.Fatalf("stats uplinks = %+v; want none", st.Uplinks)
	}
}
