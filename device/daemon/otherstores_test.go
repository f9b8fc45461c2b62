package daemon

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"stampclock/device/config"
	"stampclock/queue"
	"stampclock/queue/queuetest"
)

// store.path is changed by mistake (a typo) while the old store holds a
// waiting punch: stampd starts with a new store, and says that another
// store lies beside it, in the log and in status. Before, status simply
// showed an empty queue.
func TestStart_NewStoreBesideAnOldOne_Named(t *testing.T) {
	h := newHarness(t)
	old := filepath.Join(h.dir, "queue.db")
	s := queuetest.OpenPath(t, old, queue.Options{Uplinks: []queue.UplinkSpec{{Name: "zeiterfassung"}}})
	if _, err := s.Update(func(tx *queue.Tx) error {
		_, err := tx.Append(queue.Record{Kind: queue.KindPunch, Email: maier})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	typo := filepath.Join(h.dir, "queu.db")
	text := fmt.Sprintf("[device]\nid = \"t\"\n[store]\npath = %q\n[control]\nsocket = %q\n", typo, h.socket)
	cfg, err := config.Parse(filepath.Join(h.dir, "typo.toml"), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	h.start(cfg)
	note := h.status().OtherStores
	if !strings.Contains(note, "store.path "+typo+" was created at this start") || !strings.Contains(note, old) {
		t.Fatalf("status other stores = %q; want the new store and %s named", note, old)
	}
	h.stop()

	// The next start opens the store it made: nothing new to say.
	h.start(cfg)
	if note := h.status().OtherStores; note != "" {
		t.Fatalf("second start: other stores = %q, want none", note)
	}
}
