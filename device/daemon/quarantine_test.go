package daemon

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"stampclock/device/control"
	"stampclock/queue"
	"stampclock/queue/queuetest"
	"stampclock/uplink/zeiterfassung/zeittest"
)

// damageInFile turns `{"seq":N,"kind":` into `{"seq":N,"kind";` in the
// store file itself, in every copy (old copies linger in free pages).
func damageInFile(t *testing.T, path string, seq int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	good := []byte(`{"seq":` + strconv.Itoa(seq) + `,"kind":`)
	if !bytes.Contains(data, good) {
		t.Fatalf("record %d not in %s", seq, path)
	}
	bad := append(append([]byte(nil), good[:len(good)-1]...), ';')
	if err := os.WriteFile(path, bytes.ReplaceAll(data, good, bad), 0o640); err != nil {
		t.Fatal(err)
	}
}

// Issue 11, defect 3: one entry whose JSON is damaged must not block
// delivery for everyone. It is quarantined (kept byte for byte, listed with
// its seq and error, counted in status, raised as an alarm and an event);
// the other entries are delivered; queue list and export keep working.
// The record check after start or the uplink's claim finds it, whichever
// comes first.
func TestDaemon_DamagedRecord_QuarantinedOthersDelivered(t *testing.T) {
	for _, checked := range []bool{true, false} {
		name := "without the start-up page check"
		if checked {
			name = "with the start-up page check"
		}
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			h.zs.SetDown(zeittest.DownClose)
			cfg := h.config("")
			h.start(cfg)
			h.tap("04A1B2C3", "2026-06-01T07:00:00Z")      // seq 1
			r := h.tap("04A1B2C3", "2026-06-01T15:00:00Z") // seq 2 stop, 3 entry
			h.tap("0455667788AABB", "2026-06-01T08:00:00Z")
			h.tap("0455667788AABB", "2026-06-01T16:00:00Z") // seq 6 entry
			h.stop()
			if len(r.Seqs) != 2 || r.Seqs[1] != 3 {
				t.Fatalf("maier's stop made seqs %v, want the entry at seq 3", r.Seqs)
			}
			damageInFile(t, cfg.Store.Path, 3)

			h.zs.SetDown(zeittest.Up)
			opts := Options{HealthPoll: 10 * time.Millisecond}
			if checked {
				opts.CheckStore = checkFile
			}
			addr := freeAddr(t)
			h.startWith(h.config(fmt.Sprintf("[metrics]\nlisten = %q\n", addr)), opts)
			h.eventually("huber's entry delivered", func() bool { return h.status().QueueDepth.Delivered == 1 })
			if got := entryLines(h.zs.Entries()); len(got) != 1 || !strings.HasPrefix(got[0], huber) {
				t.Fatalf("server entries = %v, want huber's only", got)
			}
			h.eventually("quarantine alarm", func() bool { return h.status().QuarantineAlarm != "" })
			st := h.status()
			if st.QueueDepth.Quarantined != 1 || st.QueueDepth.Pending != 0 || st.Queue.Quarantined != 1 {
				t.Fatalf("status queue depth = %+v, quarantined %d", st.QueueDepth, st.Queue.Quarantined)
			}
			if got := value(t, scrape(t, addr), "stampclock_queue_records", "uplink", "zeiterfassung", "state", "quarantined"); got != 1 {
				t.Fatalf("quarantined metric = %v, want 1", got)
			}
			var q []queue.Quarantine
			if err := control.Call(context.Background(), h.socket, "queue.quarantine", nil, &q); err != nil {
				t.Fatal(err)
			}
			if len(q) != 1 || q[0].Seq != 3 || !strings.Contains(q[0].Error, "invalid character") || !bytes.HasPrefix(q[0].Raw, []byte(`{"seq":3,"kind";"entry"`)) {
				t.Fatalf("quarantine = %+v", q)
			}
			var items []queue.Item
			if err := control.Call(context.Background(), h.socket, "queue.list", ListArgs{}, &items); err != nil {
				t.Fatalf("queue list: %v", err)
			}
			if len(items) != 1 || items[0].Record.Seq != 3 || items[0].State != "quarantined" {
				t.Fatalf("queue list = %+v", items)
			}
			var events []string
			h.eventually("event raised", func() bool {
				var page ExportPage
				if err := control.Call(context.Background(), h.socket, "queue.export", ExportArgs{}, &page); err != nil {
					t.Fatalf("export: %v", err)
				}
				events = events[:0]
				for _, r := range page.Records {
					if r.Kind == queue.KindEvent {
						events = append(events, r.Event+": "+r.Detail)
					}
				}
				return len(events) > 0
			})
			if len(events) != 1 || !strings.HasPrefix(events[0], queue.EventRecordQuarantined) || !strings.Contains(events[0], "seq 3") {
				t.Fatalf("events = %q, want one %s naming seq 3", events, queue.EventRecordQuarantined)
			}
			// The event is raised once, not again at the next start.
			h.stop()
			h.startWith(h.config(""), opts)
			h.eventually("alarm still shown after restart", func() bool { return h.status().QuarantineAlarm != "" })
			h.stop()
			s := queuetest.OpenPath(t, cfg.Store.Path, queue.Options{})
			evs, _ := s.Records(0, 100, func(r queue.Record) bool { return r.Event == queue.EventRecordQuarantined })
			if len(evs) != 1 {
				t.Fatalf("%d %s events after a restart, want 1", len(evs), queue.EventRecordQuarantined)
			}
		})
	}
}

// The record check after start finds a damaged record that no uplink will
// ever claim (a punch, next to an entries-only uplink).
func TestDaemon_DamagedRecordNoUplinkClaims_FoundByRecordCheck(t *testing.T) {
	h := newHarness(t)
	cfg := h.config("")
	h.start(cfg)
	h.tap("04A1B2C3", "2026-06-01T07:00:00Z") // seq 1: a punch
	h.stop()
	damageInFile(t, cfg.Store.Path, 1)
	h.startWith(h.config(""), Options{HealthPoll: 10 * time.Millisecond})
	h.eventually("quarantine alarm", func() bool { return h.status().QuarantineAlarm != "" })
	var q []queue.Quarantine
	if err := control.Call(context.Background(), h.socket, "queue.quarantine", nil, &q); err != nil || len(q) != 1 || q[0].Seq != 1 {
		t.Fatalf("quarantine = %+v, %v", q, err)
	}
}
