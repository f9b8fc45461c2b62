package mqtt

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"stampclock/internal/waitfor"
	"stampclock/queue"
	"stampclock/queue/queuetest"
	"stampclock/uplink"
	"stampclock/uplink/mqtt/mqtttest"
)

const device = "term-1"

var base = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

// testLogger logs to the test's output only with -v and STAMPCLOCK_TEST_LOG set.
func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("STAMPCLOCK_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testRecord returns the i-th test record: punches, entries and events in turn.
func testRecord(i int) queue.Record {
	at := base.Add(time.Duration(i) * time.Minute)
	switch i % 3 {
	case 0:
		return queue.Record{Kind: queue.KindPunch, At: at, ClockSynced: true, UID: "04A1B2C3", Email: "maier@example.com", Action: queue.ActionStart}
	case 1:
		return queue.Record{Kind: queue.KindEntry, At: at, ClockSynced: true, UID: "04A1B2C3", Email: "maier@example.com",
			Start: at.Add(-8 * time.Hour), End: at, StartSeq: uint64(i), StopSeq: uint64(i + 1)}
	default:
		return queue.Record{Kind: queue.KindEvent, At: at, UID: "DEADBEEF", Event: queue.EventUnknownBadge, Detail: fmt.Sprintf("tap %d", i)}
	}
}

// newStore returns a store with n records queued for the "mqtt" uplink
// (and for "rest" too, when rest is set).
func newStore(t testing.TB, n int, uplinks ...queue.UplinkSpec) *queue.Store {
	t.Helper()
	if len(uplinks) == 0 {
		uplinks = []queue.UplinkSpec{{Name: "mqtt"}}
	}
	s := queuetest.Open(t, queue.Options{Uplinks: uplinks})
	appendRecords(t, s, 0, n)
	return s
}

func appendRecords(t testing.TB, s *queue.Store, from, n int) {
	t.Helper()
	for done := 0; done < n; {
		k := min(1000, n-done)
		_, err := s.Update(func(tx *queue.Tx) error {
			for i := 0; i < k; i++ {
				if _, err := tx.Append(testRecord(from + done + i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		done += k
	}
}

func pendingOf(t testing.TB, s *queue.Store, name string) uint64 {
	t.Helper()
	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range st.Uplinks {
		if u.Name == name {
			return u.Pending
		}
	}
	t.Fatalf("no uplink %s", name)
	return 0
}

// running is a client with its status loop and a runner draining a store.
type running struct {
	c      *Client
	r      *uplink.Runner
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func start(t testing.TB, s *queue.Store, o Options) *running {
	t.Helper()
	if o.DeviceID == "" {
		o.DeviceID = device
	}
	if o.Logger == nil {
		o.Logger = testLogger(t)
	}
	var r *uplink.Runner
	o.OnConnect = func() { r.Resume() }
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	// As the daemon does: a settled batch changes the pending count the
	// retained status shows.
	settled := func([]queue.Outcome) { c.StatusChanged() }
	r = uplink.NewRunner("mqtt", s, c, uplink.Options{Batch: DefaultBatch, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Idle: 50 * time.Millisecond, Settled: settled, Logger: o.Logger})
	ctx, cancel := context.WithCancel(context.Background())
	run := &running{c: c, r: r, cancel: cancel}
	run.wg.Add(2)
	go func() { defer run.wg.Done(); r.Run(ctx) }()
	go func() { defer run.wg.Done(); c.Run(ctx) }()
	t.Cleanup(run.stop)
	return run
}

func (r *running) stop() {
	r.cancel()
	r.wg.Wait()
}

func eventually(t testing.TB, timeout time.Duration, what string, ok func() bool) {
	t.Helper()
	waitfor.Until(t, timeout, what, ok)
}

// checkAllArrived checks that records 1..n arrived on their topics with
// their payloads, each at least once, and that every redelivery is the
// same message with the same idempotency key. It returns the number of
// redeliveries.
func checkAllArrived(t testing.TB, msgs []mqtttest.Message, n int) int {
	t.Helper()
	seen := make(map[uint64][]byte, n)
	dups := 0
	for _, m := range msgs {
		if m.Topic == "stampclock/"+device+"/status" || m.Topic == "stampclock/"+device+"/seen" {
			continue
		}
		var p Payload
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			t.Fatalf("payload on %s: %v: %s", m.Topic, err, m.Payload)
		}
		if m.Retain {
			t.Fatalf("record %d published retained", p.Seq)
		}
		if prev, ok := seen[p.Seq]; ok {
			if string(prev) != string(m.Payload) {
				t.Fatalf("seq %d redelivered differently:\n%s\n%s", p.Seq, prev, m.Payload)
			}
			dups++
			continue
		}
		seen[p.Seq] = m.Payload
		want := NewPayload(device, withSeq(testRecord(int(p.Seq)-1), p.Seq))
		wantTopic, _ := Topics{Prefix: "stampclock", Device: device}.Record(want.Kind)
		if m.Topic != wantTopic || p.IdempotencyKey != fmt.Sprintf("%s:%d", device, p.Seq) || p.Schema != SchemaVersion {
			t.Fatalf("seq %d on %s: %s; want topic %s", p.Seq, m.Topic, m.Payload, wantTopic)
		}
		wantJSON, _ := json.Marshal(want)
		if string(wantJSON) != string(m.Payload) {
			t.Fatalf("seq %d payload\n got %s\nwant %s", p.Seq, m.Payload, wantJSON)
		}
	}
	for i := 1; i <= n; i++ {
		if _, ok := seen[uint64(i)]; !ok {
			t.Fatalf("seq %d never arrived (%d of %d arrived)", i, len(seen), n)
		}
	}
	return dups
}

func withSeq(r queue.Record, seq uint64) queue.Record {
	r.Seq = seq
	return r
}

func countRecords(ms []mqtttest.Message) int {
	n := 0
	for _, m := range ms {
		if !m.Retain && !m.Will {
			n++
		}
	}
	return n
}

// refusedSpan waits for n more refused connection attempts than there are
// now and returns the time from the first of them to the n-th.
func refusedSpan(t testing.TB, refused func() int, n int) time.Duration {
	t.Helper()
	base := refused()
	eventually(t, 20*time.Second, "next refused attempt", func() bool { return refused() > base })
	first := time.Now()
	eventually(t, 60*time.Second, fmt.Sprintf("%d more refused attempts", n), func() bool { return refused() >= base+n })
	return time.Since(first)
}
