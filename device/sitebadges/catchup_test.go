package sitebadges

import (
	"fmt"
	"os"
	"testing"
	"time"

	"stampclock/queue"
	"stampclock/uplink/mqtt/mqtttest"
)

// A newcomer reads the whole site from the retained messages.
func TestSite_NewcomerReadsManyBadges(t *testing.T) {
	n := 300
	if os.Getenv("CI") != "" {
		n = 2000
	}
	b := mqtttest.Start(t, mqtttest.Options{})
	a := newTerminal(t, "door-a", b.URL(), nil)
	if _, err := a.store.Update(func(tx *queue.Tx) error {
		for i := range n {
			if err := tx.PutBadge(queue.Badge{UID: fmt.Sprintf("%08X", i), Email: fmt.Sprintf("e%d@example.com", i)}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "A published every badge", func() bool {
		st := a.sync.Status()
		return st.Badges == n && st.Pending == 0
	})
	start := time.Now()
	c := newTerminal(t, "door-c", b.URL(), nil)
	eventually(t, "the newcomer holds every badge", func() bool { return c.sync.Status().Badges == n })
	t.Logf("newcomer: %d badges in %v", n, time.Since(start))
	if e := c.email(fmt.Sprintf("%08X", n-1)); e != fmt.Sprintf("e%d@example.com", n-1) {
		t.Fatalf("last badge at the newcomer: %q", e)
	}
}
