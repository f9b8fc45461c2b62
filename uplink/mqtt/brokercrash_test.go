package mqtt

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// What a PUBACK is worth when the broker itself is killed: records it
// confirmed and then lost with its in-memory state. mosquitto with
// persistence and its default autosave (every 1,800 s) loses everything it
// confirmed since the last save; saving on every change (the README's
// recommendation) loses at most what one pass of its event loop confirmed,
// bounded by the in-flight window. A persistent-session consumer is
// offline throughout, so the broker must keep every record for it.
func TestMosquitto_KilledAfterPUBACK_WhatTheConsumerStillGets(t *testing.T) {
	const n = 500
	const window = 256
	for _, tc := range []struct {
		name, conf string
		maxLost    int
		minLost    int
	}{
		{"default_autosave", "autosave_interval 1800\n", n, n},
		{"autosave_on_changes", "autosave_on_changes true\nautosave_interval 1\n", window, 0},
		{"autosave_every_100_changes", "autosave_on_changes true\nautosave_interval 100\n", 100 + window, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			m := startMosquitto(t, fmt.Sprintf("persistence true\npersistence_location %s/\nmax_queued_messages 0\n%s", dir, tc.conf))
			k := newConsumer(t, m.URL(), false)
			k.offline()
			m.Save() // the consumer's session is on disk before any record
			eventually(t, 10*time.Second, "mosquitto's persistence file", func() bool {
				_, err := os.Stat(filepath.Join(dir, "mosquitto.db"))
				return err == nil
			})
			s := newStore(t, n)
			t0 := time.Now()
			run := start(t, s, Options{URLs: []string{m.URL()}, StatusInterval: time.Hour})
			eventually(t, 30*time.Second, "all confirmed by PUBACK", func() bool { return pendingOf(t, s, "mqtt") == 0 })
			took := time.Since(t0)
			m.Kill()
			run.stop()
			m.Start()
			k.connect()
			k.drain()
			lost := n - k.distinct()
			t.Logf("mosquitto %s: %d records confirmed in %s; killed right after the last PUBACK: %d lost", tc.name, n, took.Round(time.Millisecond), lost)
			if lost < tc.minLost || lost > tc.maxLost {
				t.Fatalf("lost %d, want %d to %d", lost, tc.minLost, tc.maxLost)
			}
		})
	}
}
