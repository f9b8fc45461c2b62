package sitebadges

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"stampclock/device/clock"
	"stampclock/internal/mqttopts"
	"stampclock/queue"
)

// The poll that finds local changes ticks on the injected timers: an
// enrolment made between two polls an hour apart is found when the hour is
// up, in no wall time. (The broker is away: nothing else starts a look.)
func TestRun_PollOnInjectedTimers_FindsLocalChangeWhenDue(t *testing.T) {
	st, err := queue.Open(filepath.Join(t.TempDir(), "queue.db"), queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	enrol := func(uid, email string) {
		t.Helper()
		if _, err := st.Update(func(tx *queue.Tx) error { return tx.PutBadge(queue.Badge{UID: uid, Email: email}) }); err != nil {
			t.Fatal(err)
		}
	}
	enrol("04A1B2C3", "anna@example.com")
	timers := clock.NewManualTimers(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	s, err := New(st, Options{
		Site: "hq", DeviceID: "door-b", Poll: time.Hour, Timers: timers,
		Conn: mqttopts.Conn{Account: mqttopts.Account{URLs: []string{"tcp://127.0.0.1:1"}}, Reconnect: 50 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	eventually(t, "the first look's enrolment pending", func() bool { return s.Status().Pending == 1 })
	enrol("0455667788AABB", "max@example.com")
	timers.Advance(59 * time.Minute)
	if n := s.Status().Pending; n != 1 {
		t.Fatalf("%d pending 59m into an hour's poll, want 1", n)
	}
	timers.Advance(time.Minute)
	eventually(t, "the second enrolment found by the poll an hour on", func() bool { return s.Status().Pending == 2 })
}
